// pull: fetch an image from a registry. The manifest (or the index, and
// then the manifest for this platform) says which config and layer blobs
// make the image; unpackImage fetches only the layers that are not here yet.
// Blob downloads are verified before they become visible, and a download
// cut short is resumed with a Range request where the registry allows it.
import { imageEvent } from '../../store/events.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Store } from '../../store/store.js';
import { InvalidArgument, Unavailable } from '../../errors.js';
import { parseReference, formatReference, familiar, familiarRepository, repository, type Reference } from '../../oci/reference.js';
import { parseManifest, layerCompression, type ImageManifest, type Platform } from '../../oci/manifest.js';
import { selectManifest, hostPlatform, platformMatches, formatPlatform } from '../../oci/platform.js';
import { Registry } from '../../registry/client.js';
import { readBody } from '../../registry/http.js';
import { BlobWriter, CorruptBlob, hasBlob, readBlob, removeAbandonedBlobs, sha256Digest } from '../content/blobs.js';
import { parseConfig, unpackImage, shortDigest, type BlobStream, type LayerInput } from './unpack.js';
import { readRefs } from '../image/images.js';
import { Lease } from '../content/leases.js';
import { existsSync } from 'node:fs';
import { hexOf } from '../../oci/manifest.js';
import { throttled, type Progress } from '../progress.js';
import type { ImageRecord } from '../../store/types.js';

export interface PullOptions {
  /** Default: the host's platform. */
  platform?: Platform;
  progress: Progress;
  registry?: Registry;
}

export interface PullResult {
  /** Normalised reference pulled (docker.io/library/busybox:latest, or ...@sha256:...). */
  ref: string;
  image: ImageRecord;
  /** Digest of what the reference names (an index for a multi-platform image). */
  digest: string;
  upToDate: boolean;
}

const MAX_CONFIG = 16 << 20;

/**
 * Download one blob into the content store, resuming after a cut if it can.
 * tap, if given, sees each chunk once written, with the blob's length so far
 * (a download the registry would not resume starts over from 0).
 */
export async function downloadBlob(
  store: Store,
  reg: Registry,
  repo: string,
  desc: { digest: string; size: number },
  progress: Progress,
  signal?: AbortSignal,
  tap?: (chunk: Buffer, end: number) => Promise<void>,
): Promise<void> {
  const id = shortDigest(desc.digest);
  const w = await BlobWriter.create(store);
  try {
    const report = throttled((n) => progress({ id, status: 'Downloading', progress: { current: n, total: desc.size } }));
    for (let attempt = 1; ; attempt++) {
      // Failures before the body starts were already retried by the client.
      const res = await reg.getBlob(repo, desc.digest, { offset: w.size, signal });
      if (w.size > 0 && res.status !== 206) await w.reset();
      const before = w.size;
      let failure: Error | undefined;
      try {
        for await (const c of res.body) {
          const chunk = c as Buffer;
          if (w.size + chunk.length > desc.size) {
            res.body.destroy();
            throw new CorruptBlob(`blob ${desc.digest} from ${reg.host} is larger than its ${desc.size} bytes (corrupt data)`);
          }
          await w.write(chunk);
          report(w.size);
          if (tap) await tap(chunk, w.size);
        }
      } catch (e) {
        failure = res.bodyError(e);
        if (failure instanceof CorruptBlob || failure.name === 'AbortError' || !(failure instanceof Unavailable)) throw failure;
      }
      report(w.size, true);
      if (!failure && w.size === desc.size) break;
      // Cut short: resume from where it got to, as long as each try gets further.
      if (attempt >= 5 || w.size === before) {
        throw failure ?? new CorruptBlob(`blob ${desc.digest} from ${reg.host} was truncated: got ${w.size} of ${desc.size} bytes`);
      }
      progress({ id, status: `Retrying (got ${w.size} of ${desc.size} bytes)` });
      await sleep(200 * attempt, undefined, { signal });
    }
    progress({ id, status: 'Verifying Checksum' });
    await w.commit({ digest: desc.digest, size: desc.size }, 'layer');
    progress({ id, status: 'Download complete' });
  } catch (e) {
    await w.abort();
    throw e;
  }
}

/** How far a download may run ahead of the unpacker (decompress buffers more after it). */
const STREAM_AHEAD = 4 << 20;

/**
 * A layer blob for the unpacker while it downloads into the content store:
 * one pass over the data, no waiting for the whole blob first. The bytes
 * reach the unpacker before they are verified, so finish() must succeed
 * before anything made from them is kept: it lets the download run to its
 * end (past whatever the unpacker did not read, such as padding after the
 * tar's end), checks size and digest, and stores the blob.
 */
