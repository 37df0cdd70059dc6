import { defineCommand } from '../command.js';
import { expectArgs } from '../args.js';
import { diskUsage } from '../../engine/system/df.js';
import { isRunning } from '../../store/containers.js';
import { table, ago, humanSize, commandColumn } from '../output.js';
import { shortId } from '../../store/ids.js';
import { parseReference, familiarRepository } from '../../oci/reference.js';

function pct(part: number, whole: number): string {
  return whole > 0 ? ` (${Math.round((part / whole) * 100)}%)` : '';
}

export default defineCommand({
  summary: 'Show disk usage: images (shared and unique sizes), containers, volumes, build cache, content store',
  usage: '[OPTIONS]',
  flags: {
    verbose: { type: 'boolean', short: 'v', help: 'Show detailed information on space usage' },
    format: { type: 'string', help: "'json' prints one JSON object per type" },
  },
  async run({ flags, positionals }, ctx) {
    expectArgs('system df', positionals, 0, 0);
    const u = await diskUsage(await ctx.store());
    const now = Date.now();
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
    if (flags.format === 'json') {
      return ctx.out(
        summary
          .map((s) => JSON.stringify({ ...s, Size: humanSize(s.Size), Reclaimable: `${humanSize(s.Reclaimable)}${pct(s.Reclaimable, s.Size)}` }) + '\n')
          .join(''),
      );
    }
    if (!flags.verbose) {
      return ctx.out(
        table(
          ['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'],
          summary.map((s) => [s.Type, String(s.TotalCount), String(s.Active), humanSize(s.Size), `${humanSize(s.Reclaimable)}${pct(s.Reclaimable, s.Size)}`]),
        ),
      );
    }
    const imgRows: string[][] = [];
    for (const i of u.images.sort((a, b) => b.image.created.localeCompare(a.image.created))) {
      const tags = i.image.names.filter((n) => !n.includes('@')).map((n) => parseReference(n));
      const cells = (repo: string, tag: string) => [
        repo,
        tag,
        shortId(i.image.id),
        ago(i.image.created, now),
        humanSize(i.size),
        humanSize(i.shared),
        humanSize(i.unique),
        String(i.containers),
      ];
      if (!tags.length) imgRows.push(cells('<none>', '<none>'));
      for (const r of tags) imgRows.push(cells(familiarRepository(r), r.tag ?? '<none>'));
    }
    ctx.out(`Images space usage:\n\n${table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE', 'SHARED SIZE', 'UNIQUE SIZE', 'CONTAINERS'], imgRows)}\n`);
    ctx.out(
      `Containers space usage:\n\n${table(
        ['CONTAINER ID', 'IMAGE', 'COMMAND', 'SIZE', 'CREATED', 'STATUS', 'NAMES'],
        u.containers.map((c) => [
          shortId(c.container.id),
          c.container.imageRef,
          commandColumn([c.container.path, ...c.container.args]),
          humanSize(c.size),
          ago(c.container.created, now),
          c.container.state.status,
          c.container.name,
        ]),
      )}\n`,
    );
    ctx.out(
      `Local Volumes space usage:\n\n${table(
        ['VOLUME NAME', 'LINKS', 'SIZE'],
        u.volumes.map((v) => [v.name, String(v.links), humanSize(v.size)]),
      )}\n`,
    );
    ctx.out(
      `Build cache usage: ${humanSize(u.buildCache.size)}\n\nContent store usage: ${humanSize(u.blobs.size)} in ${u.blobs.count} blobs, ${humanSize(u.blobs.unusedSize)} unused\n`,
    );
  },
});
