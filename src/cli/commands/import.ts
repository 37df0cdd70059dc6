import { applyChanges } from '../../engine/build/changes.js';
import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { importTarball, openInput } from '../../engine/image/importer.js';

export default defineCommand({
  summary: 'Import a rootfs tarball (plain, gzip, zstd or xz; - for stdin) as a new image',
  usage: '[OPTIONS] file|- [REPOSITORY[:TAG]]',
  flags: {
    message: { type: 'string', short: 'm', help: 'Set a commit message for the imported image' },
    change: {
      type: 'string',
      short: 'c',
      multiple: true,
      help: 'Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR)',
      arg: 'list',
    },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('import', positionals, 1, 2, 'a tarball and an optional name');
    const [file, ref] = positionals;
    const config = applyChanges({}, flags.change); // before reading the input: a bad change fails at once
    const img = await importTarball(await ctx.store(), openInput(file, process.stdin), {
      ref,
      config,
      comment: flags.message ?? `Imported from ${file === '-' ? 'stdin' : file}`,
    });
    ctx.out(`sha256:${img.id}\n`);
  },
});
