import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { pauseContainer } from '../../engine/lifecycle.js';
import { describe } from '../../errors.js';

export default defineCommand({
  summary: 'Resume every process in paused containers',
  usage: 'CONTAINER [CONTAINER...]',
  flags: {},
  async run({ positionals }, ctx) {
    expectArgs('unpause', positionals, 1, Infinity, 'a container');
    const store = await ctx.store();
    let failed = 0;
    for (const q of positionals) {
      try {
        await pauseContainer(store, q, false);
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
