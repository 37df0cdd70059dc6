// history: an image's config history, newest first, each entry that made a
// layer paired with that layer's size. Entries that are also ancestor images
// still here (commits of commits) show those images' ids, as Docker does.
import type { Store } from '../../store/store.js';
import type { ImageRecord } from '../../store/types.js';
import { readJsonOr } from '../../store/json.js';
import { layerSize } from '../container/diff.js';
import { imageRecord } from '../../store/schema.js';

export interface HistoryRow {
  /** Image id, or undefined where Docker prints <missing>. */
  id?: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

export async function imageHistory(store: Store, img: ImageRecord): Promise<HistoryRow[]> {
  const history = img.config.history ?? [];
  const rows: HistoryRow[] = [];
  let layer = 0;
  for (const h of history) {
    const key = h.empty_layer ? undefined : img.layers[layer++];
    rows.push({ created: h.created, createdBy: h.created_by ?? '', size: key ? await layerSize(store, key) : 0, comment: h.comment ?? '' });
  }
  // Layers the history does not account for (a config without history).
  for (; layer < img.layers.length; layer++) rows.push({ created: img.created, createdBy: '', size: await layerSize(store, img.layers[layer]), comment: '' });
  if (rows.length) rows[rows.length - 1].id = img.id;
  // Ancestors that are still here name their own last entry.
  let parent = img.parent;
  for (let guard = 0; parent && guard < 1000; guard++) {
    const p = await readJsonOr(store.paths.image(parent), imageRecord, null).catch(() => null);
    if (!p) break;
    const n = (p.config.history ?? []).length || p.layers.length;
    if (n > 0 && n <= rows.length && !rows[n - 1].id) rows[n - 1].id = p.id;
    parent = p.parent;
  }
  return rows.reverse();
}
