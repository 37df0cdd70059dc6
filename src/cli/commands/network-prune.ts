import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { pruneNetworks } from '../../engine/system/prune.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Remove every user-defined network that no container is attached to',
  usage: '-f',
  flags: { force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation (required: dockerlite never prompts)' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('network prune', positionals, 0);
    if (!flags.force) throw new InvalidArgument("this removes every unused network; run 'dockerlite network prune -f' to confirm");
    const removed = await pruneNetworks(await ctx.store());
    if (removed.length) ctx.out(`Deleted Networks:\n${removed.map((n) => n + '\n').join('')}`);
  },
});
