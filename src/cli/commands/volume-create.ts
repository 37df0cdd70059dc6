import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { labels } from '../runflags.js';
import { createVolume } from '../../engine/volume/volumes.js';

export default defineCommand({
  summary: 'Create a named volume (a BTRFS subvolume); without a name, a random one',
  usage: '[OPTIONS] [VOLUME]',
  flags: { label: { type: 'string', short: 'l', multiple: true, help: 'Set metadata on the volume (KEY=VALUE)' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume create', positionals, 0, 1);
    const v = await createVolume(await ctx.store(), positionals[0], { labels: labels(flags.label) });
    ctx.out(`${v.Name}\n`);
  },
});
