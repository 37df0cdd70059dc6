import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getContainer } from '../../store/containers.js';
import { getImage } from '../../engine/image/images.js';
import { inspectContainer } from '../../engine/container/inspect.js';
import { inspectImage } from '../../engine/image/inspect.js';
import { formatInspect } from '../format/table.js';
import { imageSizeCached } from '../../engine/container/diff.js';
import { healthOf } from '../../engine/container/health.js';
import { describe, InvalidArgument, NotFound } from '../../errors.js';

export default defineCommand({
  summary: 'Show low-level information on containers or images, as JSON',
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  flags: {
    format: { type: 'string', short: 'f', help: 'Format the output using a Go template, e.g. {{.State.Pid}}' },
    size: { type: 'boolean', short: 's', help: 'Display total file sizes if the type is container' },
    type: { type: 'string', help: "Only look for a 'container' or an 'image'" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('inspect', positionals, 1, Infinity, 'a container or image');
    if (flags.type && flags.type !== 'container' && flags.type !== 'image')
      throw new InvalidArgument(`--type must be 'container' or 'image', not '${flags.type}'`);
    const store = await ctx.store();
    const docs: unknown[] = [];
    let missing = 0;
    for (const q of positionals) {
      let doc: unknown;
      if (flags.type !== 'image')
        doc = await getContainer(store, q).then(
          async (c) => inspectContainer(store, c, { size: !!flags.size, health: await healthOf(store, c) }),
          (e) => (e instanceof NotFound ? undefined : Promise.reject(e)),
        );
      if (doc === undefined && flags.type !== 'container')
        doc = await getImage(store, q).then(
          async (i) => inspectImage(store, i, await imageSizeCached(store, i)),
          (e) => (e instanceof NotFound ? undefined : Promise.reject(e)),
        );
      if (doc === undefined) {
        ctx.warn(`dockerlite: error: ${describe(new NotFound(`no such object: ${q}`))}\n`);
        missing++;
      } else docs.push(doc);
    }
    if (flags.format !== undefined) ctx.out(formatInspect(flags.format, docs));
    else ctx.out(JSON.stringify(docs, null, 4) + '\n');
    return missing ? 1 : 0;
  },
});
