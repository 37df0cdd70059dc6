import { defineCommand } from '../command.js';
import { forEachName } from '../each.js';
import { expectArgs } from '../args.js';
import { removeVolume } from '../../engine/volume/volumes.js';

export default defineCommand({
  summary: 'Remove volumes; a volume any container uses is refused',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  flags: { force: { type: 'boolean', short: 'f', help: 'Remove even if containers still use it' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume rm', positionals, 1, Infinity, 'a volume');
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      await removeVolume(store, q, { force: !!flags.force });
      ctx.out(`${q}\n`);
    });
  },
});
