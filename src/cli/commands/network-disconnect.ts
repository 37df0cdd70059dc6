import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { disconnect } from '../../network/connect.js';

export default defineCommand({
  summary: 'Disconnect a container from a network (its address there is released)',
  usage: '[OPTIONS] NETWORK CONTAINER',
  flags: { force: { type: 'boolean', short: 'f', help: 'Accepted for compatibility; disconnecting never needs force' } },
  async run({ positionals }, ctx) {
    expectArgs('network disconnect', positionals, 2, 2, 'a network and a container');
    await disconnect(await ctx.store(), positionals[0], positionals[1]);
  },
});
