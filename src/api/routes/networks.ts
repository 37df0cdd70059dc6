// Networks: list, inspect, create, connect, disconnect, remove, prune. The
// store's bridge networks, and Docker's host and none as fixed pseudo-networks.
import type { Route } from '../router.js';
import { HttpError, readJson, sendEmpty, sendJson } from '../http.js';
import type { Store } from '../../store/store.js';
import { Conflict } from '../../errors.js';
import { createNetwork, defaultNetwork, getNetwork, listNetworks, removeNetwork } from '../../network/networks.js';
import type { NetworkRecord } from '../../network/model.js';
import { connect, disconnect, membersOf } from '../../network/connect.js';
import { pruneNetworks } from '../../engine/system/prune.js';
import { inspectNetwork, pseudoId } from '../../cli/format/network-views.js';

function pseudo(name: 'host' | 'none'): Record<string, unknown> {
  return {
    Name: name,
    Id: pseudoId(name),
    Created: '0001-01-01T00:00:00Z',
    Scope: 'local',
    Driver: name === 'host' ? 'host' : 'null',
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

async function all(store: Store, withMembers: boolean): Promise<Array<Record<string, unknown>>> {
  await defaultNetwork(store);
  const out: Array<Record<string, unknown>> = [];
  for (const n of await listNetworks(store)) out.push(inspectNetwork(n, withMembers ? await membersOf(store, n) : []));
  return [...out, pseudo('host'), pseudo('none')];
}

/** dockerd's network list filters: name (substring), id (prefix), driver, label, type (custom/builtin), dangling is ignored. */
function keep(n: Record<string, unknown>, f: Map<string, string[]>): boolean {
  const has = (k: string, ok: (v: string) => boolean) => !f.get(k)?.length || f.get(k)!.some(ok);
  const labels = (n.Labels ?? {}) as Record<string, string>;
  const builtin = ['bridge', 'host', 'none'].includes(n.Name as string);
  return (
    has('name', (v) => (n.Name as string).includes(v)) &&
    has('id', (v) => (n.Id as string).startsWith(v)) &&
    has('driver', (v) => n.Driver === v) &&
    has('type', (v) => (v === 'builtin') === builtin) &&
    (f.get('label') ?? []).every((l) => (l.includes('=') ? labels[l.slice(0, l.indexOf('='))] === l.slice(l.indexOf('=') + 1) : l in labels))
  );
}

async function find(store: Store, q: string): Promise<NetworkRecord | 'host' | 'none'> {
  if (q === 'host' || q === 'none' || q === pseudoId('host') || q === pseudoId('none')) return q === 'host' || q === pseudoId('host') ? 'host' : 'none';
  await defaultNetwork(store);
  return getNetwork(store, q);
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/networks',
    handler: async (r, ctx) => {
      const f = r.query.filters();
      sendJson(
        r.res,
        200,
        (await all(ctx.store, false)).filter((n) => keep(n, f)),
      );
    },
  },
  {
    method: 'POST',
    path: '/networks/create',
    handler: async (r, ctx) => {
      const b = await readJson<{
        Name?: string;
        Driver?: string;
        Internal?: boolean;
        Labels?: Record<string, string>;
        Options?: Record<string, string>;
        IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> };
        EnableIPv6?: boolean;
        CheckDuplicate?: boolean;
      }>(r.req);
      if (!b.Name) throw new HttpError(400, 'network name is required');
      if (b.EnableIPv6) throw new HttpError(400, 'IPv6 networks are not supported');
      if (b.Driver && b.Driver !== 'bridge') throw new HttpError(400, `network driver ${b.Driver} is not supported (only bridge)`);
      if ((await listNetworks(ctx.store)).some((n) => n.Name === b.Name)) throw new Conflict(`network with name ${b.Name} already exists`);
      const cfg = b.IPAM?.Config?.[0];
      let bridgeName: string | undefined;
      for (const [k, v] of Object.entries(b.Options ?? {})) {
        if (k === 'com.docker.network.bridge.name') bridgeName = v;
      }
      const net = await createNetwork(ctx.store, {
        name: b.Name,
        driver: b.Driver,
        subnet: cfg?.Subnet,
        gateway: cfg?.Gateway,
        internal: !!b.Internal,
        labels: b.Labels ?? {},
        bridgeName,
      });
      sendJson(r.res, 201, { Id: net.Id, Warning: '' });
    },
  },
  {
    method: 'POST',
    path: '/networks/prune',
    handler: async (r, ctx) => sendJson(r.res, 200, { NetworksDeleted: await pruneNetworks(ctx.store) }),
  },
  {
    method: 'GET',
    path: '/networks/{id}',
    handler: async (r, ctx) => {
      const n = await find(ctx.store, r.params.id);
      sendJson(r.res, 200, typeof n === 'string' ? pseudo(n) : inspectNetwork(n, await membersOf(ctx.store, n)));
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/connect',
    handler: async (r, ctx) => {
      const b = await readJson<{ Container?: string; EndpointConfig?: { Aliases?: string[]; IPAMConfig?: { IPv4Address?: string } } }>(r.req);
      if (!b.Container) throw new HttpError(400, 'Container is required');
      await connect(ctx.store, r.params.id, b.Container, {
        ip: b.EndpointConfig?.IPAMConfig?.IPv4Address || undefined,
        aliases: b.EndpointConfig?.Aliases ?? [],
      });
      sendEmpty(r.res, 200);
    },
  },
  {
    method: 'POST',
    path: '/networks/{id}/disconnect',
    handler: async (r, ctx) => {
      const b = await readJson<{ Container?: string; Force?: boolean }>(r.req);
      if (!b.Container) throw new HttpError(400, 'Container is required');
      await disconnect(ctx.store, r.params.id, b.Container);
      sendEmpty(r.res, 200);
    },
  },
  {
    method: 'DELETE',
    path: '/networks/{id}',
    handler: async (r, ctx) => {
      const n = await find(ctx.store, r.params.id);
      if (typeof n === 'string' || n.Default) throw new HttpError(403, `${typeof n === 'string' ? n : n.Name} is a pre-defined network and cannot be removed`);
      await removeNetwork(ctx.store, n, async (x) => (await membersOf(ctx.store, x)).map((m) => m.c.name));
      sendEmpty(r.res, 204);
    },
  },
];
export default routes;
