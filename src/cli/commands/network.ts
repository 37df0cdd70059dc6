import { defineCommand } from '../command.js';
import { InvalidArgument } from '../../errors.js';

const SUBCOMMANDS: Array<[string, string]> = [
  ['connect', 'Connect a container to a network'],
  ['create', 'Create a bridge network with its own subnet'],
  ['disconnect', 'Disconnect a container from a network'],
  ['inspect', 'Display detailed information on one or more networks'],
  ['ls', 'List networks'],
  ['prune', 'Remove all unused user-defined networks'],
  ['rm', 'Remove one or more networks'],
];

export default defineCommand({
  summary: 'Manage networks (network create/ls/inspect/rm/connect/disconnect/prune)',
  usage: 'COMMAND',
  flags: {},
  async run({ positionals }, ctx) {
    if (positionals.length) throw new InvalidArgument(`'network ${positionals[0]}' is not a dockerlite command; see 'dockerlite network'`);
    const lines = ['Usage:  dockerlite network COMMAND', '', 'Manage networks', '', 'Commands:'];
    for (const [n, s] of SUBCOMMANDS) lines.push(`  ${n.padEnd(13)}${s}`);
    lines.push('', "Run 'dockerlite network COMMAND --help' for more information on a command.");
    ctx.out(lines.join('\n') + '\n');
  },
});
