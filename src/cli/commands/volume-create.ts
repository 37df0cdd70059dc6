import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { labels } from '../runflags.js';
import { createVolume } from '../../engine/volume/volumes.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: 'Create a named volume (a BTRFS subvolume); without a name, a random one',
  usage: '[OPTIONS] [VOLUME]',
  flags: {
    driver: { type: 'string', short: 'd', help: 'Volume driver name (only "local")', arg: 'string' },
    label: { type: 'string', short: 'l', multiple: true, help: 'Set metadata on the volume (KEY=VALUE)' },
    name: { type: 'string', help: 'Specify volume name', arg: 'string' },
    opt: {
      type: 'string',
      short: 'o',
      multiple: true,
      help: "The local driver's options: type=FSTYPE, device=DEVICE, o=MOUNT-OPTIONS (e.g. -o type=tmpfs -o device=tmpfs -o o=size=64m)",
      arg: 'map',
    },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume create', positionals, 0, 1);
    if (flags.name !== undefined && positionals[0] !== undefined && flags.name !== positionals[0])
      throw new InvalidArgument(`conflicting options: either specify --name or provide positional arg, not both`);
    const options: Record<string, string> = {};
    for (const o of flags.opt ?? []) {
      const eq = o.indexOf('=');
      if (eq <= 0) throw new InvalidArgument(`invalid argument "${o}" for "-o, --opt" flag: must be a key=value pair`);
      options[o.slice(0, eq)] = o.slice(eq + 1);
    }
    const v = await createVolume(await ctx.store(), flags.name ?? positionals[0], { labels: labels(flags.label), driver: flags.driver, options });
    ctx.out(`${v.Name}\n`);
  },
});
