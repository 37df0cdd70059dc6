// save: images to an archive.
//   docker-archive (default): what `docker save` (25+) writes, which is both
//     Docker's format (manifest.json, uncompressed layers named by diff id)
//     and an OCI image layout (index.json, oci-layout, blobs/), so docker
//     load, podman, skopeo and umoci all read it;
//   oci-archive: an OCI image layout in a tar, layers as compressed blobs;
//   oci-dir: the same layout as a directory.
// Layers come from the content store (a commit's layer is made first); an
// uncompressed layer is checked against its diff id as it is written. A file
// is written under a temporary name and renamed when complete.
import { imageEvent } from '../../store/events.js';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, writeFile, constants as FC } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Store } from '../../store/store.js';
import type { ImageRecord, LayerRecord } from '../../store/types.js';
import { Conflict, InvalidArgument } from '../../errors.js';
import { writeTar, emptyHeader, type WriteEntry } from '../../oci/tar.js';
import { decompress } from '../../oci/compression.js';
import { parseReference, familiar, formatReference } from '../../oci/reference.js';
import { MediaType, hexOf, layerMediaType, type Descriptor, type ImageIndex, type ImageManifest } from '../../oci/manifest.js';
import { getImage, normaliseQuery } from '../image/images.js';
import { makeDistributable, type Distributable } from './distributable.js';
import { withLease } from '../content/leases.js';
import { blobPath, openBlob, sha256Digest, CorruptBlob } from '../content/blobs.js';
import { updateLayer, digesting } from '../content/layers.js';
import type { Progress } from '../progress.js';

export type SaveFormat = 'docker-archive' | 'oci-archive' | 'oci-dir';
export const SAVE_FORMATS: SaveFormat[] = ['docker-archive', 'oci-archive', 'oci-dir'];

interface Item {
  d: Distributable;
  /** Normalised tag references to record (none when saved by id). */
  refs: string[];
}

/** A file of the layout: a buffer, or a stream of known size. */
interface LayoutFile {
  path: string;
  size: number;
  data: Buffer | (() => AsyncIterable<Buffer>);
  /** For oci-dir: copy this content-store file instead of streaming. */
  copyFrom?: string;
}

const OCI_LAYOUT = Buffer.from('{"imageLayoutVersion":"1.0.0"}');

/** The uncompressed tar size of a layer, counted once if it was never recorded. */
async function tarSizeOf(store: Store, l: LayerRecord): Promise<number> {
  if (l.tarSize !== undefined) return l.tarSize;
  const d = digesting(await decompress(openBlob(store, l.blob!.digest)));
  for await (const _ of d.stream);
  const { size } = d.result();
  await updateLayer(store, { ...l, tarSize: size });
  return size;
}

/** An uncompressed layer, checked against its diff id on the way out. */
function uncompressed(store: Store, l: LayerRecord): () => AsyncIterable<Buffer> {
  return async function* () {
    const d = digesting(await decompress(openBlob(store, l.blob!.digest)));
    yield* d.stream;
    if (d.result().digest !== l.diffId)
      throw new CorruptBlob(`layer ${l.diffId} in the content store does not match its diff id; pull or build the image again`);
  };
}

function blobFile(hex: string): string {
  return `blobs/sha256/${hex}`;
}

function manifestBytes(m: ImageManifest): Buffer {
  return Buffer.from(JSON.stringify(m));
}

