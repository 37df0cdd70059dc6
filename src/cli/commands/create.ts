import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { CREATE_FLAGS, toCreateOptions } from '../runflags.js';
import { createContainer } from '../../engine/container/create.js';
import { ensureImage, pullPolicy } from '../../engine/distribution/ensure.js';
import { progressPrinter } from '../progress.js';
import { InvalidArgument } from '../../errors.js';
import { checkCidFile, writeCidFile } from '../runflags.js';

export default defineCommand({
  summary: 'Create a new container from an image (original: mkc IMAGE [NAME])',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  flags: CREATE_FLAGS,
  stopAtPositional: true,
  usageExitCode: 125,
  async run({ flags, positionals }, ctx) {
    expectArgs('create', positionals, 1, Infinity, 'an image');
    const [image, ...cmd] = positionals;
    try {
      const opts = toCreateOptions(flags, image, cmd);
      // The original's usage: mkc IMAGE [NAME].
      if (ctx.invokedAs === 'mkc' && cmd.length) {
        opts.name = cmd[0];
        opts.cmd = cmd.slice(1);
      }
      checkCidFile(flags.cidfile);
      const store = await ctx.store();
      await ensureImage(store, image, { pull: pullPolicy(flags.pull), progress: progressPrinter(flags.quiet), warn: flags.quiet ? () => {} : ctx.warn });
      const c = await createContainer(store, opts);
      writeCidFile(flags.cidfile, c.id);
      ctx.out(`${c.id}\n`);
    } catch (e) {
      // As Docker: a flag or value it refuses is exit 125.
      if (e instanceof InvalidArgument) e.exitCode = 125;
      throw e;
    }
  },
});
