// Make an image distributable before a push or a save: every layer a
// compressed blob in the content store with a known diff id, and the image id
// the digest of its config, as Docker's.
//
// A commit is an O(1) snapshot, so its layer has no tar yet. Here that tar
// is made from `btrfs send --no-data -p PARENT LAYER`: only the paths the
// send stream names are packed (a new directory with its subtree, a
// whiteout for each deletion), so the cost follows the size of the change,
// not of the image. The result is cached in the layer record. Once every
// diff id is known the config is final, and a commit's random image id is
// replaced by the config digest (references, child images and containers
// follow it).
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord, LayerRecord } from '../../store/types.js';
import { readJson, readJsonOr, writeJson } from '../../store/json.js';
import { writeTar } from '../../oci/tar.js';
import { packPaths, walkTree } from '../../oci/pack.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { WHITEOUT_PREFIX } from '../../oci/apply.js';
import { hexOf } from '../../oci/manifest.js';
import { chainIdOf, digesting, layerPath, readLayer, updateLayer } from '../content/layers.js';
import { canonicalConfig, readRefs } from '../image/images.js';
import { changesOf } from '../container/diff.js';
import { gzipWriter, hasBlob, readBlob, sha256Digest, writeBlob } from '../content/blobs.js';
import type { Lease } from '../content/leases.js';
import type { Progress } from '../progress.js';
import { shortDigest } from './unpack.js';
import { imageRecord } from '../../store/schema.js';
import { any, record } from '../../util/schema.js';

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Every name of the hard-linked files among `paths`: a changed or new file
 * with other names goes in the layer with all of them, so the link group
 * (and whatever changed on the shared inode, an xattr say) survives apply.
 * The send stream names only one path per inode, hence this.
 */
async function withLinkGroups(dir: string, paths: string[]): Promise<string[]> {
  const need = new Map<number, number>();
  for (const p of paths) {
    const st = await lstat(join(dir, p)).catch(() => null);
    if (st?.isFile() && st.nlink > 1) need.set(st.ino, st.nlink);
  }
  if (!need.size) return paths;
  const names = new Map<number, string[]>();
  let complete = true;
  for (const [ino, nlink] of need) {
    const found = await btrfs.inodePaths(ino, dir);
    names.set(ino, found);
    if (found.length < nlink) complete = false;
  }
  if (!complete) {
    // A link group too big for inode-resolve's buffer: find its names the slow way, once.
    for (const [ino] of need) names.set(ino, []);
    for (const p of await walkTree(dir)) {
      const st = await lstat(join(dir, p));
      if (st.isFile() && need.has(st.ino)) names.get(st.ino)!.push(p);
    }
  }
  const all = new Set(paths);
  for (const list of names.values()) for (const p of list) all.add(p);
  return [...all].sort(byName);
}

/** The relative paths to pack and the whiteouts to write for a layer over its parent. */
export async function layerChanges(store: Store, rec: LayerRecord): Promise<{ paths: string[]; whiteouts: string[] }> {
  const changes = await changesOf(layerPath(store, rec.parent), layerPath(store, rec.key));
  let paths: string[] = [];
  const whiteouts: string[] = [];
  for (const c of changes) {
    const rel = c.path.slice(1);
    if (c.kind !== 'D') {
      paths.push(rel);
      continue;
    }
    const i = rel.lastIndexOf('/');
    whiteouts.push(i === -1 ? `${WHITEOUT_PREFIX}${rel}` : `${rel.slice(0, i)}/${WHITEOUT_PREFIX}${rel.slice(i + 1)}`);
  }
  paths = await withLinkGroups(layerPath(store, rec.key), paths);
  return { paths, whiteouts };
}

/** The layer as an uncompressed tar stream: its changes over its parent. */
export async function layerTar(store: Store, rec: LayerRecord): Promise<AsyncIterable<Buffer>> {
  const { paths, whiteouts } = await layerChanges(store, rec);
  return writeTar(packPaths(layerPath(store, rec.key), paths, { whiteouts }));
}

/**
 * The layer's blob and diff id, made from its snapshot if need be. Layers
 * below must be done first (their chain id feeds this one's).
 */
