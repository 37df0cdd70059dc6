// The only caller of btrfs-progs. Images, layers and containers are
// subvolumes; everything here is O(1) in the size of the tree except send.
// Snapshot, create and delete go straight to their ioctl through
// native/btrfs.node.c where it is built (a `btrfs` start-up saved on each
// create and rm), and fall back to the tool on any failure, so its messages
// and its rules (a snapshot into an existing directory) stay as they were.
import { statfs, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { run, start, type ChildProcess } from '../sys/exec.js';
import { ExecError } from '../errors.js';
import { addon } from '../sys/addon.js';

interface Ioctls {
  snapshot(src: string, dir: string, name: string, readonly: boolean): Promise<void>;
  create(dir: string, name: string): Promise<void>;
  destroy(dir: string, name: string): Promise<void>;
}
/** The ioctl, where the addon is built and the path is one it takes as is; false: use the tool. */
async function viaIoctl(path: string, fn: (n: Ioctls, dir: string, name: string) => Promise<void>): Promise<boolean> {
  const n = addon<Ioctls>('btrfs');
  const name = basename(path);
  if (!n || !name || name === '.' || name === '..') return false;
  return fn(n, dirname(path), name).then(
    () => true,
    () => false,
  );
}

const BTRFS_SUPER_MAGIC = 0x9123683e;
/** The root directory of every subvolume has this inode number. */
const BTRFS_FIRST_FREE_OBJECTID = 256;

export async function isBtrfs(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === BTRFS_SUPER_MAGIC;
  } catch {
    return false;
  }
}

export async function isSubvolume(path: string): Promise<boolean> {
  try {
    const st = await stat(path);
    return st.isDirectory() && st.ino === BTRFS_FIRST_FREE_OBJECTID && (await isBtrfs(path));
  } catch {
    return false;
  }
}

/** mkfs.btrfs -q -f FILE */
export async function mkfs(device: string): Promise<void> {
  await run('mkfs.btrfs', ['-q', '-f', '--', device]);
}

/** btrfs subvolume create PATH */
export async function create(path: string): Promise<void> {
  if (await viaIoctl(path, (n, dir, name) => n.create(dir, name))) return;
  await run('btrfs', ['subvolume', 'create', '--', path]);
}

/** btrfs subvolume snapshot [-r] SRC DST */
export async function snapshot(src: string, dst: string, opts: { readonly: boolean }): Promise<void> {
  // Into an existing directory the tool makes dst/basename(src): leave that to it.
  if (!existsSync(dst) && (await viaIoctl(dst, (n, dir, name) => n.snapshot(src, dir, name, opts.readonly)))) return;
  await run('btrfs', ['subvolume', 'snapshot', ...(opts.readonly ? ['-r'] : []), '--', src, dst]);
}

/** btrfs subvolume delete PATH (no-op when it is already gone) */
export async function remove(path: string): Promise<void> {
  if (await viaIoctl(path, (n, dir, name) => n.destroy(dir, name))) return;
  try {
    await run('btrfs', ['subvolume', 'delete', '--', path]);
  } catch (e) {
    if (e instanceof ExecError && !(await isSubvolume(path))) return;
    throw e;
  }
}

/** btrfs subvolume sync PATH: wait until deleted subvolumes are really gone (space freed). */
export async function syncDeleted(fsPath: string): Promise<void> {
  await run('btrfs', ['subvolume', 'sync', '--', fsPath]);
}

/** btrfs filesystem sync PATH: commit the transaction, so space freed by deletes can be used. */
export async function syncFs(path: string): Promise<void> {
  await run('btrfs', ['filesystem', 'sync', '--', path]);
}

/** btrfs property set -ts PATH ro true|false */
export async function setReadonly(path: string, ro: boolean): Promise<void> {
  await run('btrfs', ['property', 'set', '-ts', '--', path, 'ro', String(ro)]);
}

/**
 * btrfs send [--no-data] [-p PARENT] SUBVOL  — the stream on stdout.
 * Both subvolumes must be read-only. The caller consumes child.stdout and awaits the exit.
 */
export function send(subvol: string, opts: { parent?: string; noData?: boolean }): ChildProcess {
  const args = ['send', '-q'];
  if (opts.noData) args.push('--no-data');
  if (opts.parent) args.push('-p', opts.parent);
  args.push('--', subvol);
  return start('btrfs', args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export type SendStream = Readable;

/** btrfs filesystem usage -b PATH: bytes free on the store. */
export async function freeBytes(path: string): Promise<number> {
  const { stdout } = await run('btrfs', ['filesystem', 'usage', '-b', '--', path]);
  const m = /Free \(estimated\):\s+(\d+)/.exec(stdout);
  return m ? Number(m[1]) : NaN;
}

/**
 * btrfs inspect-internal inode-resolve INO SUBVOL: the names of one inode
 * (hard links), relative to the subvolume. The kernel fills a fixed buffer,
 * so a very large link group may come back incomplete: compare with nlink.
 */
export async function inodePaths(ino: number | bigint, subvol: string): Promise<string[]> {
  const { stdout } = await run('btrfs', ['inspect-internal', 'inode-resolve', '--', String(ino), subvol]);
  const prefix = subvol.replace(/\/+$/, '') + '/';
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => (l.startsWith(prefix) ? l.slice(prefix.length) : l).replace(/^\/+/, ''));
}

/** btrfs --version ("btrfs-progs v6.2") as Docker's btrfs driver reports its build: "Btrfs v6.2"; undefined when unknown. */
export async function buildVersion(): Promise<string | undefined> {
  const { stdout, status } = await run('btrfs', ['--version'], { allowFail: true });
  const v = /v\d[\w.-]*/.exec(stdout)?.[0];
  return status === 0 && v ? `Btrfs ${v}` : undefined;
}
