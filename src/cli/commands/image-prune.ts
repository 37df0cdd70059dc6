import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { pruneImages } from '../../engine/image/prune.js';
import { humanSize } from '../output.js';
import { confirm } from '../prompt.js';
import { parsePruneFilters, pruneMatch } from '../format/prune-filters.js';

export default defineCommand({
  summary: 'Remove unused images: dangling ones, or with -a every image no container uses',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Remove all images not used by a container, not just dangling ones' },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
    filter: { type: 'string', multiple: true, help: 'Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")', arg: 'filter' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('image prune', positionals, 0, 0);
    const f = parsePruneFilters(flags.filter);
    if (!flags.force) {
      const what = flags.all ? 'all images without at least one container associated to them' : 'all dangling images';
      ctx.warn(`WARNING! This will remove ${what}.\n`);
      if (!(await confirm('Are you sure you want to continue?'))) return 0;
    }
    const res = await pruneImages(await ctx.store(), { all: !!flags.all, filter: (i) => pruneMatch(f, i.created, i.config.config?.Labels) });
    if (res.untagged.length || res.deleted.length) {
      ctx.out('Deleted Images:\n');
      for (const u of res.untagged) ctx.out(`untagged: ${u}\n`);
      for (const d of res.deleted) ctx.out(`deleted: sha256:${d}\n`);
      ctx.out('\n');
    }
    ctx.out(`Total reclaimed space: ${humanSize(res.reclaimed)}\n`);
  },
});
