// The content store: blobs (compressed layers, configs, manifests) by digest
// in blobs/sha256/<hex>. A blob is written under blobs/incoming/<scratch>,
// hashed as it is written, and renamed into place only once its digest (and
// size) are verified, so whatever is in blobs/sha256 is exactly what its
// name says. A writer's leftovers are removed once it is gone.
import type { Hash } from 'node:crypto';
import { constants as C, createReadStream, existsSync, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import type { Store } from '../../store/store.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { InvalidArgument, NotFound } from '../../errors.js';
import { checkDigest, hexOf } from '../../oci/manifest.js';
import { sha256Hash } from '../../store/ids.js';

export function incomingDir(store: Store): string {
  return join(store.paths.root, 'blobs', 'incoming');
}

export function blobPath(store: Store, digest: string): string {
  return store.paths.blob(hexOf(digest));
}

export function hasBlob(store: Store, digest: string): boolean {
  return existsSync(blobPath(store, digest));
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${sha256Hash().update(data).digest('hex')}`;
}

/** The data did not match its digest or size: corrupt or truncated in transit. */
export class CorruptBlob extends InvalidArgument {}

/** A blob being written: hashed as it goes, renamed into place when verified. */
export class BlobWriter {
  size = 0;
  private hash: Hash = sha256Hash();
  private constructor(
    private readonly store: Store,
    readonly tmp: string,
    private fh: FileHandle | undefined,
  ) {}

  static async create(store: Store): Promise<BlobWriter> {
    await mkdir(incomingDir(store), { recursive: true });
    const tmp = join(incomingDir(store), scratchName());
    const fh = await open(tmp, C.O_WRONLY | C.O_CREAT | C.O_EXCL, 0o644);
    return new BlobWriter(store, tmp, fh);
  }

  async write(chunk: Buffer): Promise<void> {
    this.hash.update(chunk);
    this.size += chunk.length;
    let off = 0;
    while (off < chunk.length) off += (await this.fh!.write(chunk, off)).bytesWritten;
  }

  /** Start over (a resumed download the server would not resume). */
  async reset(): Promise<void> {
    await this.fh!.truncate(0);
    this.hash = sha256Hash();
    this.size = 0;
  }

  /** Verify against what was expected, then make the blob visible. Returns its digest. */
  async commit(expect?: { digest: string; size?: number }, what = 'blob'): Promise<{ digest: string; size: number }> {
    const digest = `sha256:${this.hash.digest('hex')}`;
    try {
      if (expect?.size !== undefined && expect.size !== this.size) {
        throw new CorruptBlob(`${what} ${expect.digest} is ${this.size} bytes, but ${expect.size} were expected (truncated or corrupt)`);
      }
      if (expect && expect.digest !== digest) throw new CorruptBlob(`${what} failed verification: expected ${expect.digest}, got ${digest} (corrupt data)`);
      await this.fh!.sync();
      await this.fh!.close();
      this.fh = undefined;
      await rename(this.tmp, blobPath(this.store, digest));
      return { digest, size: this.size };
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  async abort(): Promise<void> {
    if (this.fh) await this.fh.close().catch(() => {});
    this.fh = undefined;
    await unlink(this.tmp).catch(() => {});
  }
}

/** Store bytes whose digest is known (or computed), verified. */
export async function writeBlob(store: Store, data: Buffer, expectDigest?: string): Promise<string> {
  const digest = sha256Digest(data);
  if (expectDigest && expectDigest !== digest) throw new CorruptBlob(`data failed verification: expected ${expectDigest}, got ${digest}`);
  if (hasBlob(store, digest)) return digest;
  const w = await BlobWriter.create(store);
  try {
    await w.write(data);
  } catch (e) {
    await w.abort();
    throw e;
  }
  return (await w.commit({ digest, size: data.length })).digest;
}

/** Store a stream whose digest is known (verified) or not (computed). */
export async function writeBlobStream(
  store: Store,
  input: AsyncIterable<Buffer>,
  expect?: { digest: string; size?: number },
): Promise<{ digest: string; size: number }> {
  const w = await BlobWriter.create(store);
  try {
    for await (const c of input) await w.write(c);
  } catch (e) {
    await w.abort();
    throw e;
  }
  return w.commit(expect);
}

export function openBlob(store: Store, digest: string, start?: number): ReadStream {
  const p = blobPath(store, digest);
  if (!existsSync(p)) throw new NotFound(`blob ${digest} is missing from the content store`);
  return createReadStream(p, start ? { start } : {});
}

export async function readBlob(store: Store, digest: string): Promise<Buffer> {
  try {
    return await readFile(blobPath(store, digest));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`blob ${digest} is missing from the content store`);
    throw e;
  }
}

export async function blobSize(store: Store, digest: string): Promise<number | undefined> {
  return stat(blobPath(store, digest)).then(
    (s) => s.size,
    () => undefined,
  );
}

export async function listBlobs(store: Store): Promise<Array<{ digest: string; size: number }>> {
  const out: Array<{ digest: string; size: number }> = [];
  let names: string[];
  try {
    names = await readdir(store.paths.blobs);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!/^[a-f0-9]{64}$/.test(n)) continue;
    const s = await stat(join(store.paths.blobs, n)).catch(() => undefined);
    if (s) out.push({ digest: `sha256:${n}`, size: s.size });
  }
  return out;
}

export async function removeBlob(store: Store, digest: string): Promise<void> {
  await unlink(blobPath(store, checkDigest(digest))).catch(() => {});
}

/** Delete half-written blobs whose writer is gone. */
export async function removeAbandonedBlobs(store: Store): Promise<void> {
  let names: string[];
  try {
    names = await readdir(incomingDir(store));
  } catch {
    return;
  }
  for (const n of names) if (isAbandoned(n)) await rm(join(incomingDir(store), n), { force: true, recursive: true });
}

/** gzip level for layers dockerlite compresses: nearly as fast as level 1, a little smaller. */
export const GZIP_LEVEL = 3;

export interface CompressingWriter {
  write(chunk: Buffer): Promise<void>;
  /** Flush, verify nothing, store: the blob's digest and size. */
  finish(): Promise<{ digest: string; size: number }>;
  abort(): Promise<void>;
}

/** A blob written gzip-compressed from the uncompressed bytes given to write(). */
export async function gzipWriter(store: Store, level = GZIP_LEVEL): Promise<CompressingWriter> {
  const w = await BlobWriter.create(store);
  const gz = createGzip({ level });
  const pump = (async () => {
    for await (const c of gz) await w.write(c as Buffer);
  })();
  pump.catch(() => {});
  return {
    async write(chunk) {
      if (!gz.write(chunk)) await Promise.race([once(gz, 'drain'), pump]);
    },
    async finish() {
      gz.end();
      await pump;
      return w.commit();
    },
    async abort() {
      gz.destroy();
      await pump.catch(() => {});
      await w.abort();
    },
  };
}

/** Pass a stream through while also feeding each chunk to a writer. */
export async function* tee(input: AsyncIterable<Buffer>, sink: { write(c: Buffer): Promise<void> }): AsyncGenerator<Buffer> {
  for await (const c of input) {
    await sink.write(c);
    yield c;
  }
}
