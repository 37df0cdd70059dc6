import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { removeImage } from '../../engine/image/rmi.js';
import { forEachName } from '../each.js';

export default defineCommand({
  summary: 'Remove one or more images: untag first, delete when no name is left',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  flags: {
    force: { type: 'boolean', short: 'f', help: 'Force removal of the image, even if containers use it' },
    'no-prune': { type: 'boolean', help: 'Do not delete untagged parents' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('rmi', positionals, 1, Infinity, 'an image');
    const store = await ctx.store();
    return forEachName(ctx, positionals, async (q) => {
      const r = await removeImage(store, q, { force: !!flags.force, prune: !flags['no-prune'] });
      for (const u of r.untagged) ctx.out(`Untagged: ${u}\n`);
      for (const d of r.deleted) ctx.out(`Deleted: sha256:${d}\n`);
    });
  },
});