async function layoutFiles(store: Store, items: Item[], format: SaveFormat): Promise<LayoutFile[]> {
  const files = new Map<string, LayoutFile>();
  const add = (f: LayoutFile) => void (files.has(f.path) || files.set(f.path, f));
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };
  const dockerManifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const uncompressedLayers = format === 'docker-archive';
  for (const { d, refs } of items) {
    const layers: Descriptor[] = [];
    for (const l of d.layers) {
      if (uncompressedLayers) {
        const size = await tarSizeOf(store, l);
        add({ path: blobFile(hexOf(l.diffId!)), size, data: uncompressed(store, l) });
        layers.push({ mediaType: MediaType.OciLayer, digest: l.diffId!, size });
      } else {
        const b = l.blob!;
        add({ path: blobFile(hexOf(b.digest)), size: b.size, data: () => openBlob(store, b.digest), copyFrom: blobPath(store, b.digest) });
        layers.push({ mediaType: layerMediaType(b.compression, 'oci'), digest: b.digest, size: b.size });
      }
    }
    add({ path: blobFile(hexOf(d.configDigest)), size: d.configBytes.length, data: d.configBytes });
    const m = manifestBytes({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: d.configDigest, size: d.configBytes.length },
      layers,
    });
    const md = sha256Digest(m);
    add({ path: blobFile(hexOf(md)), size: m.length, data: m });
    const desc = { mediaType: MediaType.OciManifest, digest: md, size: m.length };
    if (!refs.length) index.manifests.push(desc);
    for (const ref of refs) {
      const r = parseReference(ref);
      index.manifests.push({
        ...desc,
        annotations: { 'io.containerd.image.name': formatReference(r), 'org.opencontainers.image.ref.name': r.tag ?? 'latest' },
      });
    }
    dockerManifest.push({
      Config: blobFile(hexOf(d.configDigest)),
      RepoTags: refs.length ? refs.map((x) => familiar(parseReference(x))) : null,
      Layers: layers.map((l) => blobFile(hexOf(l.digest))),
    });
  }
  const idx = Buffer.from(JSON.stringify(index));
  add({ path: 'index.json', size: idx.length, data: idx });
  add({ path: 'oci-layout', size: OCI_LAYOUT.length, data: OCI_LAYOUT });
  if (format === 'docker-archive') {
    const mj = Buffer.from(JSON.stringify(dockerManifest));
    add({ path: 'manifest.json', size: mj.length, data: mj });
  }
  return [...files.values()];
}

async function* tarEntries(files: LayoutFile[]): AsyncGenerator<WriteEntry> {
  yield { header: emptyHeader('blobs', 'dir') };
  yield { header: emptyHeader('blobs/sha256', 'dir') };
  for (const f of files) yield { header: emptyHeader(f.path, 'file', { size: f.size }), body: Buffer.isBuffer(f.data) ? f.data : f.data() };
}

async function resolveItems(store: Store, queries: string[]): Promise<Array<{ img: ImageRecord; refs: string[] }>> {
  const out: Array<{ img: ImageRecord; refs: string[] }> = [];
  for (const q of queries) {
    const img = await getImage(store, q);
    const ref = normaliseQuery(q);
    // By name: that name goes in the archive; by id: none (as docker save).
    const refs = ref && img.names.includes(ref) && !ref.includes('@') ? [ref] : [];
    const seen = out.find((o) => o.img.id === img.id);
    if (seen) seen.refs.push(...refs.filter((r) => !seen.refs.includes(r)));
    else out.push({ img, refs });
  }
  return out;
}

export interface SaveOptions {
  format: SaveFormat;
  /** A file or directory path; undefined means stdout. */
  output?: string;
  stdout?: Writable & { isTTY?: boolean };
  progress: Progress;
}

export async function saveImages(store: Store, queries: string[], o: SaveOptions): Promise<void> {
  if (!queries.length) throw new InvalidArgument('nothing to save: name at least one image');
  if (o.format === 'oci-dir' && !o.output) throw new InvalidArgument('--format oci-dir needs --output DIRECTORY');
  if (!o.output && o.stdout?.isTTY) throw new InvalidArgument('cowardly refusing to save to a terminal; use -o FILE or redirect stdout');
  const wanted = await resolveItems(store, queries);
  await saveLeased(store, wanted, o);
  for (const w of wanted) imageEvent(store.paths.root, 'save', `sha256:${w.img.id}`, `sha256:${w.img.id}`);
}

async function saveLeased(store: Store, wanted: Awaited<ReturnType<typeof resolveItems>>, o: SaveOptions): Promise<void> {
  await withLease(store, async (lease) => {
    const items: Item[] = [];
    for (const w of wanted) items.push({ d: await makeDistributable(store, w.img, lease, o.progress), refs: w.refs });
    const files = await layoutFiles(store, items, o.format);
    if (o.format === 'oci-dir') return writeDir(o.output!, files);
    const tar = writeTar(tarEntries(files));
    if (!o.output) return pipeline(tar, o.stdout!);
    const tmp = join(dirname(o.output), `.${basename(o.output)}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      await pipeline(tar, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, o.output);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  });
}

async function writeDir(dir: string, files: LayoutFile[]): Promise<void> {
  if (existsSync(dir) && (await readdir(dir)).length) throw new Conflict(`${dir} exists and is not empty; give a new or empty directory`);
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const f of files) {
    const dest = join(dir, f.path);
    if (f.copyFrom) await copyFile(f.copyFrom, dest, FC.COPYFILE_FICLONE);
    else if (Buffer.isBuffer(f.data)) await writeFile(dest, f.data);
    else await pipeline(f.data(), createWriteStream(dest));
  }
}
