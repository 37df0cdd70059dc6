import { defineCommand } from '../command.js';
import { forEachName } from '../each.js';
import { expectArgs } from '../args.js';
import { pauseContainer } from '../../engine/container/control.js';

export default defineCommand({
  summary: 'Suspend every process in containers (the freezer cgroup)',
  usage: 'CONTAINER [CONTAINER...]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('pause', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await pauseContainer(store, q, true);
      ctx.out(`${q}\n`);
    });
  },
});
