import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { isRunning } from '../../store/containers.js';
import { listContainersSwept } from '../../engine/system/sweep.js';
import { containerRow } from '../format/views.js';
import { matches, parseFilters } from '../format/filters.js';
import { formatList } from '../format/table.js';
import { shortId } from '../../store/ids.js';
import { InvalidArgument } from '../../errors.js';
import { portsColumn } from '../format/network-views.js';
import { hasHealthcheck, healthOf } from '../../engine/container/health.js';
import { readNet } from '../../network/endpoints.js';
import { humanSize } from '../../util/human.js';
import type { Store } from '../../store/store.js';
import type { ContainerView } from '../../store/containers.js';
import { NotFound } from '../../errors.js';

/** The networks a container is on, by name and id (ps --filter network=). */
function networksOf(store: Store, c: ContainerView): string[] {
  const out = Object.keys(c.networkingConfig?.EndpointsConfig ?? {});
  const mode = c.hostConfig.NetworkMode;
  if (mode) out.push(mode);
  for (const [name, ep] of Object.entries(readNet(store, c).Networks)) out.push(name, ep.NetworkID);
  return out;
}

/** Volume names and mount destinations (ps --filter volume=). */
function volumesOf(c: ContainerView, parseMountSpec: typeof import('../../engine/container/spec/mounts.js').parseMountSpec): string[] {
  const out: string[] = [];
  for (const b of c.hostConfig.Binds ?? []) {
    try {
      const m = parseMountSpec(b);
      out.push(m.target, ...(m.source ? [m.source] : []));
    } catch {
      // not ours to judge here
    }
  }
  return out;
}

/** Docker's SIZE column: "0B (virtual 1.98MB)". */
async function sizeColumn(store: Store, c: ContainerView): Promise<string> {
  // Loaded only for --size (and parseMountSpec only for a volume filter): a plain ps loads neither.
  const [{ containerSize }, { imageSizeCached }, { getImage }] = await Promise.all([
    import('../../engine/system/df.js'),
    import('../../engine/container/diff.js'),
    import('../../engine/image/images.js'),
  ]);
  const rw = await containerSize(store, c).catch(() => 0);
  const base = await getImage(store, c.image)
    .then((i) => imageSizeCached(store, i))
    .catch(() => 0);
  return `${humanSize(rw)} (virtual ${humanSize(rw + base)})`;
}

/** docker ps's default table. */
const PS_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export default defineCommand({
  summary: 'List containers (original: lsc = ps -a)',
  usage: '[OPTIONS]',
  flags: {
    all: { type: 'boolean', short: 'a', help: 'Show all containers (default shows just running)' },
    quiet: { type: 'boolean', short: 'q', help: 'Only display container IDs' },
    'no-trunc': { type: 'boolean', help: "Don't truncate output" },
    filter: {
      type: 'string',
      short: 'f',
      multiple: true,
      help: 'Filter: status=, name=, id=, label=, exited=, ancestor=, before=, since=, volume=, network=, health=',
    },
    size: { type: 'boolean', short: 's', help: 'Display total file sizes' },
    format: { type: 'string', help: "Format output using a Go template: 'table', 'table TEMPLATE', 'json' or TEMPLATE, e.g. 'table {{.ID}}\\t{{.Names}}'" },
    last: { type: 'string', short: 'n', help: 'Show the n last created containers (all states)', arg: 'int' },
    latest: { type: 'boolean', short: 'l', help: 'Show the latest created container (all states)' },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('ps', positionals, 0);
    const now = Date.now();
    const filters = parseFilters(flags.filter);
    if (flags.last !== undefined && !/^\d+$/.test(flags.last)) throw new InvalidArgument(`invalid --last '${flags.last}': give a number`);
    const limit = flags.latest ? 1 : flags.last !== undefined ? Number(flags.last) : undefined;
    // Each record read once: the store's sweep leaves its state pass to this listing.
    const store = await ctx.store({ listing: true });
    // Newest first. RFC 3339 times of one form order as strings; localeCompare (ICU) costs ~10 µs a comparison.
    let cs = (await listContainersSwept(store)).sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    // As Docker: a status filter, -n or -l look beyond the running ones.
    if (!flags.all && !filters.has('status') && !filters.has('exited') && limit === undefined) cs = cs.filter((c) => isRunning(c.state));
    const all = cs;
    // Only containers with a check have a health file: no promise per container for the rest.
    const health = new Map(await Promise.all(cs.filter((c) => hasHealthcheck(c.config)).map(async (c) => [c.id, await healthOf(store, c)] as const)));
    const created = (ref: string) => {
      const r = all.find((c) => c.id === ref || c.name === ref || c.name === ref.replace(/^\//, '')) ?? all.find((c) => c.id.startsWith(ref));
      if (!r) throw new NotFound(`no such container ${ref}`);
      return r.created;
    };
    for (const k of ['before', 'since']) for (const v of filters.get(k) ?? []) created(v);
    const parseMountSpec = filters.has('volume') ? (await import('../../engine/container/spec/mounts.js')).parseMountSpec : undefined;
    cs = cs.filter((c) =>
      matches(c, filters, {
        health: health.get(c.id)?.Status,
        created,
        networks: filters.has('network') ? networksOf(store, c) : [],
        volumes: parseMountSpec ? volumesOf(c, parseMountSpec) : [],
      }),
    );
    if (limit !== undefined) cs = cs.slice(0, limit);
    if (flags.quiet) return ctx.out(cs.map((c) => (flags['no-trunc'] ? c.id : shortId(c.id)) + '\n').join(''));
    const sizes = new Map<string, string>();
    if (flags.size) for (const c of cs) sizes.set(c.id, await sizeColumn(store, c));
    const rows = cs.map((c) => {
      const row = containerRow(c, { now, ports: portsColumn(store, c), noTrunc: !!flags['no-trunc'], health: health.get(c.id) });
      if (flags.size) row.Size = sizes.get(c.id);
      return row;
    });
    ctx.out(formatList(flags.format, rows, { table: flags.size ? `${PS_TABLE}\t{{.Size}}` : PS_TABLE }));
  },
});
