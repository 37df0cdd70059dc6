// Layers: one read-only subvolume per layer, each holding the whole rootfs
// at that layer (as Docker's btrfs driver). A layer is a snapshot of the one
// below plus its diff, so images that share base layers share subvolumes.
// Half-made layers live as layers/.tmp-* and are renamed into place.
import { readdir, rename, unlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { LayerRecord } from '../../store/types.js';
import { readJson, writeJson, readJsonOr } from '../../store/json.js';
import { randomId, sha256 } from '../../store/ids.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { applyLayer } from '../../oci/apply.js';
import { NotFound } from '../../errors.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
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
 */
export async function sealLayer(store: Store, scratch: string, rec: LayerRecord): Promise<LayerRecord> {
  return store.lock('layers', async () => {
    const dest = store.paths.layer(rec.key);
    if (existsSync(store.paths.layerMeta(rec.key)) && existsSync(dest)) {
      await btrfs.remove(scratch);
      return readLayer(store, rec.key);
    }
    await btrfs.setReadonly(scratch, true);
    if (existsSync(dest)) await btrfs.remove(dest); // a leftover without its record
    await rename(scratch, dest);
    await writeJson(store.paths.layerMeta(rec.key), rec);
    return rec;
  });
}

/** OCI chain id: the diff id for a base layer, else sha256(parentChain + " " + diffId). */
export function chainIdOf(parentChain: string | undefined | null, diffId: string): string {
  return parentChain ? `sha256:${sha256(`${parentChain} ${diffId}`)}` : diffId;
}

/** Hash and count an uncompressed layer stream as it passes through. */
export function digesting(input: AsyncIterable<Buffer>): { stream: AsyncIterable<Buffer>; result: () => { digest: string; size: number } } {
  const h = createHash('sha256');
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

/** Freeze a container's rootfs as a new layer: a read-only snapshot, O(1) whatever its size. */
export async function snapshotLayer(store: Store, rootfs: string, parent: string | null): Promise<LayerRecord> {
  const tmp = store.paths.layer(scratchName());
  await btrfs.snapshot(rootfs, tmp, { readonly: true });
  const rec: LayerRecord = { key: randomId(), parent: parent === EMPTY_LAYER ? null : parent, created: new Date().toISOString() };
  try {
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
      await btrfs.remove(store.paths.layer(key));
      await unlink(store.paths.layerMeta(key)).catch(() => {});
      removed.push(key);
    }
    return removed;
  });
}

/** Remove half-made layers whose creator crashed. */
export async function removeAbandoned(store: Store): Promise<void> {
  for (const n of await readdir(store.paths.layers)) {
    if (isAbandoned(n)) await btrfs.remove(store.paths.layer(n));
  }
}

export async function readLayerOr(store: Store, key: string): Promise<LayerRecord | null> {
  return readJsonOr(store.paths.layerMeta(key), layerRecord, null);
}
