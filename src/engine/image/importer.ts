// import: a rootfs tarball (plain, gzip, zstd or xz) becomes a one-layer image.
import { imageEvent } from '../../store/events.js';
import { createReadStream } from 'node:fs';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord, RunConfig } from '../../store/types.js';
import { decompress } from '../../oci/compression.js';
import { importLayer, updateLayer } from '../content/layers.js';
import { gzipWriter, hasBlob, tee } from '../content/blobs.js';
import { withLease } from '../content/leases.js';
import { saveImage, tagImage } from './images.js';
import { InvalidArgument, NotFound } from '../../errors.js';

export function hostPlatform(): { architecture: string; os: string } {
  const arch =
    ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ??
    process.arch;
  return { architecture: arch, os: 'linux' };
}

export interface ImportOptions {
  /** name[:tag] to give the image. */
  ref?: string;
  /** How to run it (from --change or from the caller). */
  config?: RunConfig;
  comment?: string;
  createdBy?: string;
  /** Fixed creation time, for reproducible image ids. */
  created?: string;
}

/** Zlib reports corrupt input with Z_* codes: that is bad input, not a host failure. */
function badInput(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) return new InvalidArgument(`corrupt compressed data: ${(e as Error).message}`);
  return e;
}

export async function importTarball(store: Store, input: AsyncIterable<Buffer>, o: ImportOptions = {}): Promise<ImageRecord> {
  const layer = await withLease(store, async (lease) => {
    // The tar is also kept, gzip-compressed, in the content store: push and save
    // then send exactly the bytes its diff id names.
    const writer = await gzipWriter(store);
    let tarSize = 0;
    try {
      const rec = await importLayer(store, tee(await decompress(input), { write: async (c) => void ((tarSize += c.length), await writer.write(c)) }), null);
      const b = await writer.finish();
      await lease.hold({ blobs: [b.digest] });
      if (rec.blob && hasBlob(store, rec.blob.digest)) return rec;
      const next = { ...rec, tarSize, blob: { digest: b.digest, size: b.size, compression: 'gzip' as const } };
      await updateLayer(store, next);
      return next;
    } catch (e) {
      await writer.abort();
      throw badInput(e);
    }
  });
  const created = o.created ?? new Date().toISOString();
  const config: ImageConfig = {
    ...hostPlatform(),
    created,
    config: o.config ?? {},
    rootfs: { type: 'layers', diff_ids: [layer.diffId!] },
    history: [{ created, created_by: o.createdBy ?? '', comment: o.comment ?? 'Imported from tarball' }],
  };
  const img = await saveImage(store, { created, config, layers: [layer.key] });
  if (o.ref) await tagImage(store, img.id, o.ref);
  imageEvent(store.paths.root, 'import', `sha256:${img.id}`, `sha256:${img.id}`);
  return img;
}

/** Open a path, or the caller's stdin (given by the front end) for "-". */
export function openInput(path: string, stdin?: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  if (path === '-') {
    if (!stdin) throw new InvalidArgument('no standard input to read from here');
    return stdin;
  }
  const s = createReadStream(path);
  return (async function* () {
    try {
      for await (const c of s) yield c as Buffer;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`${path}: no such file`);
      throw e;
    }
  })();
}
