// Turn an image (a config and its layers, from a registry or an archive) into
// layers and an image record. Shared by pull and load.
//
// Layers are keyed by chain id, so what is already here is skipped without
// being fetched. The first missing layer is applied as its blob downloads
// (streamed: decompressed straight into the tar reader, the blob written to
// the content store and verified on the way); the other missing blobs are
// fetched in parallel into the content store (verified) meanwhile. Layers
// are applied in order, each on a snapshot of the one below, and each is
// sealed only once its blob's digest and its diff id are both checked. The image record is written last: a
// failure leaves no partial image, only verified blobs and complete layers
// (which a retry reuses).
import { existsSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord, LayerBlob, LayerRecord } from '../../store/types.js';
import { readJsonOr } from '../../store/json.js';
import { InvalidArgument } from '../../errors.js';
import { applyLayer } from '../../oci/apply.js';
import { decompress } from '../../oci/compression.js';
import { checkDigest, hexOf } from '../../oci/manifest.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { chainIdOf, digesting, freezeScratch, readLayer, scratchLayer, sealLayer, updateLayer } from '../content/layers.js';
import { readRefs } from '../image/images.js';
import { withLease, type Lease } from '../content/leases.js';
import { CorruptBlob, gzipWriter, hasBlob, openBlob, sha256Digest, tee, writeBlob, type CompressingWriter } from '../content/blobs.js';
import { counting, throttled, type Progress } from '../progress.js';
import { limiter } from '../../util/limit.js';
import { writeJson } from '../../store/json.js';
import { imageConfig, imageRecord } from '../../store/schema.js';
import { parseJsonWith, SchemaError } from '../../util/schema.js';

export interface LayerInput {
  /** The diff id the config names for this layer. */
  diffId: string;
  /** Known compressed blob: `fetch` brings it into the content store. */
  blob?: LayerBlob;
  /** Get the blob into the content store, verified (a download, a copy). */
  fetch?: (progress: Progress, signal: AbortSignal) => Promise<void>;
  /** Or stream the blob while it is fetched into the content store (see BlobStream). */
  stream?: (progress: Progress, signal: AbortSignal) => BlobStream;
  /**
   * A download of the blob already under way (a pull's first layer), if it was
   * not taken yet: streamed in place of `stream`, even if it has stored the
   * blob meanwhile, so the layer is made from memory and never waits for it.
   */
  take?: (signal: AbortSignal) => BlobStream | undefined;
  /** Or the raw layer (any compression); it is stored gzip-compressed while it is applied. */
  open?: () => AsyncIterable<Buffer>;
  /** A repository (registry/path) that holds the blob, for cross-repository mounts later. */
  source?: string;
}

/**
 * A blob's bytes as they download. They are not verified yet: finish()
 * (which reads whatever the reader left, checks the digest and stores the
 * blob) must succeed before anything made from them is kept.
 */
export interface BlobStream {
  chunks: AsyncIterable<Buffer>;
  finish(): Promise<void>;
}

export interface UnpackInput {
  configBytes: Buffer;
  configDigest: string;
  layers: LayerInput[];
  /** Manifests and indexes to keep (by digest) for repoDigests and save. */
  keep?: Buffer[];
  repoDigest?: string;
  /** Normalised references (tags, or repo@digest for a pull by digest) to point at the image. */
  tags?: string[];
  progress: Progress;
  /** Parallel fetches (Docker's default is 3). */
  concurrency?: number;
}

export interface UnpackResult {
  image: ImageRecord;
  /** Layers that had to be fetched or applied. */
  made: number;
  /** The image was already here before. */
  existed: boolean;
}

/** Parse and check an image config against the layers offered for it. */
export function parseConfig(bytes: Buffer, layers: number, where: string): ImageConfig {
  let cfg: ImageConfig;
  try {
    cfg = parseJsonWith(bytes.toString('utf8'), imageConfig);
  } catch (e) {
    if (e instanceof SchemaError) throw new InvalidArgument(`the image config of ${where} is malformed: ${e.message}`);
    throw e;
  }
  if (cfg.rootfs.diff_ids.length !== layers)
    throw new InvalidArgument(`the image config of ${where} names ${cfg.rootfs.diff_ids.length} layers but the manifest has ${layers}`);
  return cfg;
}

