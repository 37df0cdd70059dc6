import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { search } from '../../engine/distribution/search.js';
import { table } from '../output.js';
import { renderTemplate } from '../format/table.js';

export default defineCommand({
  summary: "Search a registry's repositories by name (its catalog), with their tags: search HOST[:PORT]/TERM",
  usage: '[OPTIONS] REGISTRY/TERM',
  flags: {
    limit: { type: 'string', help: 'Max number of results (default 25)', arg: 'int' },
    'no-trunc': { type: 'boolean', help: "Don't truncate the tag list" },
    format: { type: 'string', help: "'json', or a template such as {{.Name}}" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('search', positionals, 1, 1, 'a registry and a term');
    const results = await search(positionals[0], { limit: Number(flags.limit ?? 25) });
    const docs = results.map((r) => ({ Name: r.name, Tags: r.tags.join(', ') }));
    if (flags.format === 'json')
      return ctx.out(docs.map((d) => JSON.stringify({ Name: d.Name, Tags: results.find((r) => r.name === d.Name)!.tags }) + '\n').join(''));
    if (flags.format) return ctx.out(docs.map((d) => renderTemplate(flags.format!, d) + '\n').join(''));
    const cut = (s: string) => (flags['no-trunc'] || s.length <= 60 ? s : `${s.slice(0, 59)}…`);
    ctx.out(
      table(
        ['NAME', 'TAGS'],
        docs.map((d) => [d.Name, cut(d.Tags)]),
      ),
    );
  },
});
