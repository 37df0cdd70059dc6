// A small tar reader and writer (ustar + PAX + GNU long names).
//
// Why not a library: the popular tar streams decode PAX records as UTF-8,
// which corrupts binary xattr values such as security.capability. Layers
// must keep those byte for byte, so this codec treats PAX values as bytes.
import type { Readable } from 'node:stream';
import { lazyBuiltin } from '../util/lazy.js';
import { InvalidArgument } from '../errors.js';

export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  uname?: string;
  gname?: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's content; unread content is skipped when the next entry is taken. */
  body: AsyncIterable<Buffer>;
}

const BLOCK = 512;
const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};
const FLAGS: Record<EntryType, string> = { file: '0', link: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

function corrupt(why: string): InvalidArgument {
  return new InvalidArgument(`not a valid tar archive: ${why}`);
}

/** Pulls exact byte counts out of a stream of chunks. */
class ByteSource {
  private buf: Buffer = Buffer.alloc(0);
  private ended = false;
  private it: AsyncIterator<Buffer>;
  constructor(input: AsyncIterable<Buffer> | Iterable<Buffer>) {
    this.it =
      Symbol.asyncIterator in input
        ? input[Symbol.asyncIterator]()
        : (async function* () {
            yield* input;
          })();
  }
  private async fill(n: number): Promise<void> {
    while (this.buf.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done) this.ended = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
  }
  /** Exactly n bytes, or fewer only at the end of input. */
  async take(n: number): Promise<Buffer> {
    await this.fill(n);
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  /** The next chunk of at most max bytes; throws at the end of input. */
  async next(max: number): Promise<Buffer> {
    if (!this.buf.length) await this.fill(1);
    if (!this.buf.length) throw corrupt('unexpected end of data inside an entry');
    const out = this.buf.subarray(0, Math.min(max, this.buf.length));
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  async skip(n: number): Promise<void> {
    while (n > 0) n -= (await this.next(n)).length;
  }
}

function str(b: Buffer): string {
  const z = b.indexOf(0);
  return b.subarray(0, z === -1 ? b.length : z).toString('utf8');
}

function num(b: Buffer): number {
  if (b[0] & 0x80) {
    // GNU base-256: big-endian binary after the marker bit.
    let v = b[0] & 0x7f;
    for (let i = 1; i < b.length; i++) v = v * 256 + b[i];
    return v;
  }
  const s = str(b).trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s)) throw corrupt(`bad number field '${s}'`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = num(h.subarray(148, 156));
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 32 : h[i];
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return want === unsigned || want === signed;
}

/** PAX records: "LEN key=value\n", with value kept as raw bytes. */
function parsePax(b: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < b.length) {
    const sp = b.indexOf(32, i);
    if (sp === -1) break;
    const len = Number(b.subarray(i, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || i + len > b.length) throw corrupt('bad PAX record');
    const rec = b.subarray(sp + 1, i + len - 1); // drop the trailing newline
    const eq = rec.indexOf(61);
    if (eq !== -1) out.set(rec.subarray(0, eq).toString('utf8'), rec.subarray(eq + 1));
    i += len;
  }
  return out;
}

function applyPax(h: TarHeader, pax: Map<string, Buffer>): void {
  for (const [k, v] of pax) {
    if (k === 'path') h.name = v.toString('utf8');
    else if (k === 'linkpath') h.linkname = v.toString('utf8');
    else if (k === 'size') h.size = Number(v.toString());
    else if (k === 'uid') h.uid = Number(v.toString());
    else if (k === 'gid') h.gid = Number(v.toString());
    else if (k === 'mtime') h.mtime = Math.floor(Number(v.toString()));
    else if (k === 'uname') h.uname = v.toString('utf8');
    else if (k === 'gname') h.gname = v.toString('utf8');
    else if (k.startsWith('SCHILY.xattr.')) h.xattrs.set(k.slice(13), Buffer.from(v));
    else if (k.startsWith('LIBARCHIVE.xattr.')) h.xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString(), 'base64'));
  }
  if (!Number.isSafeInteger(h.size) || h.size < 0) throw corrupt(`bad size for '${h.name}'`);
}