export function streamBlob(
  store: Store,
  reg: Registry,
  repo: string,
  desc: { digest: string; size: number },
  progress: Progress,
  signal?: AbortSignal,
): BlobStream {
  const queue: Buffer[] = [];
  let queued = 0;
  let sent = 0;
  let detached = false;
  let ended = false;
  let failure: Error | undefined;
  let wake: (() => void) | undefined; // the unpacker, waiting for data
  let room: (() => void) | undefined; // the download, waiting for the unpacker
  const poke = () => {
    const f = wake;
    wake = undefined;
    f?.();
  };
  const free = () => {
    const f = room;
    room = undefined;
    f?.();
  };
  const tap = async (chunk: Buffer, end: number) => {
    const fresh = end - sent;
    if (fresh <= 0 || detached) return; // already passed on (a download that started over), or nobody reads
    sent = end;
    const c = fresh >= chunk.length ? chunk : chunk.subarray(chunk.length - fresh);
    queue.push(c);
    queued += c.length;
    poke();
    while (queued > STREAM_AHEAD && !detached) await new Promise<void>((r) => (room = r));
  };
  const done = downloadBlob(store, reg, repo, desc, progress, signal, tap).finally(() => {
    ended = true;
    poke();
  });
  done.catch((e: Error) => (failure = e));
  async function* chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      const c = queue.shift();
      if (c) {
        queued -= c.length;
        if (queued <= STREAM_AHEAD) free();
        yield c;
        continue;
      }
      if (detached) return;
      if (ended) {
        await done.catch(() => {}); // failure is set once done has settled
        if (failure) throw failure;
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  }
  return {
    chunks: chunks(),
    async finish() {
      detached = true;
      queue.length = 0;
      queued = 0;
      free();
      poke();
      await done;
    },
  };
}

/**
 * A small blob (a config) into memory, verified. unpackImage stores it under
 * its lease, off the critical path (its fsync overlaps the layer's work).
 */
async function fetchSmallBlob(store: Store, reg: Registry, repo: string, digest: string): Promise<Buffer> {
  if (hasBlob(store, digest)) return readBlob(store, digest);
  const res = await reg.getBlob(repo, digest);
  const bytes = await readBody(res, MAX_CONFIG, 'image config');
  const got = sha256Digest(bytes);
  if (got !== digest) throw new CorruptBlob(`data failed verification: expected ${digest}, got ${got}`);
  return bytes;
}

/** Resolve a reference to one image manifest: through an index for the wanted platform. */
async function resolveManifest(reg: Registry, r: Reference, want: Platform) {
  const where = familiar(r);
  const top = await reg.getManifest(r.path, r.digest ?? r.tag!);
  if (r.digest && top.digest !== r.digest)
    throw new CorruptBlob(`the manifest ${reg.host} sent for ${where} has digest ${top.digest}, not the one asked for (corrupt data)`);
  const keep = [top.bytes];
  const parsed = parseManifest(top.bytes, top.contentType, where);
  if (parsed.kind === 'manifest') return { manifest: parsed.manifest, digest: top.digest, keep, fromIndex: false };
  const desc = selectManifest(parsed.index, want, where);
  const child = await reg.getManifest(r.path, desc.digest);
  if (child.digest !== desc.digest) throw new CorruptBlob(`the manifest ${reg.host} sent for ${desc.digest} has digest ${child.digest} (corrupt data)`);
  const inner = parseManifest(child.bytes, desc.mediaType, `${where} (${formatPlatform(desc.platform ?? want)})`);
  if (inner.kind !== 'manifest') throw new InvalidArgument(`${where}: an index inside an index for ${formatPlatform(want)} is not supported`);
  keep.push(child.bytes);
  return { manifest: inner.manifest, digest: top.digest, keep, fromIndex: true };
}

export async function pullImage(store: Store, refText: string, o: PullOptions): Promise<PullResult> {
  const r = parseReference(refText);
  // Pulled by digest, the image is known by repo@digest (a tag beside a digest is ignored, as Docker).
  const ref = r.digest ? `${repository(r)}@${r.digest}` : formatReference(r);
  await removeAbandonedBlobs(store);
  const reg = o.registry ?? (await Registry.connect(r.domain));
  const want = o.platform ?? hostPlatform();
  o.progress({ status: `${r.digest ?? r.tag}: Pulling from ${r.path}` });
  const { manifest, digest, keep, fromIndex } = await resolveManifest(reg, r, want);
  const first = await FirstLayer.start(store, reg, r.path, manifest, o.progress);
  try {
    return await pullWith(store, reg, r, ref, o, want, { manifest, digest, keep, fromIndex }, first);
  } finally {
    await first?.drop();
  }
}

/**
 * The first layer's download, started as soon as the manifest names it, so
 * that its request goes out beside the config's instead of after it. It is
 * the one download of that blob this pull starts: the unpacker takes it
 * (once) instead of starting its own, and if the layer turns out to be here
 * it is aborted, and its partial file removed, before the pull returns. Its
 * bytes count for nothing until the unpacker has verified them
 * (BlobStream.finish). Its own lease holds the blob from before it can be
 * stored until unpackImage's lease names it too.
 */
