import { createWriteStream } from 'node:fs';
import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { exportContainer } from '../../engine/container/copy.js';
import { getContainer } from '../../store/containers.js';
import { InvalidArgument } from '../../errors.js';

export default defineCommand({
  summary: "Export a container's filesystem as a tar archive",
  usage: '[OPTIONS] CONTAINER',
  flags: { output: { type: 'string', short: 'o', help: 'Write to a file, instead of STDOUT', arg: 'file' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('export', positionals, 1);
    if (!flags.output && process.stdout.isTTY) throw new InvalidArgument('refusing to write a tar archive to a terminal; use -o FILE or redirect the output');
    const store = await ctx.store();
    const c = await getContainer(store, positionals[0]); // before -o makes a file
    try {
      await exportContainer(store, c.id, flags.output ? createWriteStream(flags.output) : process.stdout);
    } catch (e) {
      // The reader went away (| head): not an error of ours.
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE') throw e;
    }
  },
});
