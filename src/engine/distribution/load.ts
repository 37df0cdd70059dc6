// load: images from an archive or directory.
//   - docker-archive: manifest.json lists each image's config, tags and layer
//     files; this reads what `docker save` writes, old (<id>/layer.tar, with
//     symlinks for repeated layers) and new (blobs/sha256/...), and what
//     skopeo's docker-archive writes;
//   - OCI image layout: index.json (and nested indexes, by platform) naming
//     manifests in blobs/, as a directory or a tar.
// A tar (plain or compressed) is unpacked into a scratch directory on the
// store first, because manifest.json may come last; every path in it is
// resolved inside that directory. Layers then go through unpackImage like a
// pull's: verified against the config's diff ids, nothing half-made kept.
import { imageEvent } from '../../store/events.js';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { InvalidArgument, NotFound } from '../../errors.js';
import { applyLayer } from '../../oci/apply.js';
import { decompress } from '../../oci/compression.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import { parseReference, formatReference, familiar } from '../../oci/reference.js';
import { MediaType, checkDigest, hexOf, layerCompression, parseManifest, type Descriptor, type Platform } from '../../oci/manifest.js';
import { hostPlatform, selectManifest } from '../../oci/platform.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { BlobWriter, CorruptBlob, blobPath, hasBlob, sha256Digest } from '../content/blobs.js';
import { unpackImage, shortDigest, type LayerInput } from './unpack.js';
import { throttled, type Progress } from '../progress.js';
import { createHash } from 'node:crypto';
import { arr, obj, orNone, parseJsonWith, SchemaError, str, type Schema } from '../../util/schema.js';

export interface Loaded {
  /** Familiar names the archive gave the image; empty when it gave none. */
  names: string[];
  id: string;
}

export interface LoadOptions {
  progress: Progress;
  platform?: Platform;
}

const MAX_JSON = 16 << 20;

async function readSmall(path: string, what: string): Promise<Buffer> {
  const s = await stat(path).catch(() => undefined);
  if (!s?.isFile()) throw new InvalidArgument(`the archive has no ${what}`);
  if (s.size > MAX_JSON) throw new InvalidArgument(`the archive's ${what} is larger than ${MAX_JSON} bytes`);
  return readFile(path);
}

function parseJson<T>(b: Buffer, schema: Schema<T>, what: string): T {
  try {
    return parseJsonWith(b.toString('utf8'), schema);
  } catch (e) {
    if (e instanceof SchemaError) throw new InvalidArgument(`the archive's ${what} is malformed: ${e.message}`);
    throw e;
  }
}

/** docker save's manifest.json: one entry per image. */
const dockerManifest = arr(obj({ Config: str, RepoTags: orNone(arr(str)), Layers: arr(str) }));
/** Enough of an image config to pair its layers with their diff ids (unpackImage checks the rest). */
const diffIdsOf = (b: Buffer, what: string) => parseJson(b, obj({ rootfs: obj({ diff_ids: arr(str) }) }), what).rootfs.diff_ids;

/** Load-flavoured progress words over unpackImage's pull-flavoured ones. */
function loadWords(p: Progress): Progress {
  return (e) => {
    if (e.status === 'Extracting') p({ ...e, status: 'Loading layer' });
    else if (e.status === 'Pull complete') p({ ...e, status: 'Loaded' });
    else if (e.status !== 'Waiting') p(e);
  };
}

/** Load from a path (file or directory) or a stream (stdin). */
export async function loadImages(store: Store, source: { path?: string; stream?: AsyncIterable<Buffer> }, o: LoadOptions): Promise<Loaded[]> {
  const loaded = await loadFrom(store, source, o);
  for (const l of loaded) imageEvent(store.paths.root, 'load', `sha256:${l.id}`, `sha256:${l.id}`);
  return loaded;
}

