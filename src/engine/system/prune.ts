// `system prune`: what Docker's does, in Docker's order: stopped containers,
// unused networks, (with volumes) unused anonymous volumes, dangling images
// (every unused one with all), then the build cache.
import type { Store } from '../../store/store.js';
import { isRunning, listContainers, type ContainerView } from '../../store/containers.js';
import { listNetworks, removeNetwork } from '../../network/networks.js';
import { membersOf } from '../../network/connect.js';
import { Conflict } from '../../errors.js';
import { removeContainer } from '../container/remove.js';
import { pruneImages } from '../image/prune.js';
import { pruneBuildCache } from '../build/prune.js';
import { listVolumes, pruneVolumes, volumePath, volumeUsers } from '../volume/volumes.js';
import { containerSize, treeSize } from './df.js';

export interface SystemPruneResult {
  containers: string[];
  networks: string[];
  volumes: string[];
  untagged: string[];
  images: string[];
  buildCache: string[];
  reclaimed: number;
}

/** Remove every user-defined network no container is attached to; their names. */
export async function pruneNetworks(store: Store): Promise<string[]> {
  const removed: string[] = [];
  for (const net of await listNetworks(store)) {
    if (net.Default) continue;
    try {
      await removeNetwork(store, net, async (n) => (await membersOf(store, n)).map((m) => m.c.name));
      removed.push(net.Name);
    } catch (e) {
      if (!(e instanceof Conflict)) throw e; // in use: keep it
    }
  }
  return removed;
}

/** Remove every stopped container that keep() accepts (all by default): their ids and the bytes freed. */
export async function pruneContainers(store: Store, keep: (c: ContainerView) => boolean = () => true): Promise<{ containers: string[]; reclaimed: number }> {
  const r = { containers: [] as string[], reclaimed: 0 };
  for (const c of await listContainers(store)) {
    if (isRunning(c.state) || !keep(c)) continue;
    const size = await containerSize(store, c);
    try {
      await removeContainer(store, c.id, { force: false });
    } catch (e) {
      if (e instanceof Conflict) continue; // started meanwhile
      throw e;
    }
    r.containers.push(c.id);
    r.reclaimed += size;
  }
  return r;
}

export async function pruneSystem(store: Store, o: { all: boolean; volumes: boolean }): Promise<SystemPruneResult> {
  const r: SystemPruneResult = { containers: [], networks: [], volumes: [], untagged: [], images: [], buildCache: [], reclaimed: 0 };
  ({ containers: r.containers, reclaimed: r.reclaimed } = await pruneContainers(store));
  r.networks = await pruneNetworks(store);
  if (o.volumes) {
    const users = await volumeUsers(store);
    const sizes = new Map<string, number>();
    for (const v of await listVolumes(store)) if (v.Anonymous && !users.has(v.Name)) sizes.set(v.Name, await treeSize(volumePath(store, v.Name)));
    r.volumes = await pruneVolumes(store, { all: false });
    for (const v of r.volumes) r.reclaimed += sizes.get(v) ?? 0;
  }
  const img = await pruneImages(store, { all: o.all });
  r.untagged = img.untagged;
  r.images = img.deleted;
  r.reclaimed += img.reclaimed;
  const bc = await pruneBuildCache(store);
  r.buildCache = bc.entries;
  r.reclaimed += bc.reclaimed;
  return r;
}
