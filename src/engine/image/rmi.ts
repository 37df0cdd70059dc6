// rmi, as Docker: a reference is untagged first, and the image is deleted
// when no reference is left and no container uses it. By id, every reference
// goes with it (several repositories need -f). Untagged parents that nothing
// else needs go too, then the layers and blobs that are now unused.
import { imageEvent } from '../../store/events.js';
import { unlink } from 'node:fs/promises';
import type { Store } from '../../store/store.js';
import type { ImageRecord } from '../../store/types.js';
import { readJsonOr, writeJson } from '../../store/json.js';
import { shortId } from '../../store/ids.js';
import { Conflict } from '../../errors.js';
import { parseReference, familiar, repository } from '../../oci/reference.js';
import { getImage, listImages, normaliseQuery, readRefs, type ImageView } from './images.js';
import { listContainers, isRunning } from '../../store/containers.js';
import { collectGarbage } from '../content/gc.js';
import { imageRecord } from '../../store/schema.js';

export interface RemoveResult {
  untagged: string[];
  deleted: string[];
}

const show = (ref: string) => familiar(parseReference(ref));

async function dropRefs(store: Store, img: ImageRecord, only?: string): Promise<string[]> {
  return store.lock('refs', async () => {
    const refs = await readRefs(store);
    const gone: string[] = [];
    for (const [k, v] of Object.entries(refs)) {
      if (v === img.id && (only === undefined || k === only)) {
        delete refs[k];
        gone.push(show(k));
      }
    }
    if (gone.length) await writeJson(store.paths.refs, refs);
    // A repo digest named explicitly is forgotten too.
    if (only?.includes('@')) {
      const cur = await readJsonOr(store.paths.image(img.id), imageRecord, null);
      if (cur?.repoDigests?.includes(only)) {
        await writeJson(store.paths.image(img.id), { ...cur, repoDigests: cur.repoDigests.filter((d) => d !== only) });
        if (!gone.length) gone.push(show(only));
      }
    }
    return gone;
  });
}

async function deleteRecord(store: Store, img: ImageRecord, res: RemoveResult): Promise<void> {
  res.untagged.push(...(img.repoDigests ?? []).map(show));
  await unlink(store.paths.image(img.id)).catch(() => {});
  res.deleted.push(img.id);
}

/** Remove an image (rmi); on a full store, with the reserved space (store/reserve.ts). */
export async function removeImage(store: Store, query: string, opts: { force: boolean; prune?: boolean }): Promise<RemoveResult> {
  return store.withReserve(() => removeOne(store, query, opts));
}

async function removeOne(store: Store, query: string, opts: { force: boolean; prune?: boolean }): Promise<RemoveResult> {
  const img = await getImage(store, query);
  const res = await removeFound(store, img, query, opts);
  // Docker's events: untag and delete both name the image by id.
  for (let i = 0; i < res.untagged.length; i++) imageEvent(store.paths.root, 'untag', `sha256:${img.id}`, `sha256:${img.id}`);
  for (const id of res.deleted) imageEvent(store.paths.root, 'delete', `sha256:${id}`, `sha256:${id}`);
  return res;
}

async function removeFound(store: Store, img: ImageView, query: string, opts: { force: boolean; prune?: boolean }): Promise<RemoveResult> {
  const res: RemoveResult = { untagged: [], deleted: [] };
  const ref = normaliseQuery(query);
  const byName = ref !== undefined && (img.names.includes(ref) || !!img.repoDigests?.includes(ref));
  const users = (await listContainers(store)).filter((c) => c.image === img.id);
  const usedBy = (what: string) =>
    new Conflict(
      `unable to remove ${what} (must force): image ${shortId(img.id)} is in use by container ${shortId(users[0].id)}${users.length > 1 ? ` and ${users.length - 1} more` : ''}; remove the container(s) first, or use -f`,
    );

  if (byName) {
    const others = img.names.filter((n) => n !== ref);
    if (others.length) {
      res.untagged.push(...(await dropRefs(store, img, ref)));
      return res;
    }
    if (users.length && !opts.force) throw usedBy(`repository reference "${query}"`);
    res.untagged.push(...(await dropRefs(store, img, ref)));
    // A container still uses it: the image stays, untagged, as in Docker.
    if (users.length) return res;
  } else {
    const repos = new Set(img.names.map((n) => repository(parseReference(n))));
    if (repos.size > 1 && !opts.force) {
      throw new Conflict(
        `unable to delete ${shortId(img.id)} (must be forced): it is referenced in several repositories (${img.names.map(show).join(', ')}); remove them by name, or use -f`,
      );
    }
    if (users.length && !opts.force) throw usedBy(shortId(img.id));
    if (users.some((c) => isRunning(c.state)))
      throw new Conflict(
        `unable to delete ${shortId(img.id)}: it is in use by running container ${shortId(users.find((c) => isRunning(c.state))!.id)}; stop it first`,
      );
    res.untagged.push(...(await dropRefs(store, img)));
  }
  const fresh = await readJsonOr(store.paths.image(img.id), imageRecord, null);
  await deleteRecord(store, fresh ?? img, res);
  if (opts.prune !== false) await pruneParents(store, img.parent, res);
  await collectGarbage(store);
  return res;
}

/** Delete untagged parent images that no image or container needs any more. */
async function pruneParents(store: Store, parent: string | undefined, res: RemoveResult): Promise<void> {
  const containers = await listContainers(store);
  while (parent) {
    const all: ImageView[] = await listImages(store);
    const p = all.find((i) => i.id === parent);
    if (!p || p.names.length || p.layers.length === 0) return;
    if (all.some((i) => i.parent === p.id) || containers.some((c) => c.image === p.id)) return;
    await deleteRecord(store, p, res);
    parent = p.parent;
  }
}