export async function ensureLayerBlob(store: Store, key: string, lease: Lease, progress: Progress): Promise<LayerRecord> {
  return store.lock(`export-${key}`, async () => {
    const rec = await readLayer(store, key);
    if (rec.diffId && rec.blob && hasBlob(store, rec.blob.digest)) return rec;
    const parent = rec.parent ? await readLayer(store, rec.parent) : null;
    progress({ id: key.slice(0, 12), status: 'Preparing' });
    const d = digesting(await layerTar(store, rec));
    const w = await gzipWriter(store);
    let blob;
    try {
      for await (const c of d.stream) await w.write(c);
      blob = await w.finish();
    } catch (e) {
      await w.abort();
      throw e;
    }
    await lease.hold({ blobs: [blob.digest] });
    const { digest: diffId, size: tarSize } = d.result();
    // A layer imported before its blob was kept may pack differently from the tar it came from:
    // what is packed now is what it is from here on.
    const next: LayerRecord = {
      ...rec,
      diffId,
      chainId: chainIdOf(parent ? parent.chainId : undefined, diffId),
      tarSize,
      blob: { digest: blob.digest, size: blob.size, compression: 'gzip' },
    };
    await updateLayer(store, next);
    return next;
  });
}

export interface Distributable {
  image: ImageRecord;
  config: ImageConfig;
  configBytes: Buffer;
  configDigest: string;
  layers: LayerRecord[];
}

/** Every layer a blob, the config final, the image id its digest. */
export async function makeDistributable(store: Store, img: ImageRecord, lease: Lease, progress: Progress): Promise<Distributable> {
  await lease.hold({ layers: img.layers });
  const layers: LayerRecord[] = [];
  for (const key of img.layers) layers.push(await ensureLayerBlob(store, key, lease, progress));
  await lease.hold({ blobs: layers.map((l) => l.blob!.digest) });
  const diffIds = layers.map((l) => l.diffId!);
  const same = diffIds.length === img.config.rootfs.diff_ids.length && diffIds.every((d, i) => d === img.config.rootfs.diff_ids[i]);
  const config: ImageConfig = same ? img.config : { ...img.config, rootfs: { type: 'layers', diff_ids: diffIds } };
  // A pulled or loaded image keeps its config byte for byte; one made here is its canonical JSON.
  let configBytes: Buffer | undefined;
  if (same && hasBlob(store, `sha256:${img.id}`)) configBytes = await readBlob(store, `sha256:${img.id}`);
  if (!configBytes || sha256Digest(configBytes) !== `sha256:${img.id}`) configBytes = Buffer.from(canonicalConfig(config));
  const configDigest = sha256Digest(configBytes);
  await lease.hold({ blobs: [configDigest] });
  await writeBlob(store, configBytes, configDigest);
  const image = hexOf(configDigest) === img.id ? img : await rekeyImage(store, img, hexOf(configDigest), config);
  for (const l of layers) progress({ id: shortDigest(l.blob!.digest), status: 'Prepared' });
  return { image, config, configBytes, configDigest, layers };
}

/**
 * Give an image its content id: write the record under the new id, then move
 * references, child images and containers over to it, and drop the old one.
 */
export async function rekeyImage(store: Store, img: ImageRecord, id: string, config: ImageConfig): Promise<ImageRecord> {
  return store.lock('refs', async () => {
    const old = img.id;
    const existing = await readJsonOr(store.paths.image(id), imageRecord, null);
    const { id: _old, names: _names, ...rest } = img as ImageRecord & { names?: string[] };
    const repoDigests = [...new Set([...(existing?.repoDigests ?? []), ...(img.repoDigests ?? [])])];
    const rec: ImageRecord = { ...rest, ...(existing ?? {}), id, config, layers: img.layers, ...(repoDigests.length ? { repoDigests } : {}) };
    await writeJson(store.paths.image(id), rec);
    const refs = await readRefs(store);
    let moved = false;
    for (const [k, v] of Object.entries(refs)) {
      if (v !== old) continue;
      refs[k] = id;
      moved = true;
    }
    if (moved) await writeJson(store.paths.refs, refs);
    for (const f of await readdir(store.paths.images)) {
      if (!f.endsWith('.json') || f === `${old}.json`) continue;
      const child = await readJsonOr(store.paths.image(f.slice(0, -5)), imageRecord, null).catch(() => null);
      if (child?.parent === old) await writeJson(store.paths.image(child.id), { ...child, parent: id });
    }
    for (const cid of await readdir(store.paths.containers)) {
      if (cid.startsWith('.')) continue;
      await store.lock(`container-${cid}`, async () => {
        const path = store.paths.containerConfig(cid);
        const c = await readJsonOr(path, record(any), null).catch(() => null);
        if (c?.image === old) await writeJson(path, { ...c, image: id });
      });
    }
    await unlink(store.paths.image(old)).catch(() => {});
    return readJson(store.paths.image(id), imageRecord);
  });
}
