import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { getImage, listImages } from '../../engine/image/images.js';
import { imageSizeCached } from '../../engine/container/diff.js';
import { ago, humanSize } from '../output.js';
import { formatList, goType } from '../format/table.js';
import { goTimeString } from '../format/views.js';
import { shortId } from '../../store/ids.js';
import { parseReference, familiarRepository, repository } from '../../oci/reference.js';
import { InvalidArgument } from '../../errors.js';

interface ImageFilters {
  dangling?: boolean;
  reference: RegExp[];
  /** before=IMAGE / since=IMAGE: the images named. */
  before: string[];
  since: string[];
  /** label=KEY[=VALUE]: all must match, as Docker. */
  labels: string[];
}

/** --filter dangling=true|false, reference=GLOB, before=IMAGE, since=IMAGE, label=KEY[=VALUE] (as docker images). */
function parseFilters(list: string[] = []): ImageFilters {
  const out: ImageFilters = { reference: [], before: [], since: [], labels: [] };
  for (const f of list) {
    const [k, v] = [f.slice(0, f.indexOf('=')), f.slice(f.indexOf('=') + 1)];
    if (k === 'dangling' && (v === 'true' || v === 'false')) out.dangling = v === 'true';
    else if ((k === 'before' || k === 'since' || k === 'label') && v) (k === 'label' ? out.labels : out[k]).push(v);
    else if (k === 'reference' && v)
      out.reference.push(
        new RegExp(
          `^${v
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '.')}$`,
        ),
      );
    else
      throw new InvalidArgument(`invalid filter '${f}': supported are dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE and label=KEY[=VALUE]`);
  }
  return out;
}

/** docker images' default table. */
const IMAGES_TABLE = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export default defineCommand({
  summary: 'List images (original: lsi)',
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all images (including the empty base image)' },
    quiet: { type: 'boolean', short: 'q', help: 'Only show image IDs' },
    digests: { type: 'boolean', help: 'Show digests' },
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      help: 'Filter output: dangling=true|false, reference=PATTERN, before=IMAGE, since=IMAGE, label=KEY[=VALUE]',
      arg: 'filter',
    },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. '{{.Repository}}:{{.Tag}}'" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('images', positionals, 0, 1);
    const store = await ctx.store();
    const now = Date.now();
    const want = positionals[0] ? parseReference(positionals[0], { defaultTag: false }) : undefined;
    const filters = parseFilters(flags.filter);
    const createdOf = async (q: string) => (await getImage(store, q)).created;
    const before = await Promise.all(filters.before.map(createdOf));
    const since = await Promise.all(filters.since.map(createdOf));
    const labelled = (labels: Record<string, string> = {}) =>
      filters.labels.every((s) => (s.includes('=') ? labels[s.slice(0, s.indexOf('='))] === s.slice(s.indexOf('=') + 1) : s in labels));
    const rows: Array<{ repo: string; tag: string; digest: string; id: string; created: string; size?: number }> = [];
    for (const img of (await listImages(store)).sort((a, b) => b.created.localeCompare(a.created))) {
      if (!flags.all && img.layers.length === 0) continue; // the empty base image
      const tags = img.names.filter((n) => !n.includes('@'));
      if (filters.dangling !== undefined && filters.dangling !== (tags.length === 0)) continue;
      if (before.some((t) => !(img.created < t)) || since.some((t) => !(img.created > t)) || !labelled(img.config.config?.Labels)) continue;
      const size = flags.quiet ? undefined : await imageSizeCached(store, img);
      const refs = img.names.map((n) => parseReference(n));
      const digests = [...(img.repoDigests ?? []), ...img.names.filter((n) => n.includes('@'))].map((d) => parseReference(d));
      const digestOf = (repo: string) => digests.find((d) => repository(d) === repo)?.digest ?? '<none>';
      const base = { id: img.id, created: img.created, size };
      if (!refs.length && !want && !filters.reference.length) rows.push({ repo: '<none>', tag: '<none>', digest: digests[0]?.digest ?? '<none>', ...base });
      for (const r of refs) {
        if (want && (r.domain !== want.domain || r.path !== want.path || (want.tag && want.tag !== r.tag))) continue;
        // A digest reference shows when its repository has no tag here, as docker shows `busybox <none>`.
        if (r.digest && refs.some((o) => o.tag && repository(o) === repository(r))) continue;
        const repo = familiarRepository(r);
        if (filters.reference.length && !filters.reference.some((re) => re.test(repo) || re.test(`${repo}:${r.tag ?? ''}`))) continue;
        rows.push({ repo, tag: r.tag ?? '<none>', digest: r.digest ?? digestOf(repository(r)), ...base });
      }
    }
    const id = (x: string) => (flags['no-trunc'] ? `sha256:${x}` : shortId(x));
    if (flags.quiet) return ctx.out([...new Set(rows.map((r) => id(r.id)))].map((x) => x + '\n').join(''));
    const docs = rows.map((r) => {
      const row: Record<string, unknown> = {
        Containers: 'N/A',
        CreatedAt: goTimeString(r.created),
        CreatedSince: ago(r.created, now),
        Digest: r.digest,
        ID: id(r.id),
        Repository: r.repo,
        SharedSize: 'N/A',
        Size: humanSize(r.size),
        Tag: r.tag,
        UniqueSize: 'N/A',
        VirtualSize: humanSize(r.size, 4),
      };
      Object.defineProperty(row, goType, { value: '*formatter.ImageContext', enumerable: false });
      return row;
    });
    const table = flags.digests ? IMAGES_TABLE.replace('{{.Tag}}', '{{.Tag}}\t{{.Digest}}') : IMAGES_TABLE;
    ctx.out(formatList(flags.format, docs, { table, headers: { ID: 'IMAGE ID' } }));
  },
});
