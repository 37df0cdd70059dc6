// Cross-process locks for shared mutations (names, tags, layers, addresses).
// A lock is a file holding its owner's pid and start time; a lock whose owner
// is gone is stale and is taken over. It is written in full under a private
// name first and then hard-linked into place (link(2) fails if the name
// exists), so a lock is never seen half-made, even if its owner is killed.
import { link, readFile, stat, unlink, mkdir, writeFile } from 'node:fs/promises';
import { tempTag } from './tags.js';
import { listNames } from './json.js';
import { join } from 'node:path';
import { Conflict, SystemError } from '../errors.js';
import { identify, isAlive, sleep } from '../sys/proc.js';

const me = identify(process.pid);

async function tryCreate(path: string): Promise<boolean> {
  // Named after its writer, so a crash's leftover is recognised (sweepLocks).
  const tmp = `${path}.${me?.pid}-${me?.start}.${tempTag()}`;
  try {
    await writeFile(tmp, `${me?.pid} ${me?.start}\n`, { flag: 'wx' });
    await link(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A full store: fail now, with the reason, rather than wait for a lock no one can write.
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') {
      throw new SystemError(`no space left on the store to take a lock (${path}); free space with rm or rmi, or grow DOCKERLITE_LOOPSIZE`);
    }
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** How long an unreadable (empty or garbled) lock file may stand before it counts as stale. */
const UNREADABLE_GRACE_MS = 2_000;

async function isStale(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false; // gone already: just retry
  }
  const [pid, start] = text.trim().split(' ').map(Number);
  // Our locks are never empty; an empty or garbled one was left by an older
  // dockerlite killed while writing it, or by a full disk. Give it a moment, then take it.
  if (!pid) {
    const st = await stat(path).catch(() => undefined);
    return !!st && Date.now() - st.mtimeMs > UNREADABLE_GRACE_MS;
  }
  return !isAlive({ pid, start });
}

/** Remove a lock found stale; only one process may do it: it must win the guard first. */
async function dropStale(path: string): Promise<void> {
  const guard = `${path}.steal`;
  if (await tryCreate(guard)) {
    try {
      if (await isStale(path)) await unlink(path).catch(() => {});
    } finally {
      await unlink(guard).catch(() => {});
    }
  } else if (await isStale(guard)) {
    await unlink(guard).catch(() => {});
  }
}

/**
 * Remove what killed lock holders left in dir: locks (and steal guards) whose
 * owner is gone, and the private files a lock is written under first (named
 * after their writer; the older pid-only names once that pid is gone).
 */
export async function sweepLocks(dir: string): Promise<void> {
  for (const n of listNames(dir)) {
    const p = join(dir, n);
    const tmp = /\.lock(?:\.steal)?\.(\d+)(?:-(\d+))?\.[0-9a-f]{8}$/.exec(n);
    if (tmp) {
      const pid = Number(tmp[1]);
      const gone = tmp[2] ? !isAlive({ pid, start: Number(tmp[2]) }) : !identify(pid);
      if (gone) await unlink(p).catch(() => {});
    } else if (n.endsWith('.lock') && (await isStale(p))) {
      await dropStale(p);
    } else if (n.endsWith('.lock.steal') && (await isStale(p))) {
      await unlink(p).catch(() => {});
    }
  }
}

/** Run fn while holding the named lock in dir. */
export async function withLock<T>(dir: string, name: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const path = join(dir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    if (await tryCreate(path)) break;
    if (await isStale(path)) {
      await dropStale(path);
      continue;
    }
    if (Date.now() > deadline) throw new Conflict(`timed out waiting for the ${name} lock (${path}); another dockerlite is busy`);
    await sleep(delay);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    await unlink(path).catch(() => {});
  }
}

export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}
