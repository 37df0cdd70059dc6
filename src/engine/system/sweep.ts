// The sweep run whenever a store is opened: it finishes or undoes what a
// killed dockerlite left half done. Only directory listings when there is
// nothing to do, since every command pays for it. Each leftover carries its
// maker's pid and start time in its name (scratch names, temp files, lock
// files, leases), or is recognised under the lock its maker held (layers).
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { isAbandoned } from '../../store/scratch.js';
import { listNames, removeAbandonedTemps } from '../../store/json.js';
import { sweepLocks } from '../../store/lock.js';
import { leased } from '../content/leases.js';
import { abandoned, listRecords, listWatchedStates, toView, type ContainerView } from '../../store/containers.js';

/** Scratch directories (loads, builds, debootstrap) whose process is gone. */
async function removeAbandonedScratch(dir: string): Promise<void> {
  for (const n of listNames(dir)) if (isAbandoned(n)) await rm(join(dir, n), { recursive: true, force: true });
}

/** How old a monitor's early log (tmp/monitor-<id>.log) must be to be a leftover: its monitor renames or removes it within moments. */
const EARLY_LOG_GRACE_MS = 10 * 60_000;

/** Early logs of monitors whose CLI was killed before it could start them. */
async function removeStaleEarlyLogs(dir: string): Promise<void> {
  for (const n of listNames(dir)) {
    if (!/^monitor-[0-9a-f]{64}\.log$/.test(n)) continue;
    const st = await stat(join(dir, n)).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > EARLY_LOG_GRACE_MS) await rm(join(dir, n), { force: true });
  }
}

/**
 * A layers/ listing with something for removeAbandoned (layers.ts) to do: a
 * scratch subvolume, or a layer without its record. Checked here so that a
 * clean store never loads the layer code (tar, btrfs) on every command.
 */
function layersNeedSweep(names: string[]): boolean {
  const have = new Set(names);
  return names.some((n) => isAbandoned(n) || (!n.endsWith('.json') && !n.startsWith('.') && n !== 'empty' && !have.has(`${n}.json`)));
}

export interface SweepOptions {
  /**
   * The opener lists every container next (ps): it reads each record once
   * through listContainersSwept, which does the state pass on what it read,
   * and the per-container temp-file scan (garbage only, never read) waits
   * for the next command that opens the store without it.
   */
  listing?: boolean;
}

export async function sweep(store: Store, o: SweepOptions = {}): Promise<void> {
  const p = store.paths;
  await sweepLocks(p.locks);
  // The modules that clean up load only when there is something to clean up.
  if (layersNeedSweep(listNames(p.layers))) await (await import('../content/layers.js')).removeAbandoned(store);
  if (listNames(join(p.root, 'blobs', 'incoming')).some(isAbandoned)) await (await import('../content/blobs.js')).removeAbandonedBlobs(store);
  await leased(store); // drops the leases of dead holders
  await removeAbandonedScratch(p.tmp);
  await removeStaleEarlyLogs(p.tmp);
  await removeAbandonedScratch(join(p.tmp, 'build'));
  await removeAbandonedScratch(p.networks); // a network create killed before its rename
  const dirs = [p.root, p.layers, p.images, join(p.root, 'buildcache'), join(p.root, 'leases'), p.volumes, p.networks];
  // A network's own files, and its address leases (ips/), which a killed start may leave half-written.
  for (const n of listNames(p.networks)) if (!n.startsWith('.')) dirs.push(join(p.networks, n), join(p.networks, n, 'ips'));
  const containers = listNames(p.containers);
  if (!o.listing) for (const n of containers) if (!n.startsWith('.')) dirs.push(p.container(n));
  for (const d of dirs) await removeAbandonedTemps(d);
  if (containers.some(isAbandoned)) await (await import('../container/remove.js')).removeAbandonedContainers(store);
  if (!o.listing && listWatchedStates(store).some(({ disk }) => abandoned(disk))) await recoverAbandoned(store);
}

async function recoverAbandoned(store: Store): Promise<void> {
  await (await import('../container/recover.js')).recoverAbandonedContainers(store);
}

/**
 * Every container, each record read once, for a store opened with
 * { listing: true }: the sweep's state pass done on the states just read
 * (a running record whose monitor is gone is recovered, then read again).
 */
export async function listContainersSwept(store: Store): Promise<ContainerView[]> {
  let records = await listRecords(store);
  if (records.some(({ disk }) => abandoned(disk))) {
    await recoverAbandoned(store);
    records = await listRecords(store);
  }
  return records.map(toView);
}
