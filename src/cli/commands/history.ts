import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getImage } from '../../engine/image/images.js';
import { imageHistory } from '../../engine/image/history.js';
import { table, ago, humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';
import { renderTemplate } from '../format/table.js';

export default defineCommand({
  summary: 'Show the history of an image: the step behind each layer, with its size',
  usage: '[OPTIONS] IMAGE',
  flags: {
    human: { type: 'boolean', short: 'H', help: 'Print sizes and dates in human readable format (default)' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
    format: { type: 'string', help: "'json', or a template such as {{.CreatedBy}}" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('history', positionals, 1, 1, 'an image');
    const store = await ctx.store();
    const rows = await imageHistory(store, await getImage(store, positionals[0]));
    const id = (x?: string) => (x ? (flags['no-trunc'] ? `sha256:${x}` : shortId(x)) : '<missing>');
    if (flags.quiet) return ctx.out(rows.map((r) => `${id(r.id)}\n`).join(''));
    const now = Date.now();
    const docs = rows.map((r) => ({
      ID: id(r.id),
      CreatedAt: r.created ?? '',
      CreatedSince: r.created ? ago(r.created, now) : 'N/A',
      CreatedBy: r.createdBy,
      Size: humanSize(r.size),
      Comment: r.comment,
    }));
    if (flags.format === 'json') return ctx.out(docs.map((d) => JSON.stringify(d) + '\n').join(''));
    if (flags.format) return ctx.out(docs.map((d) => renderTemplate(flags.format!, d) + '\n').join(''));
    const cut = (s: string) => (flags['no-trunc'] || s.length <= 45 ? s : `${s.slice(0, 44)}…`);
    ctx.out(
      table(
        ['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'],
        docs.map((d) => [d.ID, d.CreatedSince, cut(d.CreatedBy.replace(/\n/g, ' ')), d.Size, d.Comment]),
      ),
    );
  },
});
