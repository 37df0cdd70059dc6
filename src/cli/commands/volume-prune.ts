import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { confirm } from '../prompt.js';
import { pruneVolumes } from '../../engine/volume/volumes.js';

export default defineCommand({
  summary: 'Remove volumes no container uses (anonymous ones; all of them with -a)',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Remove named volumes too, not just anonymous ones' },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume prune', positionals, 0);
    if (!flags.force) {
      ctx.warn(`WARNING! This will remove all ${flags.all ? '' : 'anonymous '}volumes not used by at least one container.\n`);
      if (!(await confirm('Are you sure you want to continue?'))) return 0;
    }
    const removed = await pruneVolumes(await ctx.store(), { all: !!flags.all });
    ctx.out(removed.length ? `Deleted Volumes:\n${removed.map((n) => n + '\n').join('')}` : '');
  },
});
