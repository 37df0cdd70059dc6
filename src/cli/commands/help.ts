import { defineCommand } from '../command.js';
import { helpText } from '../args.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'List every command with its one-line help, or show one command in full',
  usage: '[COMMAND]',
  flags: {},
  async run({ positionals }, ctx) {
    const { commands, aliases, find, aliasesOf } = ctx.catalog;
    if (positionals.length) {
      const name = aliases[positionals[0]]?.to ?? positionals.join(' ');
      const entry = find(name) ?? find(positionals[0]);
      if (!entry) throw new InvalidArgument(`'${positionals[0]}' is not a dockerlite command`);
      const c = (await entry.load()).default;
      return ctx.out(helpText(entry.name, c.usage, c.summary, c.flags, aliasesOf(entry.name)));
    }
    // Each command file carries its own summary: help is generated from them.
    const rows = await Promise.all(commands.map(async (e) => [e.name, (await e.load()).default.summary] as const));
    const w = Math.max(...rows.map(([n]) => n.length)) + 3;
    const lines = ['Usage:  dockerlite [-D] COMMAND [ARG...]', '', 'A lightweight container engine on BTRFS snapshots and LXC.', '', 'Commands:'];
    for (const [n, s] of rows) lines.push(`  ${n.padEnd(w)}${s}`);
    lines.push('', 'Original dockerlite names:');
    for (const [a, t] of Object.entries(aliases)) lines.push(`  ${a.padEnd(w)}= ${t.to}${t.args ? ' ' + t.args.join(' ') : ''}`);
    lines.push('', "Run 'dockerlite COMMAND --help' for more information on a command.");
    ctx.out(lines.join('\n') + '\n');
  },
});
