import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { saveImages, SAVE_FORMATS, type SaveFormat } from '../../engine/distribution/save.js';
import { InvalidArgument } from '../../errors.js';
import { progressPrinter } from '../progress.js';

export default defineCommand({
  summary: 'Save images to a tar archive (docker-archive, which is also an OCI layout), or an OCI layout tar or directory',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  flags: {
    output: { type: 'string', short: 'o', help: 'Write to a file (or a directory for oci-dir) instead of stdout', arg: 'path' },
    format: { type: 'string', help: 'docker-archive (default), oci-archive or oci-dir', arg: 'format' },
    quiet: { type: 'boolean', short: 'q', help: 'Suppress the progress output' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('save', positionals, 1, Infinity, 'an image');
    const format = (flags.format ?? 'docker-archive') as SaveFormat;
    if (!SAVE_FORMATS.includes(format)) throw new InvalidArgument(`unknown format '${flags.format}': use ${SAVE_FORMATS.join(', ')}`);
    await saveImages(await ctx.store(), positionals, {
      format,
      output: flags.output,
      stdout: process.stdout,
      progress: progressPrinter(flags.quiet || !flags.output),
    });
  },
});
