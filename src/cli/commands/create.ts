import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { CREATE_FLAGS, toCreateOptions } from '../runflags.js';
import { createContainer } from '../../engine/containers.js';

export default defineCommand({
  summary: 'Create a new container from an image (original: mkc IMAGE [NAME])',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  flags: CREATE_FLAGS,
  stopAtPositional: true,
  async run({ flags, positionals }, ctx) {
    expectArgs('create', positionals, 1, Infinity, 'an image');
    const [image, ...cmd] = positionals;
    const opts = toCreateOptions(flags, image, cmd);
    // The original's usage: mkc IMAGE [NAME].
    if (ctx.invokedAs === 'mkc' && cmd.length) {
      opts.name = cmd[0];
      opts.cmd = cmd.slice(1);
    }
    const c = await createContainer(await ctx.store(), opts);
    ctx.out(`${c.id}\n`);
  },
});