/** Read entries one at a time. Each body must be consumed (or is skipped) before the next. */
export async function* readTar(input: AsyncIterable<Buffer> | Iterable<Buffer>): AsyncGenerator<TarEntry> {
  const src = new ByteSource(input);
  let global = new Map<string, Buffer>();
  let local = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawHeader = false;
  for (;;) {
    const block = await src.take(BLOCK);
    if (block.length === 0 && sawHeader) return; // some writers omit the end blocks
    if (block.length < BLOCK) throw corrupt(block.length === 0 ? 'empty input' : 'unexpected end of data');
    if (block.every((c) => c === 0)) return;
    if (!checksumOk(block)) throw corrupt(sawHeader ? 'header checksum mismatch' : 'no tar header at the start (is this a tar file?)');
    sawHeader = true;
    const flag = String.fromCharCode(block[156]);
    const size = num(block.subarray(124, 136));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > 16 << 20) throw corrupt('oversized extended header');
      const data = await src.take(padded);
      if (data.length < padded) throw corrupt('unexpected end of data');
      const body = data.subarray(0, size);
      if (flag === 'x') local = parsePax(body);
      else if (flag === 'g') global = new Map([...global, ...parsePax(body)]);
      else if (flag === 'L') longName = str(body);
      else longLink = str(body);
      continue;
    }
    const type = TYPES[flag];
    const magic = block.subarray(257, 263).toString('latin1');
    const prefix = magic.startsWith('ustar') ? str(block.subarray(345, 500)) : '';
    const name = str(block.subarray(0, 100));
    const h: TarHeader = {
      name: longName ?? (prefix ? `${prefix}/${name}` : name),
      type: type ?? 'file',
      mode: num(block.subarray(100, 108)) & 0o7777,
      uid: num(block.subarray(108, 116)),
      gid: num(block.subarray(116, 124)),
      size,
      mtime: num(block.subarray(136, 148)),
      linkname: longLink ?? str(block.subarray(157, 257)),
      uname: str(block.subarray(265, 297)) || undefined,
      gname: str(block.subarray(297, 329)) || undefined,
      devmajor: num(block.subarray(329, 337)),
      devminor: num(block.subarray(337, 345)),
      xattrs: new Map(),
    };
    applyPax(h, new Map([...global, ...local]));
    local = new Map();
    longName = longLink = undefined;
    if (!type) throw corrupt(`entry '${h.name}' has unsupported type '${flag}'`);
    // Links and special files carry no data even if a size was written.
    const dataSize = h.type === 'file' ? h.size : 0;
    const dataPadded = Math.ceil(dataSize / BLOCK) * BLOCK;
    const left = { n: dataSize };
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        while (left.n > 0) {
          const c = await src.next(left.n);
          left.n -= c.length;
          yield c;
        }
      },
    };
    yield { header: h, body };
    await src.skip(left.n + dataPadded - dataSize);
  }
}

// ---- writer ----

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function paxRecord(key: string, value: Buffer): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = rest.length + 1;
  while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
  return Buffer.concat([Buffer.from(String(len)), rest]);
}

function rawHeader(h: {
  name: string;
  linkname: string;
  flag: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  uname?: string;
  gname?: string;
  devmajor: number;
  devminor: number;
  prefix?: string;
}): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(h.name, 0, 100, 'utf8');
  b.write(octal(h.mode & 0o7777, 8), 100, 'ascii');
  b.write(octal(h.uid, 8), 108, 'ascii');
  b.write(octal(h.gid, 8), 116, 'ascii');
  b.write(octal(h.size, 12), 124, 'ascii');
  b.write(octal(h.mtime, 12), 136, 'ascii');
  b.write(h.flag, 156, 'ascii');
  b.write(h.linkname, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 'latin1');
  if (h.uname) b.write(h.uname, 265, 32, 'utf8');
  if (h.gname) b.write(h.gname, 297, 32, 'utf8');
  b.write(octal(h.devmajor, 8), 329, 'ascii');
  b.write(octal(h.devminor, 8), 337, 'ascii');
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8');
  b.fill(32, 148, 156);
  let sum = 0;
  for (const c of b) sum += c;
  b.write(octal(sum, 7) + ' ', 148, 'ascii');
  return b;
}

