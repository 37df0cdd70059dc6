import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getImage } from '../../engine/images.js';
import { layerSize } from '../../engine/diff.js';
import { table, ago, humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';

export default defineCommand({
  summary: "Show the history of an image: the steps that made it, newest first",
  usage: '[OPTIONS] IMAGE',
  flags: {
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
    human: { type: 'boolean', short: 'H', help: 'Print sizes and dates in human readable format (the default)' },
    format: { type: 'string', help: "'json' prints one JSON object per step" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('history', positionals, 1, 1, 'an image');
    const store = await ctx.store();
    const img = await getImage(store, positionals[0]);
    const history = img.config.history ?? [];
    // Steps that made a layer take the image's layers in order, bottom to top.
    const withLayer = history.filter((h) => !h.empty_layer).length;
    const aligned = withLayer === img.layers.length;
    let layer = 0;
    const rows: Array<{ id: string; created: string; by: string; size: number; comment: string }> = [];
    for (const h of history) {
      let size = 0;
      if (!h.empty_layer && aligned) size = await layerSize(store, img.layers[layer++]).catch(() => 0);
      rows.push({ id: '<missing>', created: h.created ?? '', by: h.created_by ?? '', size, comment: h.comment ?? '' });
    }
    rows.reverse();
    if (rows.length) rows[0].id = img.id;
    const id = (x: string) => (x === '<missing>' ? x : flags['no-trunc'] ? `sha256:${x}` : shortId(x));
    if (flags.quiet) return ctx.out(rows.map((r) => id(r.id) + '\n').join(''));
    const now = Date.now();
    if (flags.format === 'json') {
      return ctx.out(rows.map((r) => JSON.stringify({ ID: id(r.id), CreatedAt: r.created, CreatedSince: ago(r.created, now), CreatedBy: r.by, Size: humanSize(r.size), Comment: r.comment }) + '\n').join(''));
    }
    const by = (s: string) => (flags['no-trunc'] || s.length <= 45 ? s : s.slice(0, 44) + '…');
    ctx.out(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows.map((r) => [id(r.id), ago(r.created, now), by(r.by.replace(/\n/g, ' ')), humanSize(r.size), r.comment])));
  },
});