export function shortDigest(d: string): string {
  return d.replace(/^sha256:/, '').slice(0, 12);
}

async function addSource(store: Store, key: string, blob: LayerBlob | undefined, source: string | undefined): Promise<void> {
  const rec = await readLayer(store, key);
  const sources = new Set(rec.sources ?? []);
  if (source) sources.add(source);
  const next: LayerRecord = { ...rec, blob: rec.blob ?? blob, sources: [...sources] };
  if (JSON.stringify(next) !== JSON.stringify(rec)) await updateLayer(store, next);
}

export async function unpackImage(store: Store, input: UnpackInput): Promise<UnpackResult> {
  const configDigest = checkDigest(input.configDigest, 'config digest');
  const id = hexOf(configDigest);
  const config = parseConfig(input.configBytes, input.layers.length, `image ${shortDigest(configDigest)}`);
  input.layers.forEach((l, i) => {
    if (l.diffId !== config.rootfs.diff_ids[i]) throw new InvalidArgument(`layer ${i} does not match the diff id its config names`);
  });
  const chains: string[] = [];
  for (const l of input.layers) chains.push(chainIdOf(chains.at(-1), l.diffId));
  const keys = chains.map((c) => hexOf(c));

  return withLease(store, async (lease) => {
    const keep = input.keep ?? [];
    // One lease write for everything named so far; the small blobs are then
    // stored while the layers are made (their fsyncs off the critical path),
    // and awaited before the image record names them.
    await lease.hold({ layers: keys, blobs: [configDigest, ...input.layers.flatMap((l) => (l.blob ? [l.blob.digest] : [])), ...keep.map(sha256Digest)] });
    const small = Promise.all([writeBlob(store, input.configBytes, configDigest), ...keep.map((b) => writeBlob(store, b))]);
    small.catch(() => {});

    // Which layers are here (checked under the layers lock, after the lease is on record).
    const present = await store.lock('layers', async () => keys.map((k) => existsSync(store.paths.layerMeta(k)) && existsSync(store.paths.layer(k))));
    const existedBefore = existsSync(store.paths.image(id)) && present.every(Boolean);
    const made = present.filter((p) => !p).length;
    input.layers.forEach((l, i) => {
      if (present[i]) input.progress({ id: shortDigest(l.blob?.digest ?? l.diffId), status: 'Already exists' });
    });
    for (let i = 0; i < keys.length; i++) if (present[i]) await addSource(store, keys[i], input.layers[i].blob, input.layers[i].source);

    try {
      await applyMissing(store, lease, input, keys, chains, present);
    } finally {
      await small.catch(() => {}); // settled before the lease goes
    }
    await small;

    const created = typeof config.created === 'string' ? config.created : new Date().toISOString();
    const image = await store.lock('refs', async () => {
      const old = await readJsonOr(store.paths.image(id), imageRecord, null).catch(() => null);
      const repoDigests = [...new Set([...(old?.repoDigests ?? []), ...(input.repoDigest ? [input.repoDigest] : [])])];
      const rec: ImageRecord = { ...(old ?? {}), id, created, config, layers: keys, ...(repoDigests.length ? { repoDigests } : {}) };
      // An image pulled again is usually unchanged: no rewrite (and fsync) then.
      if (JSON.stringify(rec) !== JSON.stringify(old)) await writeJson(store.paths.image(id), rec);
      return rec;
    });
    if (input.tags?.length) {
      await store.lock('refs', async () => {
        const refs = await readRefs(store);
        if (input.tags!.every((t) => refs[t] === id)) return;
        for (const t of input.tags!) refs[t] = id;
        await writeJson(store.paths.refs, refs);
      });
    }
    return { image, made, existed: existedBefore };
  });
}

