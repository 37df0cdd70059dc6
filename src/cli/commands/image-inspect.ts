import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getImage } from '../../engine/image/images.js';
import { inspectImage } from '../../engine/image/inspect.js';
import { imageSizeCached } from '../../engine/container/diff.js';
import { formatInspect } from '../format/table.js';
import { describe, NotFound } from '../../errors.js';

export default defineCommand({
  summary: 'Show low-level information on images, as JSON',
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  flags: {
    format: { type: 'string', short: 'f', help: 'Format the output using a Go template, e.g. {{.Os}}/{{.Architecture}}' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('image inspect', positionals, 1, Infinity, 'an image');
    const store = await ctx.store();
    const docs: unknown[] = [];
    let missing = 0;
    for (const q of positionals) {
      try {
        const img = await getImage(store, q);
        docs.push(inspectImage(store, img, await imageSizeCached(store, img)));
      } catch (e) {
        if (!(e instanceof NotFound)) throw e;
        ctx.warn(`dockerlite: error: ${describe(new NotFound(`no such image: ${q}`))}\n`);
        missing++;
      }
    }
    if (flags.format !== undefined) ctx.out(formatInspect(flags.format, docs));
    else ctx.out(JSON.stringify(docs, null, 4) + '\n');
    return missing ? 1 : 0;
  },
});
