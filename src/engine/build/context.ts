// The build context: a directory, a tar on stdin (extracted into the store
// and removed afterwards), or no files at all when stdin holds only the
// Dockerfile. Also: which files a COPY source names (Docker's wildcard and
// .dockerignore rules), and the digest of their content and metadata that
// keys the build cache.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { basename, join, posix, resolve as resolvePath } from 'node:path';
import type { Store } from '../../store/store.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { InvalidArgument, NotFound } from '../../errors.js';
import { decompress } from '../../oci/compression.js';
import { applyLayer } from '../../oci/apply.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import { IgnoreMatcher, readDockerignore } from './dockerignore.js';
import { hasMeta, patternToRegExp } from './glob.js';

export interface BuildContext {
  /** Root of the context's files, or null when there are none (Dockerfile on stdin). */
  dir: string | null;
  ignore: IgnoreMatcher;
  dockerfile: { name: string; text: string };
  /** Remove what opening the context made (an extracted tar). */
  close(): Promise<void>;
}

const MAX_DOCKERFILE = 16 * 1024 * 1024;

/** Where build scratch directories live: $ROOT/tmp/build/.tmp-<pid>-<start>-<rand>. */
export function buildTmp(store: Store): string {
  return join(store.paths.tmp, 'build');
}