async function applyMissing(store: Store, lease: Lease, input: UnpackInput, keys: string[], chains: string[], present: boolean[]): Promise<void> {
  const ctl = new AbortController();
  const limit = limiter(input.concurrency ?? 3);
  // The first missing layer streams (applied as it downloads); every other
  // fetch starts at once, and they are applied in order as they land.
  const first = present.indexOf(false);
  const fetches = input.layers.map((l, i) => {
    if (present[i] || !l.blob || (!l.fetch && !l.stream) || l.take) return Promise.resolve(); // (applyOne takes a download under way)
    const short = shortDigest(l.blob.digest);
    if (hasBlob(store, l.blob.digest)) {
      input.progress({ id: short, status: 'Download complete' });
      return Promise.resolve();
    }
    if (l.stream && (i === first || !l.fetch)) return Promise.resolve(); // applyOne streams it
    input.progress({ id: short, status: 'Waiting' });
    return limit(() => (ctl.signal.aborted ? Promise.reject(ctl.signal.reason) : l.fetch!(input.progress, ctl.signal)));
  });
  fetches.forEach((p) => void p.catch(() => {}));
  try {
    for (let i = 0; i < keys.length; i++) {
      if (present[i]) continue;
      await fetches[i];
      await applyOne(store, lease, input.layers[i], i === 0 ? null : keys[i - 1], keys[i], chains[i], input.progress, ctl.signal);
    }
  } catch (e) {
    ctl.abort(e);
    await Promise.allSettled(fetches);
    throw e;
  }
}

async function applyOne(
  store: Store,
  lease: Lease,
  l: LayerInput,
  parent: string | null,
  key: string,
  chainId: string,
  progress: Progress,
  signal: AbortSignal,
): Promise<void> {
  const short = shortDigest(l.blob?.digest ?? l.diffId);
  const early = l.take?.(signal);
  const have = !early && !!l.blob && hasBlob(store, l.blob.digest);
  // Streamed: the download starts before the scratch subvolume is made, so the two overlap.
  const tapped = early ?? (!have && l.blob && l.stream ? l.stream(progress, signal) : undefined);
  let scratch: string | undefined;
  let writer: CompressingWriter | undefined;
  let frozen: Promise<void> | undefined;
  try {
    scratch = await scratchLayer(store, parent);
    let raw: AsyncIterable<Buffer>;
    const total = l.blob?.size;
    if (have) raw = openBlob(store, l.blob!.digest);
    else if (tapped) raw = tapped.chunks;
    else if (l.open) raw = l.open();
    else throw new InvalidArgument(`layer ${short} has no data`);
    const report = throttled((n) => progress({ id: short, status: 'Extracting', progress: { current: n, total } }));
    let stream = await decompress(counting(raw, report));
    if (!tapped && (!l.blob || !have)) {
      // A raw tar (an archive's layer): keep it compressed in the content store as it goes by.
      writer = await gzipWriter(store);
      stream = tee(stream, writer);
    }
    const d = digesting(stream);
    const stats = await applyLayer(d.stream, scratch);
    // The read-only flag (a btrfs spawn) is set while the rest is read, verified and stored.
    frozen = freezeScratch(scratch);
    frozen.catch(() => {});
    for await (const _ of d.stream); // the diff id covers the padding after the end marker too
    await tapped?.finish(); // the blob verified and stored before the layer counts
    await frozen;
    const { digest, size } = d.result();
    if (digest !== l.diffId)
      throw new CorruptBlob(`layer ${short} does not match its diff id: expected ${l.diffId}, got ${digest} (corrupt or tampered layer)`);
    let blob = l.blob;
    if (writer) {
      const b = await writer.finish();
      writer = undefined;
      await lease.hold({ blobs: [b.digest] });
      blob = { digest: b.digest, size: b.size, compression: 'gzip' };
    }
    await sealLayer(
      store,
      scratch,
      {
        key,
        parent,
        diffId: l.diffId,
        chainId,
        size: stats.bytes,
        tarSize: size,
        created: new Date().toISOString(),
        ...(blob ? { blob } : {}),
        ...(l.source ? { sources: [l.source] } : {}),
      },
      { frozen: true },
    );
    progress({ id: short, status: 'Pull complete' });
  } catch (err) {
    let e = err;
    // Unverified bytes may fail to decompress or unpack: a digest mismatch is then the real cause.
    if (tapped) await tapped.finish().catch((f) => (e = f instanceof CorruptBlob ? f : e));
    await writer?.abort();
    await frozen?.catch(() => {}); // no flag set on a subvolume already deleted
    if (scratch) await btrfs.remove(scratch).catch(() => {});
    // Out of space: wait until BTRFS has really freed the scratch, so the store works at once.
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') await btrfs.syncDeleted(store.paths.root).catch(() => {});
    const code = (e as NodeJS.ErrnoException)?.code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new CorruptBlob(`layer ${short} is not valid compressed data: ${(e as Error).message}`);
    throw e;
  }
}