class FirstLayer {
  private stream?: BlobStream;
  private readonly ctl = new AbortController();
  private constructor(private readonly lease: Lease) {}

  static async start(store: Store, reg: Registry, repo: string, m: ImageManifest, progress: Progress): Promise<FirstLayer | undefined> {
    const d = m.layers[0];
    if (!d || !layerCompression(d.mediaType) || hasBlob(store, d.digest)) return undefined;
    // The image is here (a pull of what is up to date): its layers are too, so no blob request.
    if (existsSync(store.paths.image(hexOf(m.config.digest)))) return undefined;
    const f = new FirstLayer(new Lease(store));
    await f.lease.hold({ blobs: [d.digest] });
    f.stream = streamBlob(store, reg, repo, d, progress, f.ctl.signal);
    return f;
  }

  /** The download, to the unpacker, the first time only; the unpacker's signal aborts it from then on. */
  take(signal: AbortSignal): BlobStream | undefined {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      if (signal.aborted) this.ctl.abort(signal.reason);
      else signal.addEventListener('abort', () => this.ctl.abort(signal.reason), { once: true });
    }
    return s;
  }

  /** Abort the download unless it was taken (the unpacker finishes it then), wait until it has settled, release the lease. */
  async drop(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      this.ctl.abort();
      await s.finish().catch(() => {});
    }
    await this.lease.release();
  }
}

async function pullWith(
  store: Store,
  reg: Registry,
  r: Reference,
  ref: string,
  o: PullOptions,
  want: Platform,
  { manifest, digest, keep, fromIndex }: Awaited<ReturnType<typeof resolveManifest>>,
  first?: FirstLayer,
): Promise<PullResult> {
  const configBytes = await fetchSmallBlob(store, reg, r.path, manifest.config.digest);
  // Checked before anything is fetched: a malformed config is one clear error.
  const cfg = parseConfig(configBytes, manifest.layers.length, familiar(r));
  const layers = layerInputs(store, reg, r, manifest, cfg.rootfs.diff_ids, first);
  // A single-platform image that is not for this platform: Docker refuses an explicit mismatch, warns otherwise.
  if (!fromIndex) {
    if (cfg.os && cfg.architecture && !platformMatches(cfg, want)) {
      if (o.platform)
        throw new InvalidArgument(`image ${familiar(r)} is for ${formatPlatform(cfg)}, which does not match the requested platform ${formatPlatform(want)}`);
      o.progress({ status: `WARNING: image ${familiar(r)} is for ${formatPlatform(cfg)}, not this host's ${formatPlatform(want)}` });
    }
  }
  const before = (await readRefs(store))[ref];
  const res = await unpackImage(store, {
    configBytes,
    configDigest: manifest.config.digest,
    layers,
    keep,
    repoDigest: `${r.domain}/${r.path}@${digest}`,
    tags: [ref],
    progress: o.progress,
  });
  const upToDate = res.existed && (r.digest ? true : before === res.image.id);
  o.progress({ status: `Digest: ${digest}` });
  o.progress({ status: `Status: ${upToDate ? 'Image is up to date for' : 'Downloaded newer image for'} ${familiar(r)}` });
  imageEvent(store.paths.root, 'pull', familiar(r), familiarRepository(r), res.image.config.config?.Labels ?? {});
  return { ref, image: res.image, digest, upToDate };
}

function layerInputs(store: Store, reg: Registry, r: Reference, m: ImageManifest, diffIds: string[], first?: FirstLayer): LayerInput[] {
  return m.layers.map((d, i) => ({
    diffId: diffIds[i] ?? '',
    blob: { digest: d.digest, size: d.size, compression: layerCompression(d.mediaType)! },
    source: `${r.domain}/${r.path}`,
    fetch: (progress, signal) => downloadBlob(store, reg, r.path, d, progress, signal),
    stream: (progress, signal) => streamBlob(store, reg, r.path, d, progress, signal),
    ...(i === 0 && first ? { take: (signal: AbortSignal) => first.take(signal) } : {}),
  }));
}

/**
 * A client for a reference's registry whose version check (GET /v2/) is
 * already on its way, so that it overlaps the caller's own start-up (opening
 * the store). Undefined when that cannot be set up: pullImage then connects
 * itself and reports the problem.
 */
export async function connectEarly(refText: string): Promise<Registry | undefined> {
  try {
    const reg = await Registry.connect(parseReference(refText).domain);
    reg.ping().catch(() => {}); // a failure is met again, and reported, by the pull's first request
    return reg;
  } catch {
    return undefined;
  }
}

/** Every tag of a repository (pull --all-tags). */
export async function remoteTags(refText: string): Promise<{ repo: Reference; tags: string[] }> {
  const r = parseReference(refText, { defaultTag: false });
  if (r.tag || r.digest) throw new InvalidArgument('tag can not be used with --all-tags/-a');
  const reg = await Registry.connect(r.domain);
  return { repo: r, tags: (await reg.tags(r.path)).sort() };
}