async function loadFrom(store: Store, source: { path?: string; stream?: AsyncIterable<Buffer> }, o: LoadOptions): Promise<Loaded[]> {
  await removeAbandonedScratch(store);
  if (source.path && existsSync(source.path) && statSync(source.path).isDirectory()) return loadDir(store, source.path, false, o);
  let input: AsyncIterable<Buffer>;
  if (source.path) {
    if (!existsSync(source.path)) throw new NotFound(`${source.path}: no such file or directory`);
    input = createReadStream(source.path);
  } else input = source.stream!;
  const dir = join(store.paths.tmp, scratchName());
  await mkdir(dir, { recursive: true });
  try {
    try {
      await applyLayer(await decompress(input), dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (typeof code === 'string' && code.startsWith('Z_')) throw new InvalidArgument(`the archive is not valid compressed data: ${(e as Error).message}`);
      throw e;
    }
    return await loadDir(store, dir, true, o);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Scratch directories of loads whose process is gone. */
async function removeAbandonedScratch(store: Store): Promise<void> {
  for (const n of await readdir(store.paths.tmp).catch(() => [] as string[])) {
    if (isAbandoned(n)) await rm(join(store.paths.tmp, n), { recursive: true, force: true });
  }
}

async function loadDir(store: Store, dir: string, ours: boolean, o: LoadOptions): Promise<Loaded[]> {
  const inside = (p: string) => resolveInRoot(dir, p, true);
  if (existsSync(await inside('manifest.json'))) return loadDockerArchive(store, inside, o);
  if (existsSync(await inside('index.json'))) return loadOciLayout(store, inside, ours, o);
  throw new InvalidArgument('not an image archive: it has neither manifest.json (docker-archive) nor index.json (OCI layout)');
}

async function loadDockerArchive(store: Store, inside: (p: string) => Promise<string>, o: LoadOptions): Promise<Loaded[]> {
  const entries = parseJson(await readSmall(await inside('manifest.json'), 'manifest.json'), dockerManifest, 'manifest.json');
  if (!entries.length) throw new InvalidArgument("the archive's manifest.json lists no images");
  const out: Loaded[] = [];
  for (const e of entries) {
    const configBytes = await readSmall(await inside(e.Config), `config ${e.Config}`);
    const configDigest = sha256Digest(configBytes);
    const diffIds = diffIdsOf(configBytes, `config ${e.Config}`);
    const layers: LayerInput[] = [];
    for (const [i, p] of e.Layers.entries()) {
      const file = await inside(p);
      if (!existsSync(file)) throw new InvalidArgument(`the archive has no layer file ${p}`);
      layers.push({ diffId: diffIds[i] ?? '', open: () => createReadStream(file) });
    }
    const tags = (e.RepoTags ?? []).map((t) => formatReference(parseReference(t)));
    const res = await unpackImage(store, { configBytes, configDigest, layers, tags, progress: loadWords(o.progress) });
    out.push({ names: tags.map((t) => familiar(parseReference(t))), id: res.image.id });
  }
  return out;
}

/** A blob of the layout, by descriptor; its digest is checked when it is read or stored. */
async function layoutBlob(inside: (p: string) => Promise<string>, d: Descriptor): Promise<string> {
  const p = await inside(`blobs/sha256/${hexOf(checkDigest(d.digest))}`);
  if (!existsSync(p)) throw new InvalidArgument(`the layout has no blob ${d.digest}`);
  return p;
}

async function readVerified(inside: (p: string) => Promise<string>, d: Descriptor, what: string): Promise<Buffer> {
  const b = await readSmall(await layoutBlob(inside, d), what);
  if (sha256Digest(b) !== d.digest) throw new InvalidArgument(`${what} ${d.digest} in the layout does not match its digest (corrupt)`);
  return b;
}

/** Copy (or, from our own scratch directory, move) a layout blob into the content store, verified. */
async function importBlob(store: Store, file: string, d: Descriptor, move: boolean, progress: Progress): Promise<void> {
  if (hasBlob(store, d.digest)) return;
  const id = shortDigest(d.digest);
  const report = throttled((n) => progress({ id, status: 'Copying', progress: { current: n, total: d.size } }));
  if (move) {
    // Our own scratch copy: hash it, then move it in, with no second write.
    const h = createHash('sha256');
    let size = 0;
    for await (const c of createReadStream(file)) {
      h.update(c as Buffer);
      report((size += (c as Buffer).length));
    }
    if (`sha256:${h.digest('hex')}` !== d.digest || size !== d.size)
      throw new CorruptBlob(`layer ${d.digest} in the archive does not match its digest or size (corrupt)`);
    await rename(file, blobPath(store, d.digest));
    return;
  }
  const w = await BlobWriter.create(store);
  try {
    for await (const c of createReadStream(file)) {
      await w.write(c as Buffer);
      report(w.size);
    }
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.commit({ digest: d.digest, size: d.size }, 'layer');
}

function nameOf(d: Descriptor): string | undefined {
  const full = d.annotations?.['io.containerd.image.name'];
  const ref = d.annotations?.['org.opencontainers.image.ref.name'];
  for (const cand of [full, ref]) {
    if (!cand || !/[/:]/.test(cand)) continue;
    try {
      const r = parseReference(cand);
      if (!r.digest) return formatReference(r);
    } catch {
      // not a full reference (a bare tag): no name
    }
  }
  return undefined;
}

async function loadOciLayout(store: Store, inside: (p: string) => Promise<string>, ours: boolean, o: LoadOptions): Promise<Loaded[]> {
  const top = parseManifest(await readSmall(await inside('index.json'), 'index.json'), undefined, 'the OCI layout');
  if (top.kind !== 'index') throw new InvalidArgument("the OCI layout's index.json is not an index");
  const want = o.platform ?? hostPlatform();
  const byManifest = new Map<string, { desc: Descriptor; names: string[] }>();
  for (const d of top.index.manifests) {
    let desc = d;
    const name = nameOf(d);
    for (let depth = 0; desc.mediaType === MediaType.OciIndex || desc.mediaType === MediaType.DockerList; depth++) {
      if (depth > 4) throw new InvalidArgument('the OCI layout nests indexes too deeply');
      const sub = parseManifest(await readVerified(inside, desc, 'index'), desc.mediaType, `index ${shortDigest(desc.digest)}`);
      if (sub.kind !== 'index') break;
      desc = selectManifest(sub.index, want, `index ${shortDigest(desc.digest)} of the layout`);
    }
    const slot = byManifest.get(desc.digest) ?? { desc, names: [] };
    if (name && !slot.names.includes(name)) slot.names.push(name);
    byManifest.set(desc.digest, slot);
  }
  const out: Loaded[] = [];
  for (const { desc, names } of byManifest.values()) {
    const bytes = await readVerified(inside, desc, 'manifest');
    const p = parseManifest(bytes, desc.mediaType, `manifest ${shortDigest(desc.digest)}`);
    if (p.kind !== 'manifest') throw new InvalidArgument(`manifest ${desc.digest} of the layout is an index inside an index`);
    const m = p.manifest;
    const configBytes = await readVerified(inside, m.config, 'config');
    const diffIds = diffIdsOf(configBytes, 'config');
    const layers: LayerInput[] = m.layers.map((l, i) => ({
      diffId: diffIds[i] ?? '',
      blob: { digest: l.digest, size: l.size, compression: layerCompression(l.mediaType)! },
      fetch: async (progress) => importBlob(store, await layoutBlob(inside, l), l, ours, progress),
    }));
    const res = await unpackImage(store, { configBytes, configDigest: m.config.digest, layers, tags: names, progress: loadWords(o.progress), concurrency: 1 });
    out.push({ names: names.map((n) => familiar(parseReference(n))), id: res.image.id });
  }
  return out;
}
