import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { removeVolume } from '../../engine/volumes.js';
import { describe } from '../../errors.js';

export default defineCommand({
  summary: 'Remove volumes; a volume any container uses is refused',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  flags: { force: { type: 'boolean', short: 'f', help: 'Remove even if containers still use it' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume rm', positionals, 1, Infinity, 'a volume');
    const store = await ctx.store();
    let failed = 0;
    for (const q of positionals) {
      try {
        await removeVolume(store, q, { force: !!flags.force });
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
