import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { confirm } from '../prompt.js';
import { pruneSystem } from '../../engine/system/prune.js';
import { humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';

export default defineCommand({
  summary: 'Remove stopped containers, unused networks, dangling images and the build cache',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Remove all unused images, not just dangling ones' },
    force: { type: 'boolean', short: 'f', help: 'Do not prompt for confirmation' },
    volumes: { type: 'boolean', help: 'Remove anonymous volumes no container uses, too' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('system prune', positionals, 0, 0);
    if (!flags.force) {
      const what = [
        'all stopped containers',
        'all networks not used by at least one container',
        ...(flags.volumes ? ['all anonymous volumes not used by at least one container'] : []),
        flags.all ? 'all images without at least one container associated to them' : 'all dangling images',
        flags.all ? 'all build cache' : 'unused build cache',
      ];
      ctx.warn(`WARNING! This will remove:\n${what.map((w) => `  - ${w}\n`).join('')}\n`);
      if (!(await confirm('Are you sure you want to continue?'))) return 0;
    }
    const r = await pruneSystem(await ctx.store(), { all: !!flags.all, volumes: !!flags.volumes });
    const section = (title: string, lines: string[]) => {
      if (lines.length) ctx.out(`${title}:\n${lines.map((l) => l + '\n').join('')}\n`);
    };
    section('Deleted Containers', r.containers);
    section('Deleted Networks', r.networks);
    section('Deleted Volumes', r.volumes);
    section('Deleted Images', [...r.untagged.map((u) => `untagged: ${u}`), ...r.images.map((d) => `deleted: sha256:${d}`)]);
    section('Deleted build cache objects', r.buildCache.map(shortId));
    ctx.out(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`);
  },
});
