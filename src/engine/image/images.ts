// Images: a config (OCI image config) plus a list of layers, in
// images/<id>.json; names and tags in refs.json. The rootfs of an image is
// the subvolume of its top layer.
import { imageEvent } from '../../store/events.js';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord } from '../../store/types.js';
import { readJson, readJsonOr, writeJson } from '../../store/json.js';
import { resolve, type Named } from '../../store/resolve.js';
import { randomId, sha256 } from '../../store/ids.js';
import { parseReference, formatReference, familiar } from '../../oci/reference.js';
import { Conflict, CorruptState, NotFound, dockerWording } from '../../errors.js';
import { EMPTY_LAYER, layerPath, readLayer } from '../content/layers.js';
import { listContainers } from '../../store/containers.js';
import { leased } from '../content/leases.js';
import { cachedLayers } from '../build/cache.js';
import { imageRecord, named, refs as schemaRefs } from '../../store/schema.js';

export type Refs = Record<string, string>;

export interface ImageView extends ImageRecord, Named {
  /** Normalised references (docker.io/library/busybox:latest) that point here. */
  names: string[];
}

export async function readRefs(store: Store): Promise<Refs> {
  return readJsonOr(store.paths.refs, schemaRefs, {});
}

export async function listImages(store: Store): Promise<ImageView[]> {
  const refs = await readRefs(store);
  const byId = new Map<string, string[]>();
  for (const [ref, id] of Object.entries(refs)) byId.set(id, [...(byId.get(id) ?? []), ref]);
  const out: ImageView[] = [];
  for (const f of await readdir(store.paths.images)) {
    if (!f.endsWith('.json')) continue;
    // A corrupt record must not take the other images down: skip it, and say which file.
    const id = f.slice(0, -5);
    const rec = await readJsonOr(store.paths.image(id), named(imageRecord, id), null).catch((e: unknown) => {
      if (!(e instanceof CorruptState)) throw e;
      store.warnOnce(`skipping image ${id.slice(0, 12)}: ${e.message}; remove the file to clear this warning`);
      return null;
    });
    if (rec) out.push({ ...rec, names: (byId.get(rec.id) ?? []).sort() });
  }
  return out;
}

export function normaliseQuery(q: string): string | undefined {
  try {
    return formatReference(parseReference(q));
  } catch {
    return undefined;
  }
}

export async function getImage(store: Store, query: string): Promise<ImageView> {
  const images = await listImages(store);
  try {
    // An invalid reference (that is not an id either) is reported as such.
    return resolve('image', query, images, (q) => formatReference(parseReference(q)));
  } catch (e) {
    // repo@sha256:... also names the image a registry knows by that manifest digest.
    const ref = e instanceof NotFound && query.includes('@') ? normaliseQuery(query) : undefined;
    const hit = ref && images.filter((i) => i.repoDigests?.includes(ref)).sort((a, b) => b.created.localeCompare(a.created))[0];
    if (hit) return hit;
    if (e instanceof NotFound && !/^LAST$/.test(query))
      throw dockerWording(new NotFound(`no such image: ${query}; see 'dockerlite images', or pull it first`), `No such image: ${query}`);
    throw e;
  }
}

export function imageRootfs(store: Store, img: ImageRecord): string {
  return layerPath(store, img.layers.at(-1) ?? EMPTY_LAYER);
}

export function topLayer(img: ImageRecord): string {
  return img.layers.at(-1) ?? EMPTY_LAYER;
}

export function canonicalConfig(config: ImageConfig): string {
  return JSON.stringify(config);
}

/**
 * Record an image. When every layer's diff id is known, the id is the sha256
 * of the config, as Docker's; otherwise (a fresh commit) it is random until
 * the layer is exported.
 */
export async function saveImage(store: Store, fields: Omit<ImageRecord, 'id'> & { id?: string }): Promise<ImageRecord> {
  const known = fields.config.rootfs.diff_ids.length === fields.layers.length;
  const id = fields.id ?? (known ? sha256(canonicalConfig(fields.config)) : randomId());
  const rec: ImageRecord = { ...fields, id };
  await writeJson(store.paths.image(id), rec);
  return rec;
}

/**
 * Record an image (or take the one with that id) and point refs at it in one
 * step under the refs lock. A prune decides what is dangling under the same
 * lock, so it never sees a fresh build between its record and its tags.
 */
export async function saveTagged(
  store: Store,
  fields: Omit<ImageRecord, 'id'> & { id: string },
  refs: string[],
): Promise<{ image: ImageRecord; refs: string[] }> {
  const keys = refs.map((ref) => {
    const r = parseReference(ref);
    if (r.digest) throw new Conflict(`cannot tag with a digest reference: ${ref}`);
    return formatReference(r);
  });
  return store.lock('refs', async () => {
    const image = existsSync(store.paths.image(fields.id)) ? await readImage(store, fields.id) : await saveImage(store, fields);
    if (keys.length) {
      const all = await readRefs(store);
      for (const k of keys) all[k] = image.id;
      await writeJson(store.paths.refs, all);
      for (const k of keys) imageEvent(store.paths.root, 'tag', `sha256:${image.id}`, familiar(parseReference(k)));
    }
    return { image, refs: keys };
  });
}

/** Point name[:tag] at an image id. Returns the normalised reference. */
export async function tagImage(store: Store, id: string, ref: string): Promise<string> {
  const r = parseReference(ref);
  if (r.digest) throw new Conflict(`cannot tag with a digest reference: ${ref}`);
  const key = formatReference(r);
  await store.lock('refs', async () => {
    const refs = await readRefs(store);
    refs[key] = id;
    await writeJson(store.paths.refs, refs);
  });
  imageEvent(store.paths.root, 'tag', `sha256:${id}`, familiar(r));
  return key;
}

export async function untag(store: Store, refKey: string): Promise<void> {
  await store.lock('refs', async () => {
    const refs = await readRefs(store);
    delete refs[refKey];
    await writeJson(store.paths.refs, refs);
  });
}

/** Every layer an image, container, lease or build cache entry still needs. */
export async function layersInUse(store: Store): Promise<Set<string>> {
  // Leases first: a holder hands its layers on to an image, a container or a
  // cache entry before it releases its lease, so reading the leases before the
  // rest sees every layer in one or the other. Read the other way round, a
  // build that saved its image just after the images were listed, and released
  // its lease just before the leases were read, would lose its layers.
  const used = new Set((await leased(store)).layers);
  used.add(EMPTY_LAYER);
  for (const k of await cachedLayers(store)) used.add(k);
  for (const img of await listImages(store)) for (const l of img.layers) used.add(l);
  for (const c of await listContainers(store)) used.add(c.layer);
  return used;
}

/** Total bytes of file content across an image's layers, where known. */
export async function imageSize(store: Store, img: ImageRecord): Promise<number | undefined> {
  let total = 0;
  for (const k of img.layers) {
    const l = await readLayer(store, k);
    if (l.size === undefined) return undefined;
    total += l.size;
  }
  return total;
}

export async function readImage(store: Store, id: string): Promise<ImageRecord> {
  return readJson(store.paths.image(id), imageRecord);
}
