import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { listImages } from '../../engine/images.js';
import { imageSizeCached } from '../../engine/diff.js';
import { table, ago, humanSize } from '../output.js';
import { shortId } from '../../store/ids.js';
import { parseReference, familiarRepository } from '../../oci/reference.js';

export default defineCommand({
  summary: 'List images (original: lsi)',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all images (including the empty base image)' },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    format: { type: 'string', help: "'json' prints one JSON object per image" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('images', positionals, 0, 1);
    const store = await ctx.store();
    const now = Date.now();
    const want = positionals[0] ? parseReference(positionals[0], { defaultTag: false }) : undefined;
    const rows: Array<{ repo: string; tag: string; id: string; created: string; size?: number }> = [];
    for (const img of (await listImages(store)).sort((a, b) => b.created.localeCompare(a.created))) {
      if (!flags.all && img.layers.length === 0) continue; // the empty base image
      const size = flags.quiet ? undefined : await imageSizeCached(store, img);
      const refs = img.names.map((n) => parseReference(n));
      if (!refs.length && !want) rows.push({ repo: '<none>', tag: '<none>', id: img.id, created: img.created, size });
      for (const r of refs) {
        if (want && (r.domain !== want.domain || r.path !== want.path || (want.tag && want.tag !== r.tag))) continue;
        rows.push({ repo: familiarRepository(r), tag: r.tag ?? '<none>', id: img.id, created: img.created, size });
      }
    }
    const id = (x: string) => (flags['no-trunc'] ? `sha256:${x}` : shortId(x));
    if (flags.quiet) return ctx.out([...new Set(rows.map((r) => id(r.id)))].map((x) => x + '\n').join(''));
    if (flags.format === 'json') {
      return ctx.out(rows.map((r) => JSON.stringify({ Repository: r.repo, Tag: r.tag, ID: id(r.id), CreatedAt: r.created, CreatedSince: ago(r.created, now), Size: humanSize(r.size) }) + '\n').join(''));
    }
    ctx.out(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows.map((r) => [r.repo, r.tag, id(r.id), ago(r.created, now), humanSize(r.size)])));
  },
});
