// Garbage collection of the content store: a blob is kept while an image
// names it (its config, the manifests of its repo digests and what they
// list), a layer record names it as its blob, or a live lease holds it.
import type { Store } from '../../store/store.js';
import type { LayerRecord } from '../../store/types.js';
import { readJsonOr } from '../../store/json.js';
import { parseManifest } from '../../oci/manifest.js';
import { listImages, layersInUse } from '../image/images.js';
import { gcLayers, listLayerKeys, readLayerOr } from './layers.js';
import { hasBlob, listBlobs, readBlob, removeBlob } from './blobs.js';
import { leased } from './leases.js';
import { layerRecord } from '../../store/schema.js';

export async function blobsInUse(store: Store): Promise<Set<string>> {
  // Leases first, as in layersInUse: a holder records its blobs elsewhere before it releases its lease.
  const used = new Set<string>((await leased(store)).blobs);
  const manifests: string[] = [];
  for (const img of await listImages(store)) {
    used.add(`sha256:${img.id}`);
    for (const rd of img.repoDigests ?? []) manifests.push(rd.slice(rd.indexOf('@') + 1));
    for (const n of img.names) if (n.includes('@')) manifests.push(n.slice(n.indexOf('@') + 1));
  }
  // A repo digest may name an index: keep the manifests it lists that are here too.
  while (manifests.length) {
    const d = manifests.pop()!;
    if (used.has(d) || !hasBlob(store, d)) continue;
    used.add(d);
    try {
      const p = parseManifest(await readBlob(store, d), undefined, d);
      if (p.kind === 'index') manifests.push(...p.index.manifests.map((m) => m.digest));
    } catch {
      // not a manifest we can read: keeping it is all we can do
    }
  }
  for (const key of await listLayerKeys(store)) {
    const rec = await readLayerOr(store, key).catch(() => null);
    if (rec?.blob) used.add(rec.blob.digest);
  }
  return used;
}

/** Delete blobs nothing uses. Returns what went, with sizes. */
export async function gcBlobs(store: Store): Promise<Array<{ digest: string; size: number }>> {
  return store.lock('blobs', async () => {
    // List first, then decide: a blob that appears meanwhile was leased before it was written.
    const all = await listBlobs(store);
    const used = await blobsInUse(store);
    const gone = all.filter((b) => !used.has(b.digest));
    for (const b of gone) await removeBlob(store, b.digest);
    return gone;
  });
}

export interface Reclaimed {
  layers: string[];
  blobs: number;
  /** Bytes of layer content (exclusive to what was removed) and blobs freed. */
  bytes: number;
}

/** Layers, then blobs, that nothing needs any more. */
export async function collectGarbage(store: Store): Promise<Reclaimed> {
  const before = new Map<string, LayerRecord>();
  for (const k of await listLayerKeys(store)) {
    const r = await readJsonOr(store.paths.layerMeta(k), layerRecord, null).catch(() => null);
    if (r) before.set(k, r);
  }
  const layers = await gcLayers(store, () => layersInUse(store));
  const blobs = await gcBlobs(store);
  const bytes = layers.reduce((n, k) => n + (before.get(k)?.size ?? 0), 0) + blobs.reduce((n, b) => n + b.size, 0);
  return { layers, blobs: blobs.length, bytes };
}
