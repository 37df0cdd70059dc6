// Cross-process locks for shared mutations (names, tags, layers, addresses).
// A lock is a file created with O_EXCL holding its owner's pid and start
// time; a lock whose owner is gone is stale and is taken over.
import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Conflict } from '../errors.js';
import { identify, isAlive, sleep } from '../sys/proc.js';

const me = identify(process.pid);

async function tryCreate(path: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx');
    await fh.writeFile(`${me?.pid} ${me?.start}\n`);
    await fh.close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

async function isStale(path: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return false; // gone already: just retry
  }
  const [pid, start] = text.trim().split(' ').map(Number);
  // An empty file is a lock being written this instant, not a stale one.
  if (!pid) return false;
  return !isAlive({ pid, start });
}

/** Run fn while holding the named lock in dir. */
export async function withLock<T>(dir: string, name: string, fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const path = join(dir, `${name}.lock`);
  const deadline = Date.now() + timeoutMs;
  let delay = 2;
  for (;;) {
    if (await tryCreate(path)) break;
    if (await isStale(path)) {
      // Only one process may take a stale lock over: it must win the guard first.
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
