// push: send an image to a registry. Each layer blob is checked first (HEAD)
// and skipped when the repository has it, mounted from another repository
// of the same registry that is known to hold it, or uploaded; then the
// config, then the manifest under the tag.
import { imageEvent } from '../../store/events.js';
import { Readable } from 'node:stream';
import type { Store } from '../../store/store.js';
import type { ImageRecord, LayerRecord } from '../../store/types.js';
import { InvalidArgument, NotFound, Unavailable } from '../../errors.js';
import { parseReference, formatReference, familiar, familiarRepository, repository, type Reference } from '../../oci/reference.js';
import { MediaType, layerMediaType, parseManifest, type ImageManifest } from '../../oci/manifest.js';
import { Registry, pushScope } from '../../registry/client.js';
import { getImage, readImage, readRefs } from '../image/images.js';
import { readLayer, updateLayer } from '../content/layers.js';
import { withLease } from '../content/leases.js';
import { makeDistributable } from './distributable.js';
import { hasBlob, openBlob, readBlob, sha256Digest, writeBlob } from '../content/blobs.js';
import { shortDigest } from './unpack.js';
import { counting, throttled, type Progress } from '../progress.js';
import { limiter } from '../../util/limit.js';
import { writeJson } from '../../store/json.js';

export interface PushResult {
  ref: string;
  tag: string;
  digest: string;
  size: number;
}

export interface PushOptions {
  progress: Progress;
  registry?: Registry;
}

/** The manifest to push: the one this image was pulled with when it still fits, else a new one. */
async function manifestFor(
  store: Store,
  img: ImageRecord,
  configDigest: string,
  configSize: number,
  layers: LayerRecord[],
): Promise<{ bytes: Buffer; mediaType: string }> {
  for (const rd of img.repoDigests ?? []) {
    const digest = rd.slice(rd.indexOf('@') + 1);
    if (!hasBlob(store, digest)) continue;
    try {
      const p = parseManifest(await readBlob(store, digest), undefined, rd);
      if (p.kind !== 'manifest' || p.manifest.config.digest !== configDigest) continue;
      if (p.manifest.layers.length === layers.length && p.manifest.layers.every((l, i) => l.digest === layers[i].blob!.digest)) {
        return { bytes: await readBlob(store, digest), mediaType: p.mediaType };
      }
    } catch {
      // not a usable manifest: make a new one
    }
  }
  // Docker's schema 2 when every layer is gzip (what every registry and tool reads), else OCI.
  const dialect = layers.every((l) => l.blob!.compression === 'gzip') ? 'docker' : 'oci';
  const m: ImageManifest = {
    schemaVersion: 2,
    mediaType: dialect === 'docker' ? MediaType.DockerManifest : MediaType.OciManifest,
    config: { mediaType: dialect === 'docker' ? MediaType.DockerConfig : MediaType.OciConfig, size: configSize, digest: configDigest },
    layers: layers.map((l) => ({ mediaType: layerMediaType(l.blob!.compression, dialect), size: l.blob!.size, digest: l.blob!.digest })),
  };
  return { bytes: Buffer.from(JSON.stringify(m, null, 3)), mediaType: m.mediaType! };
}

async function rememberSource(store: Store, key: string, source: string): Promise<void> {
  const rec = await readLayer(store, key);
  if (rec.sources?.includes(source)) return;
  await updateLayer(store, { ...rec, sources: [...(rec.sources ?? []), source] });
}

/** One layer blob: skip, mount, or upload (retried when the connection fails). */
async function pushLayer(store: Store, reg: Registry, r: Reference, l: LayerRecord, progress: Progress): Promise<void> {
  const blob = l.blob!;
  const id = shortDigest(blob.digest);
  const target = repository(r);
  if (await reg.hasBlob(r.path, blob.digest, [pushScope(r.path)])) {
    progress({ id, status: 'Layer already exists' });
    await rememberSource(store, l.key, target);
    return;
  }
  let location: URL | undefined;
  for (const src of l.sources ?? []) {
    if (!src.startsWith(`${r.domain}/`) || src === target) continue;
    const from = src.slice(r.domain.length + 1);
    const res = await reg.startUpload(r.path, { digest: blob.digest, from }).catch(() => undefined);
    if (!res) continue;
    if (res.mounted) {
      progress({ id, status: `Mounted from ${from}` });
      await rememberSource(store, l.key, target);
      return;
    }
    location = res.location;
    break;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      location ??= ((await reg.startUpload(r.path)) as { location: URL }).location;
      const report = throttled((n) => progress({ id, status: 'Pushing', progress: { current: n, total: blob.size } }));
      await reg.putBlob(r.path, location, blob.digest, blob.size, () => Readable.from(counting(openBlob(store, blob.digest), report)));
      break;
    } catch (e) {
      if (!(e instanceof Unavailable) || attempt >= 3) throw e;
      progress({ id, status: `Retrying in ${attempt} second${attempt > 1 ? 's' : ''}` });
      await new Promise((res) => setTimeout(res, attempt * 1000));
      location = undefined;
    }
  }
  progress({ id, status: 'Pushed' });
  await rememberSource(store, l.key, target);
}

