import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { removeContainer } from '../../engine/container/remove.js';
import { forEachName } from '../each.js';

export default defineCommand({
  summary: 'Remove one or more containers (original: rmc)',
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  flags: {
    force: { type: 'boolean', short: 'f', help: 'Force the removal of a running container (uses SIGKILL)' },
    volumes: { type: 'boolean', short: 'v', help: 'Remove the anonymous volumes of the container' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('rm', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await removeContainer(store, q, { force: !!flags.force, volumes: !!flags.volumes });
      ctx.out(`${q}\n`);
    });
  },
});
