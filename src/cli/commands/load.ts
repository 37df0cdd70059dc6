import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { loadImages } from '../../engine/distribution/load.js';
import { parsePlatform } from '../../oci/platform.js';
import { InvalidArgument } from '../../errors.js';
import { progressPrinter } from '../progress.js';

export default defineCommand({
  summary: 'Load images from a docker-archive or OCI layout (tar, compressed tar, or directory; stdin by default)',
  usage: '[OPTIONS]',
  flags: {
    input: { type: 'string', short: 'i', help: 'Read from a tar archive or an OCI layout directory instead of stdin', arg: 'path' },
    platform: { type: 'string', help: "From a multi-platform layout, load this platform (default: the host's)", arg: 'os/arch[/variant]' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the progress output' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('load', positionals, 0, 0);
    if (!flags.input && process.stdin.isTTY) throw new InvalidArgument('requested load from stdin, but stdin is a terminal; use -i FILE or redirect stdin');
    const loaded = await loadImages(await ctx.store(), flags.input ? { path: flags.input } : { stream: process.stdin }, {
      progress: progressPrinter(flags.quiet),
      platform: flags.platform ? parsePlatform(flags.platform) : undefined,
    });
    for (const l of loaded) {
      if (l.names.length) for (const n of l.names) ctx.out(`Loaded image: ${n}\n`);
      else ctx.out(`Loaded image ID: sha256:${l.id}\n`);
    }
  },
});
