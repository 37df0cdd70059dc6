import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { confirm } from '../prompt.js';
import { pruneBuildCache } from '../../engine/build/prune.js';
import { humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';

export default defineCommand({
  summary: 'Remove the build cache (the layers images still use stay)',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Remove all build cache (the only kind dockerlite keeps; accepted for Docker compatibility)' },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('builder prune', positionals, 0, 0);
    if (!flags.force) {
      ctx.warn('WARNING! This will remove all build cache.\n');
      if (!(await confirm('Are you sure you want to continue?'))) return 0;
    }
    const r = await pruneBuildCache(await ctx.store());
    if (r.entries.length) ctx.out(`Deleted build cache objects:\n${r.entries.map((k) => shortId(k) + '\n').join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  },
});
