import { defineCommand } from '../command.js';
import { InvalidArgument } from '../../errors.js';

const SUBCOMMANDS: Array<[string, string]> = [
  ['df', 'Show disk usage'],
  ['prune', 'Remove unused data'],
  ['service', 'Serve the Docker Engine API (as serve)'],
];

export default defineCommand({
  summary: 'Manage dockerlite (system df/prune)',
  usage: 'COMMAND',
  flags: {},
  async run({ positionals }, ctx) {
    if (positionals.length) throw new InvalidArgument(`'system ${positionals[0]}' is not a dockerlite command; see 'dockerlite system'`);
    const lines = ['Usage:  dockerlite system COMMAND', '', 'Manage dockerlite', '', 'Commands:'];
    for (const [n, s] of SUBCOMMANDS) lines.push(`  ${n.padEnd(13)}${s}`);
    lines.push('', "Run 'dockerlite system COMMAND --help' for more information on a command.");
    ctx.out(lines.join('\n') + '\n');
  },
});
