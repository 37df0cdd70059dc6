import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { pushImage, localTags } from '../../engine/distribution/push.js';
import { progressPrinter } from '../progress.js';

export default defineCommand({
  summary: 'Upload an image to a registry (layers it already has are skipped)',
  usage: '[OPTIONS] NAME[:TAG]',
  flags: {
    'all-tags': { type: 'boolean', short: 'a', help: 'Push all local tags of the repository' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the progress output' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('push', positionals, 1, 1, 'an image reference');
    const store = await ctx.store();
    const progress = progressPrinter(flags.quiet);
    const refs = flags['all-tags'] ? await localTags(store, positionals[0]) : [positionals[0]];
    for (const ref of refs) {
      const res = await pushImage(store, ref, { progress });
      ctx.out(`${res.ref.replace(/:[^:/]*$/, '')}@${res.digest}\n`);
    }
  },
});
