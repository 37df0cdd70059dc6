// Layers: one read-only subvolume per layer, each holding the whole rootfs
// at that layer (as Docker's btrfs driver). A layer is a snapshot of the one
// below plus its diff, so images that share base layers share subvolumes.
// Half-made layers live as layers/.tmp-* and are renamed into place.
import { readdir, rename, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import type { LayerRecord } from '../../store/types.js';
import { readJson, writeJson, readJsonOr } from '../../store/json.js';
import { randomId, sha256, sha256Hash } from '../../store/ids.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { applyLayer } from '../../oci/apply.js';
import { NotFound } from '../../errors.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import type { Lease } from './leases.js';
import { layerRecord } from '../../store/schema.js';

/** The empty base: an empty read-only subvolume under images with no layers. */
export const EMPTY_LAYER = 'empty';

export function layerPath(store: Store, key: string | null): string {
  return store.paths.layer(key ?? EMPTY_LAYER);
}

export async function readLayer(store: Store, key: string): Promise<LayerRecord> {
  if (key === EMPTY_LAYER) return { key, parent: null, created: new Date(0).toISOString(), size: 0 };
  try {
    return await readJson(store.paths.layerMeta(key), layerRecord);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`layer ${key} is missing from the store`);
    throw e;
  }
}

export async function ensureEmptyLayer(store: Store): Promise<void> {
  const path = layerPath(store, EMPTY_LAYER);
  if (existsSync(path)) return;
  const tmp = store.paths.layer(scratchName());
  await btrfs.create(tmp);
  await btrfs.setReadonly(tmp, true);
  await rename(tmp, path);
}

/** A fresh writable subvolume in layers/ to build a layer in: a snapshot of parent, or empty. */
export async function scratchLayer(store: Store, parent: string | null): Promise<string> {
  const tmp = store.paths.layer(scratchName());
  if (parent && parent !== EMPTY_LAYER) await btrfs.snapshot(layerPath(store, parent), tmp, { readonly: false });
  else await btrfs.create(tmp);
  return tmp;
}

/**
 * Seal a scratch subvolume as layer `key` (read-only, renamed into place) and
 * record it. If that layer already exists (same chain), the scratch is dropped.
 * `frozen`: the caller already made the scratch read-only (freezeScratch).
 */
export async function sealLayer(store: Store, scratch: string, rec: LayerRecord, o: { frozen?: boolean } = {}): Promise<LayerRecord> {
  return store.lock('layers', async () => {
    const dest = store.paths.layer(rec.key);
    if (existsSync(store.paths.layerMeta(rec.key)) && existsSync(dest)) {
      await btrfs.remove(scratch);
      return readLayer(store, rec.key);
    }
    if (!o.frozen) await btrfs.setReadonly(scratch, true);
    if (existsSync(dest)) await btrfs.remove(dest); // a leftover without its record
    await rename(scratch, dest);
    await writeJson(store.paths.layerMeta(rec.key), rec);
    return rec;
  });
}

/**
 * Make a scratch read-only ahead of sealLayer, so that the btrfs spawn can
 * overlap other work (a blob's last bytes and fsync). The scratch keeps its
 * scratch name until sealed, so it counts for nothing yet, and a read-only
 * scratch is deleted like any other.
 */
export async function freezeScratch(scratch: string): Promise<void> {
  await btrfs.setReadonly(scratch, true);
}

/** OCI chain id: the diff id for a base layer, else sha256(parentChain + " " + diffId). */
export function chainIdOf(parentChain: string | undefined | null, diffId: string): string {
  return parentChain ? `sha256:${sha256(`${parentChain} ${diffId}`)}` : diffId;
}

/** Hash and count an uncompressed layer stream as it passes through. */
export function digesting(input: AsyncIterable<Buffer>): { stream: AsyncIterable<Buffer>; result: () => { digest: string; size: number } } {
  const h = sha256Hash();
  let size = 0;
  async function* gen() {
    for await (const c of input) {
      h.update(c);
      size += c.length;
      yield c;
    }
  }
  let digest: string | undefined;
  return { stream: gen(), result: () => ({ digest: (digest ??= `sha256:${h.digest('hex')}`), size }) };
}

