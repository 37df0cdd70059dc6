// A few MB kept in the store for removals. On a full store, rm and rmi give
// it up first, so their state writes and BTRFS's own metadata updates for the
// delete have room (deleting on BTRFS can need space: moby #27653), and put it
// back afterwards. Real data, not a sparse file: only written blocks free space.
import { statfs, open, rename, stat, unlink } from 'node:fs/promises';
import * as btrfs from '../snapshots/btrfs.js';

export const RESERVE_BYTES = 8 << 20;
/** Below this much free space a removal gives up the reserve before it starts. */
const LOW_SPACE = 64 << 20;

/** Write the reserve if it is missing; a store too full for it goes without until the next removal. */
export async function ensureReserve(path: string): Promise<void> {
  if (((await stat(path).catch(() => undefined))?.size ?? 0) >= RESERVE_BYTES) return;
  const tmp = `${path}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      const zeros = Buffer.alloc(1 << 20);
      for (let n = 0; n < RESERVE_BYTES; n += zeros.length) await fh.write(zeros);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch {
    await unlink(tmp).catch(() => {});
  }
}

/** Delete the reserve and commit, so its space is free now; false if there was none. */
export async function releaseReserve(root: string, path: string): Promise<boolean> {
  try {
    await unlink(path);
  } catch {
    return false;
  }
  await btrfs.syncFs(root).catch(() => {});
  return true;
}

export async function lowOnSpace(root: string): Promise<boolean> {
  const s = await statfs(root).catch(() => undefined);
  return !!s && s.bavail * s.bsize < LOW_SPACE;
}

const isNoSpace = (e: unknown) => (e as NodeJS.ErrnoException)?.code === 'ENOSPC' || /No space left/i.test(String((e as Error)?.message));

/**
 * Run a removal with the reserve's room when the store is (nearly) full: given
 * up before the start when free space is low, or after an ENOSPC, and then
 * fn runs once more (a removal is safe to repeat). The reserve is rewritten afterwards.
 */
export async function withReserve<T>(root: string, path: string, fn: () => Promise<T>): Promise<T> {
  let released = (await lowOnSpace(root)) && (await releaseReserve(root, path));
  try {
    try {
      return await fn();
    } catch (e) {
      if (released || !isNoSpace(e) || !(await releaseReserve(root, path))) throw e;
      released = true;
      return await fn();
    }
  } finally {
    if (released) await ensureReserve(path);
  }
}
