import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getVolume } from '../../engine/volume/volumes.js';
import { formatInspect } from '../format/table.js';
import { describe } from '../../errors.js';

export default defineCommand({
  summary: 'Show volumes as JSON',
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  flags: { format: { type: 'string', short: 'f', help: 'Format the output using a Go template' } },
  async run({ flags, positionals }, ctx) {
    expectArgs('volume inspect', positionals, 1, Infinity, 'a volume');
    const store = await ctx.store();
    const docs: unknown[] = [];
    let missing = 0;
    for (const q of positionals) {
      try {
        const { Anonymous: _, ...doc } = await getVolume(store, q);
        docs.push(doc);
      } catch (e) {
        ctx.warn(`dockerlite: error: ${describe(e)}\n`);
        missing++;
      }
    }
    if (flags.format !== undefined) ctx.out(formatInspect(flags.format, docs));
    else ctx.out(JSON.stringify(docs, null, 4) + '\n');
    return missing ? 1 : 0;
  },
});
