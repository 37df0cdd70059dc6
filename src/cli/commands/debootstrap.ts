import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { debootstrapImage } from '../../engine/image/base-debian.js';

export default defineCommand({
  summary: "Make a Debian base image with debootstrap from this machine's apt mirror (default: debian:bookworm)",
  usage: '[OPTIONS] [SUITE] [REPOSITORY[:TAG]]',
  flags: {
    mirror: { type: 'string', help: "Debian mirror URL (default: the first one in this machine's apt sources)", arg: 'url' },
    variant: { type: 'string', help: 'debootstrap variant (default: minbase)' },
    refresh: { type: 'boolean', help: 'Run debootstrap again even if a rootfs from the last 7 days is cached' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('debootstrap', positionals, 0, 2);
    const suite = positionals[0] ?? 'bookworm';
    const img = await debootstrapImage(
      await ctx.store(),
      { suite, ref: positionals[1] ?? `debian:${suite}`, mirror: flags.mirror, variant: flags.variant, refresh: flags.refresh },
      ctx.warn,
    );
    ctx.out(`sha256:${img.id}\n`);
  },
});