/** The header block(s) for one entry: a PAX header first when ustar cannot hold it. */
export function encodeHeader(h: TarHeader): Buffer {
  const pax: Buffer[] = [];
  let name = h.type === 'dir' && !h.name.endsWith('/') ? `${h.name}/` : h.name;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    // Try the ustar prefix field before falling back to PAX.
    const cut = name.lastIndexOf('/', name.length - 2);
    const p = cut > 0 ? name.slice(0, cut) : '';
    const rest = cut > 0 ? name.slice(cut + 1) : name;
    if (p && Buffer.byteLength(p) <= 155 && Buffer.byteLength(rest) <= 100) {
      prefix = p;
      name = rest;
    } else {
      pax.push(paxRecord('path', Buffer.from(name)));
      name = name.slice(0, 99);
    }
  }
  let linkname = h.linkname;
  if (Buffer.byteLength(linkname) > 100) {
    pax.push(paxRecord('linkpath', Buffer.from(linkname)));
    linkname = linkname.slice(0, 99);
  }
  const size = h.type === 'file' ? h.size : 0;
  const big = 0o77777777777;
  if (size > big) pax.push(paxRecord('size', Buffer.from(String(size))));
  if (h.uid > 0o7777777) pax.push(paxRecord('uid', Buffer.from(String(h.uid))));
  if (h.gid > 0o7777777) pax.push(paxRecord('gid', Buffer.from(String(h.gid))));
  for (const [k, v] of [...h.xattrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const main = rawHeader({
    name,
    linkname,
    prefix,
    flag: FLAGS[h.type],
    mode: h.mode,
    uid: Math.min(h.uid, 0o7777777),
    gid: Math.min(h.gid, 0o7777777),
    size: Math.min(size, big),
    mtime: Math.max(0, Math.min(h.mtime, big)),
    uname: h.uname,
    gname: h.gname,
    devmajor: h.devmajor,
    devminor: h.devminor,
  });
  if (!pax.length) return main;
  const data = Buffer.concat(pax);
  const ph = rawHeader({ name: 'PaxHeader', linkname: '', flag: 'x', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0, devmajor: 0, devminor: 0 });
  return Buffer.concat([ph, data, Buffer.alloc(pad(data.length)), main]);
}

export function pad(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

export interface WriteEntry {
  header: TarHeader;
  /** Content for regular files: exactly header.size bytes. */
  body?: AsyncIterable<Buffer> | Buffer;
}

/** Serialise entries into a tar stream, ending with the two zero blocks. */
// Loaded when a tar is written: create, which imports the layer code, makes none.
const stream = lazyBuiltin<typeof import('node:stream')>('node:stream');

export function writeTar(entries: AsyncIterable<WriteEntry> | Iterable<WriteEntry>): Readable {
  async function* gen() {
    for await (const e of entries as AsyncIterable<WriteEntry>) {
      yield encodeHeader(e.header);
      if (e.header.type !== 'file') continue;
      let n = 0;
      if (Buffer.isBuffer(e.body)) {
        n = e.body.length;
        yield e.body;
      } else if (e.body) {
        for await (const c of e.body) {
          n += c.length;
          yield c;
        }
      }
      if (n !== e.header.size) throw new Error(`tar entry '${e.header.name}' changed size while being read (${e.header.size} -> ${n})`);
      const p = pad(n);
      if (p) yield Buffer.alloc(p);
    }
    yield Buffer.alloc(BLOCK * 2);
  }
  return stream().Readable.from(gen(), { objectMode: false });
}

export function emptyHeader(name: string, type: EntryType, extra: Partial<TarHeader> = {}): TarHeader {
  return {
    name,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: 0,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
    ...extra,
  };
}
