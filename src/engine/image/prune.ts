// image prune: delete dangling images (no tag, no child image, no container),
// or with `all` every image no container uses; then the layers and blobs
// nothing needs any more. The empty base image is never pruned.
import { imageEvent } from '../../store/events.js';
import { unlink } from 'node:fs/promises';
import type { Store } from '../../store/store.js';
import { writeJson } from '../../store/json.js';
import { parseReference, familiar } from '../../oci/reference.js';
import { listImages, readRefs, type ImageView } from './images.js';
import { listContainers } from '../../store/containers.js';
import { collectGarbage } from '../content/gc.js';

export interface PruneResult {
  untagged: string[];
  deleted: string[];
  reclaimed: number;
}

/** filter: image prune --filter (until, label): only images it accepts are candidates. */
export async function pruneImages(store: Store, o: { all: boolean; filter?: (i: ImageView) => boolean }): Promise<PruneResult> {
  const res: PruneResult = { untagged: [], deleted: [], reclaimed: 0 };
  const inUse = new Set((await listContainers(store)).map((c) => c.image));
  // Deleting an image can leave its parent dangling: go round until nothing changes.
  // Each round decides and deletes under the refs lock, as builds save and tag under it.
  for (let round = 0; round < 100; round++) {
    const more = await store.lock('refs', async () => {
      const images = await listImages(store);
      const parents = new Set(images.map((i) => i.parent).filter(Boolean));
      const doomed = images.filter((i) => {
        if (i.layers.length === 0 || inUse.has(i.id) || (o.filter && !o.filter(i))) return false;
        if (o.all) return true;
        return !i.names.some((n) => !n.includes('@')) && !parents.has(i.id);
      });
      if (!doomed.length) return false;
      const ids = new Set(doomed.map((i) => i.id));
      const refs = await readRefs(store);
      for (const [k, v] of Object.entries(refs)) {
        if (!ids.has(v)) continue;
        delete refs[k];
        res.untagged.push(familiar(parseReference(k)));
      }
      await writeJson(store.paths.refs, refs);
      for (const i of doomed) {
        res.untagged.push(...(i.repoDigests ?? []).map((d) => familiar(parseReference(d))));
        await unlink(store.paths.image(i.id)).catch(() => {});
        res.deleted.push(i.id);
        for (let n = 0; n < i.names.length; n++) imageEvent(store.paths.root, 'untag', `sha256:${i.id}`, `sha256:${i.id}`);
        imageEvent(store.paths.root, 'delete', `sha256:${i.id}`, `sha256:${i.id}`);
      }
      return true;
    });
    if (!more) break;
  }
  res.reclaimed = (await collectGarbage(store)).bytes;
  return res;
}
