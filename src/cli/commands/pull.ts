import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { connectEarly, pullImage, remoteTags } from '../../engine/distribution/pull.js';
import { parsePlatform } from '../../oci/platform.js';
import { parseReference, repository } from '../../oci/reference.js';
import { progressPrinter } from '../progress.js';

export default defineCommand({
  summary: 'Download an image from a registry (progress on stderr; the full reference on stdout)',
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  flags: {
    'all-tags': { type: 'boolean', short: 'a', help: 'Download all tagged images in the repository' },
    platform: { type: 'string', help: "Pick this platform from a multi-platform image (default: the host's), e.g. linux/arm64", arg: 'os/arch[/variant]' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the progress output' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('pull', positionals, 1, 1, 'an image reference');
    // The registry's version check runs while the store opens.
    const registry = flags['all-tags'] ? undefined : connectEarly(positionals[0]);
    const store = await ctx.store();
    const platform = flags.platform ? parsePlatform(flags.platform) : undefined;
    const progress = progressPrinter(flags.quiet);
    const given = parseReference(positionals[0], { defaultTag: false });
    if (flags['all-tags']) {
      const { repo, tags } = await remoteTags(positionals[0]);
      for (const tag of tags) {
        const res = await pullImage(store, `${repository(repo)}:${tag}`, { platform, progress });
        ctx.out(`${res.ref}\n`);
      }
      return;
    }
    if (!given.tag && !given.digest && !flags.quiet) ctx.warn('Using default tag: latest\n');
    const res = await pullImage(store, positionals[0], { platform, progress, registry: await registry });
    ctx.out(`${res.ref}\n`);
  },
});
