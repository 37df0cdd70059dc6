import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { diskUsage } from '../../engine/system/df.js';
import { isRunning } from '../../store/containers.js';
import { ago, humanSize } from '../output.js';
import { formatList, renderTemplate } from '../format/table.js';
import { containerRow, goTimeString } from '../format/views.js';
import { InvalidArgument } from '../../errors.js';
import { shortId } from '../../store/ids.js';
import { parseReference, familiarRepository } from '../../oci/reference.js';

// docker system df's tables (the CLI's formatter defaults).
const DF_TABLE = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
const DF_HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Reclaimable: 'RECLAIMABLE' };
const DF_IMAGES = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}';
const DF_CONTAINERS = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}';
const DF_VOLUMES = 'table {{.Name}}\t{{.Links}}\t{{.Size}}';
const DF_CACHE = 'table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}';
const DF_CACHE_HEADERS = {
  ID: 'CACHE ID',
  CacheType: 'CACHE TYPE',
  CreatedSince: 'CREATED',
  LastUsedSince: 'LAST USED',
  UsageCount: 'USAGE',
  Shared: 'SHARED',
};

/** Keys in Go's order for a map, as the CLI's {{json .}} prints them. */
function sortedKeys(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function pct(part: number, whole: number): string {
  return whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '';
}

export default defineCommand({
  summary: 'Show disk usage: images (shared and unique sizes), containers, volumes, build cache, content store',
  usage: '[OPTIONS]',
  flags: {
    verbose: { type: 'boolean', short: 'v', help: 'Show detailed information on space usage' },
    format: { type: 'string', help: "Format output using a Go template ('table ...'), or 'json'" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('system df', positionals, 0, 0);
    const u = await diskUsage(await ctx.store());
    const cTotal = u.containers.reduce((a, c) => a + c.size, 0);
    const cIdle = u.containers.filter((c) => !isRunning(c.container.state)).reduce((a, c) => a + c.size, 0);
    const vTotal = u.volumes.reduce((a, v) => a + v.size, 0);
    const vIdle = u.volumes.filter((v) => !v.links).reduce((a, v) => a + v.size, 0);
    const summary = [
      { Type: 'Images', TotalCount: u.images.length, Active: u.imagesActive, Size: u.imagesTotal, Reclaimable: u.imagesReclaimable },
      {
        Type: 'Containers',
        TotalCount: u.containers.length,
        Active: u.containers.filter((c) => isRunning(c.container.state)).length,
        Size: cTotal,
        Reclaimable: cIdle,
      },
      { Type: 'Local Volumes', TotalCount: u.volumes.length, Active: u.volumes.filter((v) => v.links).length, Size: vTotal, Reclaimable: vIdle },
      { Type: 'Build Cache', TotalCount: u.buildCache.count, Active: 0, Size: u.buildCache.size, Reclaimable: u.buildCache.size },
      { Type: 'Content store', TotalCount: u.blobs.count, Active: u.blobs.count - u.blobs.unused, Size: u.blobs.size, Reclaimable: u.blobs.unusedSize },
    ];
    const now = Date.now();
    // The CLI's diskUsageContext: every value a string, as {{json .}} shows.
    const rows = summary.map((r) => ({
      Active: String(r.Active),
      Reclaimable: `${humanSize(r.Reclaimable)}${pct(r.Reclaimable, r.Size)}`,
      Size: humanSize(r.Size),
      TotalCount: String(r.TotalCount),
      Type: r.Type,
    }));
    if (!flags.verbose) return ctx.out(formatList(flags.format, rows, { table: DF_TABLE, headers: DF_HEADERS }));
    const images = u.images
      .sort((a, b) => b.image.created.localeCompare(a.image.created))
      .flatMap((i) => {
        const tags = i.image.names.filter((n) => !n.includes('@')).map((n) => parseReference(n));
        const row = (repo: string, tag: string) => ({
          Containers: String(i.containers),
          CreatedAt: goTimeString(i.image.created),
          CreatedSince: ago(i.image.created, now),
          Digest: '',
          ID: `sha256:${i.image.id}`,
          Repository: repo,
          SharedSize: humanSize(i.shared),
          Size: humanSize(i.size),
          Tag: tag,
          UniqueSize: humanSize(i.unique),
          VirtualSize: humanSize(i.size),
        });
        return tags.length ? tags.map((r) => row(familiarRepository(r), r.tag ?? '<none>')) : [row('<none>', '<none>')];
      });
    const containers = (full: boolean) =>
      u.containers.map((c) => sortedKeys({ ...containerRow(c.container, { now, noTrunc: full }), Platform: null, Size: humanSize(c.size) }));
    const volumes = u.volumes.map((v) => ({
      Availability: 'N/A',
      Driver: 'local',
      Group: 'N/A',
      Labels: '',
      Links: String(v.links),
      Mountpoint: v.mountpoint,
      Name: v.name,
      Scope: 'local',
      Size: humanSize(v.size),
      Status: 'N/A',
    }));
    if (flags.format !== undefined && flags.format !== '' && flags.format !== 'table') {
      // docker system df -v --format: one document of the four lists; a table template cannot apply to it.
      const doc = { Images: images, Containers: containers(true), Volumes: volumes, BuildCache: [] };
      const src = flags.format === 'json' ? '{{json .}}' : flags.format;
      if (src.startsWith('table')) {
        const f = /\.(\w+)/.exec(src)?.[1] ?? '';
        throw new InvalidArgument(`template: :1:2: executing "" at <.${f}>: can't evaluate field ${f} in type *formatter.diskUsageContext`);
      }
      return ctx.out(renderTemplate(src, doc) + '\n');
    }
    const shortImages = images.map((i) => ({ ...i, ID: shortId(i.ID.slice('sha256:'.length)) }));
    ctx.out(`Images space usage:\n\n${formatList('', shortImages, { table: DF_IMAGES, headers: { ID: 'IMAGE ID' } })}\n`);
    ctx.out(`Containers space usage:\n\n${formatList('', containers(false), { table: DF_CONTAINERS })}\n`);
    ctx.out(`Local Volumes space usage:\n\n${formatList('', volumes, { table: DF_VOLUMES, headers: { Name: 'VOLUME NAME' } })}\n`);
    ctx.out(`Build cache usage: ${humanSize(u.buildCache.size)}\n\n${formatList('', [], { table: DF_CACHE, headers: DF_CACHE_HEADERS })}`);
    ctx.out(`\nContent store usage: ${humanSize(u.blobs.size)} in ${u.blobs.count} blobs, ${humanSize(u.blobs.unusedSize)} unused\n`);
  },
});
