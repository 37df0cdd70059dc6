// Removing a container, and finishing a removal or creation a crashed process
// left half done (a running record whose monitor died: recover.ts).
import { readdir, rename } from 'node:fs/promises';
import { readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { removeContainerCgroups } from '../../runtime/cgroups.js';
import { thaw } from '../../runtime/freezer.js';
import * as hooks from './hooks.js';
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/types.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { getContainer, isRunning, killMonitor, signalOwner, updateState, waitGone } from '../../store/containers.js';
import { Conflict } from '../../errors.js';
import { isAlive } from '../../sys/proc.js';
import { containerEvent } from '../../store/events.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { readJsonSyncOr } from '../../store/json.js';
import { imageRecord } from '../../store/schema.js';
import { stopProber } from './health.js';

/** Remove a container (rm); on a full store, with the reserved space (store/reserve.ts). */
/** monitorDone: the caller does its monitor's exit work (--rm): the monitor waits for it, not the reverse. */
export async function removeContainer(
  store: Store,
  query: string,
  opts: { force: boolean; volumes?: boolean; monitorDone?: boolean },
): Promise<ContainerRecord> {
  return store.withReserve(() => removeOne(store, query, opts));
}

async function removeOne(store: Store, query: string, opts: { force: boolean; volumes?: boolean; monitorDone?: boolean }): Promise<ContainerRecord> {
  const c = await getContainer(store, query);
  if (isRunning(c.state)) {
    if (!opts.force) throw new Conflict(`container ${c.name} is running; stop it first, or use rm -f`);
    await updateState(store, c.id, (s) => ({ ...s, stopRequested: true }));
    signalOwner(c.state, 'SIGKILL');
    thaw(c.id);
    if (!(await waitGone(c.state))) throw new Conflict(`container ${c.name} did not stop after SIGKILL`);
  }
  // Let its monitor finish recording the exit and running afterStop (unless we do its exit work, removing --rm).
  const monitor = { pid: c.state.monitorPid ?? 0, start: c.state.monitorStart ?? 0 };
  if (c.state.status === 'created' && isAlive(monitor)) {
    // Starting: its command may run already, its start not yet recorded. It counts as running.
    if (!opts.force) throw new Conflict(`container ${c.name} is starting; stop it first, or use rm -f`);
    await updateState(store, c.id, (s) => ({ ...s, stopRequested: true }));
    killMonitor(c.state);
  }
  if (!opts.monitorDone) await waitGone({ ...c.state, pid: monitor.pid, pidStart: monitor.start });
  await stopProber(store, c.id);
  await hooks.beforeRemove(store, c);
  // Take it out of the listing in one step (under its lock, so no state write
  // races with it), then delete at leisure.
  const doomed = join(store.paths.containers, scratchName());
  await store.lock(`container-${c.id}`, () => rename(store.paths.container(c.id), doomed));
  if (!opts.monitorDone) await removeContainerCgroups(c.id); // else the exit work just did
  await destroyContainerDir(store, doomed, c.id);
  containerEvent(store.paths.root, 'destroy', c);
  if (opts.volumes) {
    const [{ removeAnonymousVolumes }, { mountsOf }] = await Promise.all([import('../volume/volumes.js'), import('./spec/mounts.js')]);
    await removeAnonymousVolumes(store, mountsOf(c));
  }
  // The layer below the container outlives it only if its image was removed
  // meanwhile (rmi keeps what a container uses): collect then. Otherwise rm
  // is the subvolume delete and the record, with no scan of the whole store.
  if (!imageHolds(store, c)) {
    const [{ gcLayers }, { layersInUse }] = await Promise.all([import('../content/layers.js'), import('../image/images.js')]);
    await gcLayers(store, () => layersInUse(store));
  }
  return c;
}

/** The container's image is still here and holds the layer the container was made from. */
function imageHolds(store: Store, c: ContainerRecord): boolean {
  if (c.layer === 'empty') return true; // the empty base is never collected
  if (!c.image || !c.layer) return false;
  const img = readJsonSyncOr(store.paths.image(c.image), imageRecord, null);
  return !!img && img.layers.includes(c.layer);
}

async function destroyContainerDir(store: Store, dir: string, id: string): Promise<void> {
  await btrfs.remove(join(dir, 'rootfs'));
  removeTree(dir);
  removeTree(join(store.paths.lxc, id));
}

/**
 * rm -rf of a container's directory once its rootfs subvolume is gone: a few
 * small files (and execs/). Sync calls: node's recursive rm loads and runs
 * its rimraf module through the thread pool, ~10 ms of an `rm` for this.
 */
function removeTree(dir: string): void {
  let kids;
  try {
    kids = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    return unlinkSync(dir);
  }
  for (const k of kids) {
    const p = join(dir, k.name);
    if (k.isDirectory()) removeTree(p);
    else
      try {
        unlinkSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
  }
  rmdirSync(dir);
}

/** Finish removals and creations a crashed process left half done. */
export async function removeAbandonedContainers(store: Store): Promise<void> {
  for (const n of await readdir(store.paths.containers)) {
    if (isAbandoned(n)) await destroyContainerDir(store, join(store.paths.containers, n), n);
  }
}
