// /system/df (disk usage by images, containers, volumes, build cache) and
// /auth (check credentials against a registry; the client keeps them, as with dockerd).
import type { Route } from '../router.js';
import { HttpError, readJson, sendJson } from '../http.js';
import { diskUsage } from '../../engine/system/df.js';
import { isRunning } from '../../store/containers.js';
import { familiar, parseReference } from '../../oci/reference.js';
import { loginDomain } from '../../engine/distribution/login.js';
import { Registry } from '../../registry/client.js';
import { registrySettings } from '../../registry/settings.js';
import { volumeDoc } from './volumes.js';

const secs = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;

const routes: Route[] = [
  {
    method: 'GET',
    path: '/system/df',
    handler: async (r, ctx) => {
      const u = await diskUsage(ctx.store);
      const { getVolume } = await import('../../engine/volume/volumes.js');
      const volumes = [];
      for (const v of u.volumes) {
        const rec = await getVolume(ctx.store, v.name).catch(() => undefined);
        if (rec) volumes.push({ ...volumeDoc(rec), UsageData: { Size: v.size, RefCount: v.links } });
      }
      sendJson(r.res, 200, {
        LayersSize: u.imagesTotal,
        Images: u.images.map((i) => ({
          Id: `sha256:${i.image.id}`,
          ParentId: i.image.parent ? `sha256:${i.image.parent}` : '',
          RepoTags: i.image.names.filter((n) => !n.includes('@')).map((n) => familiar(parseReference(n))),
          RepoDigests: (i.image.repoDigests ?? []).map((n) => familiar(parseReference(n))),
          Created: secs(i.image.created),
          Size: i.size,
          SharedSize: i.shared,
          VirtualSize: i.size,
          Labels: i.image.config.config?.Labels ?? {},
          Containers: i.containers,
        })),
        Containers: u.containers.map((c) => ({
          Id: c.container.id,
          Names: [`/${c.container.name}`],
          Image: c.container.imageRef,
          ImageID: `sha256:${c.container.image}`,
          Command: [c.container.path, ...c.container.args].join(' '),
          Created: secs(c.container.created),
          State: c.container.state.status,
          Status: isRunning(c.container.state) ? 'Up' : `Exited (${c.container.state.exitCode})`,
          SizeRw: c.size,
          SizeRootFs: 0,
          Labels: c.container.config.Labels ?? {},
          Mounts: [],
          Ports: [],
        })),
        Volumes: volumes,
        BuildCache: [],
      });
    },
  },
  {
    method: 'POST',
    path: '/auth',
    handler: async (r) => {
      const b = await readJson<{ username?: string; password?: string; serveraddress?: string; identitytoken?: string }>(r.req);
      if (!b.username && !b.identitytoken) throw new HttpError(400, 'username is required');
      const domain = loginDomain(b.serveraddress || undefined);
      const reg = await Registry.connect(domain, {
        settings: registrySettings(),
        credentials: { username: b.username ?? '', password: b.password ?? '', identityToken: b.identitytoken || undefined },
      });
      await reg.authenticate([]);
      sendJson(r.res, 200, { Status: 'Login Succeeded', IdentityToken: '' });
    },
  },
];
export default routes;
