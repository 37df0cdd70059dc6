import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { attachRunning } from '../../engine/container/run.js';
import { terminalStreams } from '../terminal.js';

export default defineCommand({
  summary: "Attach this terminal's input and output to a running container (detach with ctrl-p,ctrl-q)",
  usage: '[OPTIONS] CONTAINER',
  flags: {
    'no-stdin': { type: 'boolean', help: 'Do not attach STDIN' },
    'detach-keys': { type: 'string', help: 'Key sequence that detaches from the container (default "ctrl-p,ctrl-q")', arg: 'keys' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('attach', positionals, 1);
    return attachRunning(await ctx.store(), positionals[0], { stdin: !flags['no-stdin'], detachKeys: flags['detach-keys'] }, terminalStreams());
  },
});
