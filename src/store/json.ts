// State as plain JSON files, always written temp-then-rename so a reader never
// sees half a file and a crash never leaves one. Every read takes a schema
// (store/schema.ts): a file that is garbage, empty, null or the wrong shape
// is a CorruptState error naming the file and what is wrong, never a TypeError
// later on.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { tempTag } from './tags.js';
import { dirname, basename, join } from 'node:path';
import { CorruptState } from '../errors.js';
import { parseJsonWith, SchemaError, type Schema } from '../util/schema.js';
import { identify, isAlive } from '../sys/proc.js';

const me = identify(process.pid);

/** A temp file of writeFileAtomic: .<name>.<pid>-<start>-<random>.tmp (older ones: .<name>.<random>.tmp). */
const TEMP = /^\..+\.(?:(\d+)-(\d+)-)?[0-9a-f]{8}\.tmp$/;
/** How old a temp file without its writer's name must be before it counts as a crash's leftover. */
const UNNAMED_TEMP_GRACE_MS = 10 * 60_000;

/**
 * The names in one of the store's small directories, none if it cannot be
 * read. Synchronous: every store open's sweep lists a dozen of them (and,
 * for temp files, every container's directory), and each asynchronous
 * readdir was a round trip through libuv's thread pool.
 */
export function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Remove the temp files in dir whose writer was killed before renaming them into place. */
export async function removeAbandonedTemps(dir: string): Promise<void> {
  for (const n of listNames(dir)) {
    const m = TEMP.exec(n);
    if (!m) continue;
    const p = join(dir, n);
    if (
      m[1]
        ? isAlive({ pid: Number(m[1]), start: Number(m[2]) })
        : Date.now() - ((await stat(p).catch(() => undefined))?.mtimeMs ?? Date.now()) < UNNAMED_TEMP_GRACE_MS
    )
      continue;
    await unlink(p).catch(() => {});
  }
}

/** Where to write path's next content before renaming it into place: named after this process, so removeAbandonedTemps knows it. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${me?.pid}-${me?.start}-${tempTag()}.tmp`);
}

/**
 * How a state file is written. `durable: false` skips the fsync, for files
 * that are made again on every start or live only while a command runs
 * (lxc.conf, mountpoints.json, a lease): a SIGKILL loses nothing either way
 * (the rename is atomic and the page cache survives the process); only a
 * power cut could leave such a file empty, which its reader then reports or
 * rebuilds. An fsync costs ~10 ms on a loopback BTRFS store.
 */
export interface WriteOptions {
  mode?: number;
  durable?: boolean;
}

/** New state files are private to root (0600), as Docker's: they hold environments and commands. */
export async function writeFileAtomic(path: string, data: string | Buffer, modeOrOpts: number | WriteOptions = 0o600): Promise<void> {
  const { mode = 0o600, durable = true } = typeof modeOrOpts === 'number' ? { mode: modeOrOpts } : modeOrOpts;
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      if (durable) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    // A full disk fails the write: leave no half-written temp file behind.
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

export async function writeJson(path: string, value: unknown, opts: WriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n', opts);
}

/** Check JSON text read from `path`; a failure is CorruptState naming the file. */
export function parseState<T>(path: string, text: string, schema: Schema<T>): T {
  try {
    return parseJsonWith(text, schema);
  } catch (e) {
    if (e instanceof SchemaError) throw new CorruptState(path, e.message);
    throw e;
  }
}

/** Read and check a state file. A missing file is the usual ENOENT error. */
export async function readJson<T>(path: string, schema: Schema<T>): Promise<T> {
  return parseState(path, await readFile(path, 'utf8'), schema);
}

/** Read JSON, or return the fallback when the file does not exist (a corrupt one still throws). */
export async function readJsonOr<T, F = T>(path: string, schema: Schema<T>, fallback: F): Promise<T | F> {
  try {
    return await readJson(path, schema);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
}

/**
 * readJsonOr without the thread pool: for reading many small files in a row
 * (every container's record for ps -a), where an async read's four trips
 * through libuv's pool cost far more than the read itself.
 */
export function readJsonOrSync<T, F = T>(path: string, schema: Schema<T>, fallback: F, cache?: TextCache): T | F {
  let text: string | undefined;
  try {
    text = cache ? cache.read(path) : readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return text === undefined ? fallback : parseState(path, text, schema);
}

/**
 * The text of files a long-lived reader reads again and again (the API
 * server's listings: every container's record per request). One stat tells
 * whether the cached text is still the file's: state files are replaced by a
 * rename, so new content comes with a new inode (and size or mtime). The
 * text is parsed and checked at each read as before; only the reads go.
 */
export class TextCache {
  private files = new Map<string, { ino: bigint; size: bigint; mtime: bigint; text: string }>();
  constructor(private readonly max = 8192) {}

  /** The file's text, or undefined when it does not exist. */
  read(path: string): string | undefined {
    const st = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (!st) {
      this.files.delete(path);
      return undefined;
    }
    const hit = this.files.get(path);
    if (hit && hit.ino === st.ino && hit.size === st.size && hit.mtime === st.mtimeNs) return hit.text;
    // Replaced between the stat and the read: the text is newer than the stat, and the next stat differs.
    const text = readFileSync(path, 'utf8');
    if (this.files.size >= this.max) this.files.clear(); // removed containers' entries go too
    this.files.set(path, { ino: st.ino, size: st.size, mtime: st.mtimeNs, text });
    return text;
  }
}

/** Read JSON, or return the fallback when the file is missing or corrupt (for files that can be rebuilt). */
export function readJsonSyncOr<T, F = T>(path: string, schema: Schema<T>, fallback: F): T | F {
  // A missing file is the common case (a container's network file before its first start):
  // asking first costs one syscall, a failed read an exception, which node makes dear.
  if (!existsSync(path)) return fallback;
  try {
    return parseState(path, readFileSync(path, 'utf8'), schema);
  } catch {
    return fallback;
  }
}
