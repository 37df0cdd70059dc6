import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { commit } from '../../engine/container/commit.js';

export default defineCommand({
  summary: "Create a new image from a container's changes: an O(1) read-only snapshot (original: mki)",
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  flags: {
    message: { type: 'string', short: 'm', help: 'Commit message' },
    author: { type: 'string', short: 'a', help: 'Author (e.g. "Jane Doe <jane@example.com>")' },
    change: {
      type: 'string',
      short: 'c',
      multiple: true,
      help: 'Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR)',
      arg: 'list',
    },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('commit', positionals, 1, 2, 'a container and an optional name');
    const img = await commit(await ctx.store(), positionals[0], { ref: positionals[1], message: flags.message, author: flags.author, change: flags.change });
    ctx.out(`sha256:${img.id}\n`);
  },
});
