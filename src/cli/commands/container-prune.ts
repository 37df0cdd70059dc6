import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { confirm } from '../prompt.js';
import { pruneContainers } from '../../engine/container/prune.js';
import { parsePruneFilters, pruneMatch } from '../format/prune-filters.js';
import { humanSize } from '../output.js';

export default defineCommand({
  summary: 'Remove all stopped containers',
  usage: '[OPTIONS]',
  flags: {
    filter: { type: 'string', multiple: true, help: 'Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")', arg: 'filter' },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('container prune', positionals, 0, 0);
    const f = parsePruneFilters(flags.filter);
    if (!flags.force) {
      ctx.warn('WARNING! This will remove all stopped containers.\n');
      if (!(await confirm('Are you sure you want to continue?'))) return 0;
    }
    const r = await pruneContainers(await ctx.store(), { filter: (c) => pruneMatch(f, c.created, c.config.Labels) });
    if (r.containers.length) ctx.out(`Deleted Containers:\n${r.containers.map((id) => id + '\n').join('')}\n`);
    ctx.out(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  },
});