/** The config blob: skipped if there, else mounted from a repository known to have the image, else uploaded. */
async function pushConfig(reg: Registry, r: Reference, digest: string, bytes: Buffer, candidates: string[]): Promise<void> {
  if (await reg.hasBlob(r.path, digest, [pushScope(r.path)])) return;
  let location: URL | undefined;
  for (const src of new Set(candidates)) {
    if (!src.startsWith(`${r.domain}/`) || src === repository(r)) continue;
    const res = await reg.startUpload(r.path, { digest, from: src.slice(r.domain.length + 1) }).catch(() => undefined);
    if (res?.mounted) return;
    if (res) {
      location = res.location;
      break;
    }
  }
  location ??= ((await reg.startUpload(r.path)) as { location: URL }).location;
  await reg.putBlob(r.path, location, digest, bytes.length, () => Readable.from([bytes]));
}

export async function pushImage(store: Store, refText: string, o: PushOptions): Promise<PushResult> {
  const r = parseReference(refText);
  if (r.digest) throw new InvalidArgument(`cannot push a digest reference (${refText}); push a tag`);
  const ref = formatReference(r);
  let img: ImageRecord;
  try {
    img = await getImage(store, ref);
  } catch (e) {
    if (e instanceof NotFound)
      throw new NotFound(`an image does not exist locally with the tag: ${familiar(r)}; tag one with dockerlite tag IMAGE ${familiar(r)}`);
    throw e;
  }
  if (!(await readRefs(store))[ref]) throw new NotFound(`an image does not exist locally with the tag: ${familiar(r)}`);
  o.progress({ status: `The push refers to repository [${repository(r)}]` });
  return withLease(store, async (lease) => {
    const d = await makeDistributable(store, img, lease, o.progress);
    const reg = o.registry ?? (await Registry.connect(r.domain));
    const limit = limiter(3);
    for (const l of d.layers) o.progress({ id: shortDigest(l.blob!.digest), status: 'Waiting' });
    const jobs = d.layers.map((l) => limit(() => pushLayer(store, reg, r, l, o.progress)));
    const done = await Promise.allSettled(jobs);
    const failed = done.find((x): x is PromiseRejectedResult => x.status === 'rejected');
    if (failed) throw failed.reason;
    await pushConfig(reg, r, d.configDigest, d.configBytes, [
      ...(d.image.repoDigests ?? []).map((rd) => rd.slice(0, rd.indexOf('@'))),
      ...d.layers.flatMap((l) => l.sources ?? []),
    ]);
    const m = await manifestFor(store, d.image, d.configDigest, d.configBytes.length, d.layers);
    await reg.putManifest(r.path, r.tag!, m.bytes, m.mediaType);
    const digest = sha256Digest(m.bytes);
    await lease.hold({ blobs: [digest] });
    await writeBlob(store, m.bytes, digest);
    await store.lock('refs', async () => {
      const cur = await readImage(store, d.image.id);
      const rd = `${repository(r)}@${digest}`;
      if (!cur.repoDigests?.includes(rd)) await writeJson(store.paths.image(cur.id), { ...cur, repoDigests: [...(cur.repoDigests ?? []), rd] });
    });
    o.progress({ status: `${r.tag}: digest: ${digest} size: ${m.bytes.length}` });
    imageEvent(store.paths.root, 'push', familiar(r), familiarRepository(r));
    return { ref, tag: r.tag!, digest, size: m.bytes.length };
  });
}

/** Every local tag of a repository (push --all-tags). */
export async function localTags(store: Store, repoText: string): Promise<string[]> {
  const r = parseReference(repoText, { defaultTag: false });
  if (r.tag || r.digest) throw new InvalidArgument('tag can not be used with --all-tags/-a');
  const prefix = `${repository(r)}:`;
  const tags = Object.keys(await readRefs(store)).filter((k) => k.startsWith(prefix) && !k.includes('@'));
  if (!tags.length) throw new NotFound(`no local tags of ${familiar(r)}`);
  return tags.sort();
}
