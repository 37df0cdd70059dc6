// builder prune: drop every build cache entry, then the layers nothing else
// holds (layers that images or containers use stay: they are theirs).
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { gcLayers } from '../content/layers.js';
import { layersInUse } from '../image/images.js';
import { layerSize } from '../container/diff.js';
import { cacheDir, listEntries } from './cache.js';

export interface PruneResult {
  /** Keys of the entries removed. */
  entries: string[];
  /** Bytes of file content in the layers that went with them. */
  reclaimed: number;
}

export async function pruneBuildCache(store: Store): Promise<PruneResult> {
  const entries = await listEntries(store);
  const used = await layersInUse(store);
  // Measure the layers only the cache holds while their parents still exist.
  const sizes = new Map<string, number>();
  for (const e of entries) {
    if (!e.layer || used.has(e.layer) || sizes.has(e.layer)) continue;
    sizes.set(e.layer, await layerSize(store, e.layer).catch(() => 0));
  }
  for (const e of entries) await unlink(join(cacheDir(store), `${e.key}.json`)).catch(() => {});
  const removed = await gcLayers(store, () => layersInUse(store));
  return { entries: entries.map((e) => e.key), reclaimed: removed.reduce((n, k) => n + (sizes.get(k) ?? 0), 0) };
}
