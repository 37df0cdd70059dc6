// `dockerlite container`, `image`, `volume`: Docker's management commands
// alone list their subcommands, from the command table and the forms.
import type { Command, Context } from './command.js';
import { defineCommand } from './command.js';
import { InvalidArgument } from '../errors.js';

export function managementCommand(noun: string, title: string): Command {
  return defineCommand({
    summary: `${title} (dockerlite ${noun} COMMAND; see 'dockerlite ${noun}')`,
    usage: 'COMMAND',
    flags: {},
    async run({ positionals }, ctx: Context) {
      if (positionals.length) throw new InvalidArgument(`'${noun} ${positionals[0]}' is not a dockerlite command; see 'dockerlite ${noun}'`);
      const { commands, forms = {}, find } = ctx.catalog;
      const subs = new Map<string, string>();
      for (const e of commands) if (e.name.startsWith(`${noun} `)) subs.set(e.name.slice(noun.length + 1), e.name);
      for (const [k, f] of Object.entries(forms)) if (k.startsWith(`${noun} `) && !subs.has(k.slice(noun.length + 1))) subs.set(k.slice(noun.length + 1), f.to);
      const rows: Array<[string, string]> = [];
      for (const [sub, target] of [...subs].sort(([a], [b]) => a.localeCompare(b))) {
        const entry = find(target);
        if (entry) rows.push([sub, (await entry.load()).default.summary]);
      }
      const lines = [`Usage:  dockerlite ${noun} COMMAND`, '', title, '', 'Commands:'];
      for (const [n, s] of rows) lines.push(`  ${n.padEnd(13)}${s}`);
      lines.push('', `Run 'dockerlite ${noun} COMMAND --help' for more information on a command.`);
      ctx.out(lines.join('\n') + '\n');
    },
  });
}
