// diff: what changed in a container (or a layer) relative to its base,
// computed from `btrfs send --no-data -p BASE SNAPSHOT`, so it is exact
// (deletions and metadata-only changes included) and costs what the change
// costs, not what the image weighs.
import { lstat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ImageRecord } from '../../store/types.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { readSendStream } from '../../snapshots/sendstream.js';
import { changesBetween, type Change } from '../../snapshots/changes.js';
import { hideMountPoints } from '../../store/mountpoints.js';
import { ExecError, NotFound } from '../../errors.js';
import { scratchName } from '../../store/scratch.js';
import { wait } from '../../sys/exec.js';
import { layerPath, readLayer, updateLayer } from '../content/layers.js';
import type { ContainerView } from '../../store/containers.js';

/** Changes from base to snap; both must be read-only subvolumes. */
export async function changesOf(base: string, snap: string): Promise<Change[]> {
  const child = btrfs.send(snap, { parent: base, noData: true });
  const errs: Buffer[] = [];
  child.stderr!.on('data', (b: Buffer) => errs.push(b));
  const [ops, { status }] = await Promise.all([readSendStream(child.stdout!), wait(child, 'btrfs')]);
  if (status !== 0) throw new ExecError('btrfs', ['send', '--no-data', '-p', base, snap], status, null, Buffer.concat(errs).toString());
  return changesBetween(base, snap, ops);
}

/** Run fn on a read-only snapshot of a writable subvolume, then drop the snapshot. */
export async function withFrozen<T>(store: Store, subvol: string, fn: (snap: string) => Promise<T>): Promise<T> {
  const snap = store.paths.layer(scratchName());
  await btrfs.snapshot(subvol, snap, { readonly: true });
  try {
    return await fn(snap);
  } finally {
    await btrfs.remove(snap);
  }
}

export async function containerChanges(store: Store, c: ContainerView): Promise<Change[]> {
  const base = layerPath(store, c.layer);
  if (!existsSync(base)) throw new NotFound(`the base layer of container ${c.name} is gone, so there is nothing to diff against`);
  // Both trees are read-only snapshots, out of the container's reach: nothing it does meanwhile shows.
  return withFrozen(store, store.paths.rootfs(c.id), async (snap) => hideMountPoints(store, c.id, await changesOf(base, snap), snap, base));
}

/** Bytes of regular-file content a layer adds over its parent; computed once and kept. */
export async function layerSize(store: Store, key: string): Promise<number> {
  const rec = await readLayer(store, key);
  if (rec.size !== undefined) return rec.size;
  const dir = layerPath(store, key);
  let size = 0;
  for (const ch of await changesOf(layerPath(store, rec.parent), dir)) {
    if (ch.kind === 'D') continue;
    const st = await lstat(join(dir, ch.path)).catch(() => null);
    if (st?.isFile()) size += st.size;
  }
  await updateLayer(store, { ...rec, size });
  return size;
}

export async function imageSizeCached(store: Store, img: ImageRecord): Promise<number> {
  let total = 0;
  for (const k of img.layers) total += await layerSize(store, k);
  return total;
}
