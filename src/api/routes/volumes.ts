// Volumes: list, create, inspect, remove, prune (the local driver's named volumes).
import type { Route } from '../router.js';
import { HttpError, readJson, sendEmpty, sendJson } from '../http.js';
import { createVolume, getVolume, listVolumes, pruneVolumes, removeVolume, volumeUsers, type VolumeRecord } from '../../engine/volume/volumes.js';

/** Docker's Volume document (the record without dockerlite's own fields). */
export function volumeDoc(v: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: v.CreatedAt,
    Driver: v.Driver,
    Labels: v.Labels,
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: Object.keys(v.Options).length ? v.Options : null,
    Scope: v.Scope,
  };
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/volumes',
    handler: async (r, ctx) => {
      const f = r.query.filters();
      const users = f.has('dangling') ? await volumeUsers(ctx.store) : undefined;
      const vols = (await listVolumes(ctx.store)).filter((v) => {
        const labels = v.Labels;
        if (f.get('name')?.length && !f.get('name')!.some((n) => v.Name.includes(n))) return false;
        if (f.get('driver')?.length && !f.get('driver')!.includes(v.Driver)) return false;
        if (!(f.get('label') ?? []).every((l) => (l.includes('=') ? labels[l.slice(0, l.indexOf('='))] === l.slice(l.indexOf('=') + 1) : l in labels)))
          return false;
        const d = f.get('dangling')?.[0];
        if (d !== undefined && users && ['true', '1'].includes(d) === !!users.get(v.Name)?.length) return false;
        return true;
      });
      sendJson(r.res, 200, { Volumes: vols.map(volumeDoc), Warnings: [] });
    },
  },
  {
    method: 'POST',
    path: '/volumes/create',
    handler: async (r, ctx) => {
      const b = await readJson<{ Name?: string; Driver?: string; DriverOpts?: Record<string, string>; Labels?: Record<string, string> }>(r.req, {});
      if (b.Driver && b.Driver !== 'local') throw new HttpError(400, `volume driver ${b.Driver} is not supported (only local)`);
      if (b.DriverOpts && Object.keys(b.DriverOpts).length) throw new HttpError(400, 'volume driver options are not supported');
      sendJson(r.res, 201, volumeDoc(await createVolume(ctx.store, b.Name || undefined, { labels: b.Labels ?? {} })));
    },
  },
  {
    method: 'POST',
    path: '/volumes/prune',
    handler: async (r, ctx) => {
      const all = ['true', '1'].includes(r.query.filters().get('all')?.[0] ?? '');
      sendJson(r.res, 200, { VolumesDeleted: await pruneVolumes(ctx.store, { all }), SpaceReclaimed: 0 });
    },
  },
  {
    method: 'GET',
    path: '/volumes/{name}',
    handler: async (r, ctx) => sendJson(r.res, 200, volumeDoc(await getVolume(ctx.store, r.params.name))),
  },
  {
    method: 'DELETE',
    path: '/volumes/{name}',
    handler: async (r, ctx) => {
      await removeVolume(ctx.store, r.params.name, { force: r.query.bool('force') });
      sendEmpty(r.res, 204);
    },
  },
];
export default routes;
