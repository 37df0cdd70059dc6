// Recognise and undo the compressions layers and tarballs come in, by their
// magic bytes: gzip (zlib), zstd and xz (their command-line tools).
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { start } from '../sys/exec.js';

export type Compression = 'none' | 'gzip' | 'zstd' | 'xz' | 'bzip2';

export function detect(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  return 'none';
}

/** Yield the first chunk(s) again, then the rest of the source. */
async function* replay(first: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* first;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/** The uncompressed bytes of input, whatever it was compressed with. */
export async function decompress(input: AsyncIterable<Buffer>): Promise<AsyncIterable<Buffer>> {
  const it = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  while (have < 8) {
    const r = await it.next();
    if (r.done) break;
    first.push(r.value);
    have += r.value.length;
  }
  const head = Buffer.concat(first);
  const kind = head.length >= 4 ? detect(head) : 'none';
  const source = Readable.from(replay(first, it), { objectMode: false });
  if (kind === 'none') return source;
  if (kind === 'gzip') {
    // Big chunks, and room to run ahead: zlib works on its thread while the reader writes files.
    const gz = createGunzip({ chunkSize: 256 << 10 });
    const ahead = new PassThrough({ highWaterMark: 16 << 20 });
    // Errors reach the reader through iteration; these listeners only keep an
    // abandoned stream's late error from crashing the process.
    gz.on('error', (e) => ahead.destroy(e));
    ahead.on('error', () => {});
    source.on('error', (e) => gz.destroy(e));
    return source.pipe(gz).pipe(ahead);
  }
  const tool = { zstd: ['zstd', '-dcq'], xz: ['xz', '-dc'], bzip2: ['bzip2', '-dc'] }[kind];
  // zstd -dc / xz -dc / bzip2 -dc: decompress stdin to stdout
  const child = start(tool[0], tool.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  source.pipe(child.stdin!);
  child.stdin!.on('error', () => {});
  child.stdout!.on('error', () => {});
  return child.stdout!;
}