/** A fresh scratch directory for this build, and a sweep of those whose builder died. */
export async function makeTmpDir(store: Store): Promise<string> {
  const base = buildTmp(store);
  await mkdir(base, { recursive: true });
  for (const n of await readdir(base)) if (isAbandoned(n)) await rm(join(base, n), { recursive: true, force: true });
  const dir = join(base, scratchName());
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

async function readAll(input: AsyncIterable<Buffer>, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of input) {
    n += c.length;
    if (n > limit) throw new InvalidArgument(`${what} is larger than ${limit / 1024 / 1024} MB`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** The first bytes of a stream, and the whole stream again. */
async function peek(input: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; stream: AsyncIterable<Buffer> }> {
  const it = input[Symbol.asyncIterator]();
  const first: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    first.push(r.value);
    have += r.value.length;
  }
  async function* again() {
    yield* first;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(first), stream: again() };
}

export function isTarHeader(head: Buffer): boolean {
  return head.length >= 263 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

export interface OpenOptions {
  /** The context argument: a directory, or "-" for stdin. */
  context: string;
  /** -f: the Dockerfile (relative to the current directory; inside the tar for "-"); "-" reads it from stdin. */
  file?: string;
  stdin: AsyncIterable<Buffer>;
}

export async function openContext(store: Store, o: OpenOptions): Promise<BuildContext> {
  if (/^(https?|git|ssh):\/\/|^git@/.test(o.context)) {
    throw new InvalidArgument(`the build context must be a directory or - (a tar on stdin); remote contexts such as ${o.context} are not supported`);
  }
  if (o.context === '-') {
    if (o.file === '-') throw new InvalidArgument('stdin cannot be both the context and the Dockerfile');
    const { head, stream } = await peek(await decompress(o.stdin), 512);
    if (!isTarHeader(head)) {
      // Not a tar: stdin is the Dockerfile itself, with no context files.
      if (o.file) throw new InvalidArgument('with a Dockerfile on stdin there is no context to hold the file named by -f');
      const text = (await readAll(stream, MAX_DOCKERFILE, 'the Dockerfile on stdin')).toString('utf8');
      return { dir: null, ignore: new IgnoreMatcher([]), dockerfile: { name: 'Dockerfile', text }, close: async () => {} };
    }
    const dir = await makeTmpDir(store);
    const close = () => rm(dir, { recursive: true, force: true });
    try {
      await applyLayer(stream, dir);
      const name = o.file ?? 'Dockerfile';
      const path = await resolveInRoot(dir, name);
      const text = await readDockerfile(path, name);
      // dockerd's rule for a tar context: the client filtered it already, so
      // .dockerignore only takes itself and the Dockerfile out, when it names them.
      const ignore = await loadIgnore(dir);
      for (const f of ['.dockerignore', posix.normalize(name).replace(/^\/+/, '')])
        if (ignore.excludes(f)) await rm(await resolveInRoot(dir, f, false), { force: true });
      return { dir, ignore: new IgnoreMatcher([]), dockerfile: { name, text }, close };
    } catch (e) {
      await close();
      throw e;
    }
  }
  const dir = resolvePath(o.context);
  const st = await stat(dir).catch(() => null);
  if (!st) throw new NotFound(`unable to prepare context: path "${o.context}" not found`);
  if (!st.isDirectory()) throw new InvalidArgument(`unable to prepare context: "${o.context}" is not a directory`);
  if (o.file === '-') {
    const text = (await readAll(o.stdin, MAX_DOCKERFILE, 'the Dockerfile on stdin')).toString('utf8');
    return { dir, ignore: await loadIgnore(dir), dockerfile: { name: 'Dockerfile', text }, close: async () => {} };
  }
  let name = o.file;
  let path: string;
  if (name) path = resolvePath(name);
  else {
    // Docker falls back to a lower-case "dockerfile".
    path = join(dir, 'Dockerfile');
    if (!existsSync(path) && existsSync(join(dir, 'dockerfile'))) path = join(dir, 'dockerfile');
    name = basename(path); // as BuildKit names it in errors: Dockerfile:3
  }
  const text = await readDockerfile(path, name);
  return { dir, ignore: await loadIgnore(dir, path), dockerfile: { name, text }, close: async () => {} };
}

async function readDockerfile(path: string, name: string): Promise<string> {
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new InvalidArgument(`${name} is a directory, not a Dockerfile`);
    if (st.size > MAX_DOCKERFILE) throw new InvalidArgument(`${name} is larger than ${MAX_DOCKERFILE / 1024 / 1024} MB`);
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`cannot find the Dockerfile ${name}: no such file`);
    throw e;
  }
}

/** <Dockerfile>.dockerignore beside the Dockerfile wins (as BuildKit), else the context's .dockerignore. */
async function loadIgnore(dir: string, dockerfilePath?: string): Promise<IgnoreMatcher> {
  const candidates = [...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []), join(dir, '.dockerignore')];
  for (const c of candidates) {
    try {
      return new IgnoreMatcher(readDockerignore(await readFile(c, 'utf8')));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return new IgnoreMatcher([]);
}

// ---------------------------------------------------------------------------
// Sources

/** One file or directory a COPY source names. */
export interface SourceItem {
  /** The source as written (after expansion), for messages. */
  src: string;
  /** Path relative to the source root. */
  rel: string;
  /** Host path (symlinks followed inside the root for the named path itself). */
  abs: string;
  st: Stats;
}

/** A file under a directory source: path relative to that directory. */
export interface SourceEntry {
  rel: string;
  abs: string;
  st: Stats;
}

/** Normalise a source to a root-relative path; `..` out of the root is refused. */
export function cleanSource(src: string, what: string): string {
  const rel = posix.normalize(src.replace(/^\/+/, '') || '.');
  if (rel === '..' || rel.startsWith('../')) throw new InvalidArgument(`forbidden path outside the ${what}: ${src}`);
  return rel === '.' || rel === './' ? '.' : rel.replace(/\/+$/, '');
}

/**
 * The items a source names under root: one path, or every match of a
 * wildcard (Go's filepath.Match, per path component). ignore applies to the
 * build context only.
 */
export async function selectSources(root: string, src: string, ignore: IgnoreMatcher | null, what: string): Promise<SourceItem[]> {
  const rel = cleanSource(src, what);
  if (!hasMeta(rel)) {
    const abs = rel === '.' ? root : await resolveInRoot(root, rel);
    const st = await lstat(abs).catch(() => null);
    if (!st || (ignore && rel !== '.' && ignore.excludes(rel))) {
      throw new NotFound(`${src}: no such file or directory in the ${what}${ignore && !ignore.empty ? ' (or it is excluded by .dockerignore)' : ''}`);
    }
    return [{ src, rel, abs, st }];
  }
  // Walk only as deep as the pattern goes, matching component by component.
  const parts = rel.split('/');
  let level: Array<{ rel: string; abs: string }> = [{ rel: '', abs: root }];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const next: Array<{ rel: string; abs: string }> = [];
    const re = hasMeta(part) ? patternToRegExp(part) : null;
    for (const d of level) {
      const names = re ? await readdir(d.abs).catch(() => [] as string[]) : [part.replace(/\\(.)/g, '$1')];
      for (const n of names.sort()) {
        if (re && !re.test(n)) continue;
        const r = d.rel ? `${d.rel}/${n}` : n;
        if (ignore && ignore.excludes(r)) continue;
        const abs = join(d.abs, n);
        if (i < parts.length - 1) {
          const st = await stat(abs).catch(() => null);
          if (st?.isDirectory()) next.push({ rel: r, abs });
        } else next.push({ rel: r, abs });
      }
    }
    level = next;
  }
  const out: SourceItem[] = [];
  for (const m of level) {
    // A match that is a symlink is followed, inside the root, as a named path is.
    const abs = await resolveInRoot(root, m.rel);
    const st = await lstat(abs).catch(() => null);
    if (st) out.push({ src, rel: m.rel, abs, st });
  }
  return out;
}

/** Everything under a directory source, sorted, parents first; excluded paths skipped. */
export async function walkSource(item: SourceItem, ignore: IgnoreMatcher | null): Promise<SourceEntry[]> {
  const out: SourceEntry[] = [];
  const walk = async (abs: string, rel: string, ctxRel: string): Promise<boolean> => {
    let any = false;
    for (const n of (await readdir(abs)).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      const cr = ctxRel === '.' ? n : `${ctxRel}/${n}`;
      const a = join(abs, n);
      const st = await lstat(a);
      const excluded = ignore ? ignore.excludes(cr) : false;
      if (st.isDirectory()) {
        if (excluded && !ignore!.hasExclusions) continue;
        const at = out.length;
        out.push({ rel: r, abs: a, st });
        const kept = await walk(a, r, cr);
        // An excluded directory stays only to hold what a ! pattern brought back.
        if (excluded && !kept) out.splice(at, 1);
        else any = true;
      } else if (!excluded) {
        out.push({ rel: r, abs: a, st });
        any = true;
      }
    }
    return any;
  };
  await walk(item.abs, '', item.rel);
  return out;
}

function typeOf(st: Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'file';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return 'other';
}

async function fileDigest(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** One line per file: path, type, permissions, size and content (or link target). Owners and times are left out, as Docker's cache does. */
async function entryLine(rel: string, abs: string, st: Stats): Promise<string> {
  const t = typeOf(st);
  const what = t === 'file' ? await fileDigest(abs) : t === 'symlink' ? await readlink(abs) : t === 'char' || t === 'block' ? String(st.rdev) : '';
  return `${JSON.stringify(rel)} ${t} ${(st.mode & 0o7777).toString(8)} ${t === 'file' ? st.size : 0} ${what}\n`;
}

/** The digest of what a list of sources would copy: content and metadata of every file. */
export async function digestSources(items: SourceItem[], ignore: IgnoreMatcher | null, walked: Map<SourceItem, SourceEntry[]>): Promise<string> {
  const h = createHash('sha256');
  for (const item of items) {
    // The named path itself is followed if it is a symlink (Docker copies what it points to).
    const st = item.st.isSymbolicLink() ? await stat(item.abs).catch(() => item.st) : item.st;
    h.update(`source ${JSON.stringify(item.rel)}\n`);
    if (st.isDirectory()) {
      let entries = walked.get(item);
      if (!entries) walked.set(item, (entries = await walkSource(item, ignore)));
      for (const e of entries) h.update(await entryLine(e.rel, e.abs, e.st));
    } else h.update(await entryLine(basename(item.rel), item.abs, st));
  }
  return h.digest('hex');
}

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}
