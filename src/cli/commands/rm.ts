import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { removeContainer } from '../../engine/containers.js';
import { describe } from '../../errors.js';

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
    let failed = 0;
    for (const q of positionals) {
      try {
        await removeContainer(store, q, { force: !!flags.force, volumes: !!flags.volumes });
        ctx.out(`${q}\n`);
      } catch (e) {
        if (positionals.length === 1) throw e;
        ctx.warn(`dockerlite: error: ${describe(e)}\n`);
        failed++;
      }
    }
    return failed ? 1 : 0;
  },
});
