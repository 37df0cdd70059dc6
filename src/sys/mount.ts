// mount(8) and umount(8).
import { readFile } from 'node:fs/promises';
import { run } from './exec.js';

/** mount -o loop -t btrfs FILE DIR  (the loop device gets autoclear, so umount frees it) */
export async function mountLoop(file: string, dir: string): Promise<void> {
  await run('mount', ['-o', 'loop', '-t', 'btrfs', '--', file, dir]);
}

/** mount --bind [-o ro] SRC DST */
export async function bind(src: string, dst: string, readonly = false): Promise<void> {
  await run('mount', ['--bind', '--', src, dst]);
  if (readonly) await run('mount', ['-o', 'remount,bind,ro', '--', dst]);
}

/** umount [-l] DIR */
export async function umount(dir: string, lazy = false): Promise<void> {
  await run('umount', [...(lazy ? ['-l'] : []), '--', dir]);
}

/** Mount points at or below dir, deepest first (so they can be unmounted in order). */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mounts', 'utf8');
  const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => !!p)
    .map(unescape)
    .filter((p) => p === dir || p.startsWith(dir + '/'));
  return points.sort((a, b) => b.length - a.length);
}