/** Apply an uncompressed layer tar on top of parent and store it under its chain id. */
export async function importLayer(store: Store, input: AsyncIterable<Buffer>, parent: string | null): Promise<LayerRecord> {
  const parentRec = parent ? await readLayer(store, parent) : null;
  const scratch = await scratchLayer(store, parent);
  try {
    const d = digesting(input);
    const stats = await applyLayer(d.stream, scratch);
    // The diff id covers the whole tar, padding after the end marker included.
    for await (const _ of d.stream);
    const diffId = d.result().digest;
    const chainId = parentRec && parent !== EMPTY_LAYER ? (parentRec.chainId ? chainIdOf(parentRec.chainId, diffId) : undefined) : diffId;
    const key = chainId ? chainId.replace(/^sha256:/, '') : randomId();
    return await sealLayer(store, scratch, {
      key,
      parent: parent === EMPTY_LAYER ? null : parent,
      diffId,
      chainId,
      size: stats.bytes,
      created: new Date().toISOString(),
    });
  } catch (e) {
    await btrfs.remove(scratch).catch(() => {});
    // Out of space: wait until BTRFS has really freed the scratch, so the store works at once.
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') await btrfs.syncDeleted(store.paths.root).catch(() => {});
    throw e;
  }
}

/**
 * Freeze a container's rootfs as a new layer: a read-only snapshot, O(1)
 * whatever its size. The lease holds the layer from the moment it exists, so
 * no collection takes it before the caller's image names it.
 */
export async function snapshotLayer(store: Store, rootfs: string, parent: string | null, lease: Lease): Promise<LayerRecord> {
  const tmp = store.paths.layer(scratchName());
  await btrfs.snapshot(rootfs, tmp, { readonly: true });
  const rec: LayerRecord = { key: randomId(), parent: parent === EMPTY_LAYER ? null : parent, created: new Date().toISOString() };
  try {
    await lease.hold({ layers: [rec.key] });
    return await store.lock('layers', async () => {
      await rename(tmp, store.paths.layer(rec.key));
      await writeJson(store.paths.layerMeta(rec.key), rec);
      return rec;
    });
  } catch (e) {
    await btrfs.remove(tmp).catch(() => {});
    throw e;
  }
}

export async function updateLayer(store: Store, rec: LayerRecord): Promise<void> {
  await writeJson(store.paths.layerMeta(rec.key), rec);
}

export async function listLayerKeys(store: Store): Promise<string[]> {
  return (await readdir(store.paths.layers)).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -5));
}

/**
 * Delete layers that nothing uses. Call after removals. inUse names every
 * holder (images, containers, leases, the build cache: image/images.ts
 * layersInUse); the content store knows none of them itself.
 */
export async function gcLayers(store: Store, inUse: () => Promise<Set<string>>): Promise<string[]> {
  return store.lock('layers', async () => {
    const used = await inUse();
    const removed: string[] = [];
    for (const key of await listLayerKeys(store)) {
      if (used.has(key)) continue;
      // Record first: a crash in between leaves a record-less subvolume, which removeAbandoned collects.
      await unlink(store.paths.layerMeta(key)).catch(() => {});
      await btrfs.remove(store.paths.layer(key));
      removed.push(key);
    }
    return removed;
  });
}

/**
 * Hold layers with a lease, then check they still exist. A collection decides
 * under the layers lock, so checking under it too means either the collection
 * saw the lease, or it finished before and the check sees what it took.
 * Returns the keys that are gone.
 */
export async function holdLayers(store: Store, lease: Lease, keys: Iterable<string>): Promise<string[]> {
  const want = [...keys].filter((k) => k !== EMPTY_LAYER);
  if (!want.length) return [];
  await lease.hold({ layers: want });
  return store.lock('layers', async () => want.filter((k) => !existsSync(store.paths.layerMeta(k)) || !existsSync(store.paths.layer(k))));
}

/**
 * Remove half-made layers whose creator crashed: scratch subvolumes, and
 * subvolumes with no record. A layer gets its name and its record in one step
 * under the layers lock (sealLayer, snapshotLayer), and loses the record first
 * (gcLayers), so a record-less one seen under that lock is a leftover of a
 * process killed in between, never one being made. Costs one listing when
 * there is nothing to do.
 */
export async function removeAbandoned(store: Store): Promise<void> {
  const names = await readdir(store.paths.layers);
  for (const n of names) {
    if (isAbandoned(n)) await btrfs.remove(store.paths.layer(n));
  }
  const have = new Set(names);
  const unrecorded = (ns: Iterable<string>) => [...ns].filter((n) => !n.endsWith('.json') && !n.startsWith('.') && n !== EMPTY_LAYER && !have.has(`${n}.json`));
  if (!unrecorded(names).length) return;
  await store.lock('layers', async () => {
    const now = await readdir(store.paths.layers);
    have.clear();
    for (const n of now) have.add(n);
    for (const n of unrecorded(now)) await btrfs.remove(store.paths.layer(n)).catch(() => {});
  });
}

export async function readLayerOr(store: Store, key: string): Promise<LayerRecord | null> {
  return readJsonOr(store.paths.layerMeta(key), layerRecord, null);
}
