// Apply a layer tar to a rootfs with full fidelity: owners, modes, times,
// symlinks, hardlinks, device nodes, xattrs, and the image spec's whiteouts.
//
// Every path in the archive is untrusted. Parent directories are resolved
// inside the rootfs (securejoin), `..` may not climb out of it, and the final
// component is always replaced, never opened through, so no entry can write
// outside the rootfs it targets.
//
// Speed: a layer is thousands of small files, so the per-entry file system
// calls are synchronous (a syscall each, rather than a round trip through
// the thread pool), and resolved parent directories are remembered until
// anything is removed (only a removal can turn a directory into a symlink).
import {
  constants as C,
  type Stats,
  lstatSync,
  mkdirSync,
  rmSync,
  unlinkSync,
  symlinkSync,
  linkSync,
  chownSync,
  lchownSync,
  chmodSync,
  utimesSync,
  lutimesSync,
  readdirSync,
  openSync,
  writeSync,
  closeSync,
  fchownSync,
  fchmodSync,
  futimesSync,
} from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { readTar, type TarHeader } from './tar.js';
import { cleanRelative, resolveInRootSync } from './securejoin.js';
import { InvalidArgument } from '../errors.js';
import * as xattr from '../sys/xattr.js';
import { mknod } from '../sys/mknod.js';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

export interface ApplyStats {
  entries: number;
  /** Sum of regular file sizes written. */
  bytes: number;
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

export async function applyLayer(input: AsyncIterable<Buffer>, root: string): Promise<ApplyStats> {
  const stats: ApplyStats = { entries: 0, bytes: 0 };
  // Paths this layer made: whiteouts and opaque markers only hide lower layers.
  const made = new Set<string>();
  // Directory times are set last, since adding children changes them.
  const dirTimes: Array<[string, number]> = [];
  // Parent directory (as named in the archive) -> its real directory in the rootfs.
  const dirs = new Map<string, string>();

  const remove = (p: string) => {
    dirs.clear();
    rmSync(p, { recursive: true, force: true });
  };
  /** Make room at host path p. Returns true when an existing directory was kept (dir over dir). */
  const clear = (p: string, keepDir: boolean): boolean => {
    const st = lstatOrNull(p);
    if (!st) return false;
    if (st.isDirectory() && keepDir) return true;
    if (st.isDirectory()) remove(p);
    else {
      dirs.clear();
      unlinkSync(p);
    }
    return false;
  };
  const parentOf = (relDir: string): string => {
    const hit = dirs.get(relDir);
    if (hit !== undefined) return hit;
    const host = resolveInRootSync(root, relDir, true);
    if (relDir !== '') {
      const st = lstatOrNull(host);
      if (!st) mkdirSync(host, { recursive: true });
      else if (!st.isDirectory()) throw new InvalidArgument(`layer entry under '${relDir}': that path is not a directory`);
    }
    dirs.set(relDir, host);
    return host;
  };

  for await (const { header: h, body } of readTar(input)) {
    stats.entries++;
    const rel = cleanRelative(h.name, 'layer entry');
    const name = basename(rel);
    const relDir = dirname(rel) === '.' ? '' : dirname(rel);

    if (name === OPAQUE_MARKER) {
      const parent = resolveInRootSync(root, relDir, true);
      let children: string[] = [];
      try {
        children = readdirSync(parent);
      } catch {
        // nothing below to hide
      }
      for (const child of children) {
        const p = join(parent, child);
        if (!made.has(p)) remove(p);
      }
      continue;
    }
    if (name.startsWith(WHITEOUT_PREFIX)) {
      const p = join(resolveInRootSync(root, relDir, true), name.slice(WHITEOUT_PREFIX.length));
      if (!made.has(p)) remove(p);
      continue;
    }

    const target = rel === '' ? root : join(parentOf(relDir), name);
    await applyEntry(h, target, body);
    made.add(target);
    if (h.type === 'file') stats.bytes += h.size;
    if (h.type === 'dir') {
      dirTimes.push([target, h.mtime]);
      dirs.set(rel, target);
    }
  }
  for (const [p, t] of dirTimes.reverse()) utimesSync(p, t, t);
  return stats;

  async function applyEntry(h: TarHeader, target: string, body: AsyncIterable<Buffer>): Promise<void> {
    switch (h.type) {
      case 'dir':
        if (!clear(target, true)) mkdirSync(target);
        chownSync(target, h.uid, h.gid);
        chmodSync(target, h.mode);
        break;
      case 'file': {
        const flags = C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
        let fd: number;
        try {
          fd = openSync(target, flags, 0o600);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          clear(target, false);
          fd = openSync(target, flags, 0o600);
        }
        try {
          for await (const chunk of body) {
            for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off);
          }
          fchownSync(fd, h.uid, h.gid);
          fchmodSync(fd, h.mode); // after chown, which clears setuid bits
          // xattrs come after chown, which would clear security.capability.
          if (h.xattrs.size) for (const [k, v] of h.xattrs) await xattr.set(target, k, v);
          futimesSync(fd, h.mtime, h.mtime);
        } finally {
          closeSync(fd);
        }
        return;
      }
      case 'symlink':
        clear(target, false);
        symlinkSync(h.linkname, target);
        lchownSync(target, h.uid, h.gid);
        break;
      case 'link': {
        const from = resolveInRootSync(root, cleanRelative(h.linkname, 'hard link target'), false);
        const st = lstatOrNull(from);
        if (!st) throw new InvalidArgument(`layer entry '${h.name}' links to '${h.linkname}', which is not in the rootfs`);
        if (st.isDirectory()) throw new InvalidArgument(`layer entry '${h.name}' is a hard link to a directory`);
        if (from === target) return;
        clear(target, false);
        linkSync(from, target);
        return; // a hard link shares its target's metadata
      }
      case 'char':
      case 'block':
      case 'fifo':
        clear(target, false);
        await mknod(target, h.type === 'fifo' ? 'p' : h.type === 'block' ? 'b' : 'c', h.mode, h.devmajor, h.devminor);
        chownSync(target, h.uid, h.gid);
        chmodSync(target, h.mode);
        break;
    }
    // xattrs come after chown, which would clear security.capability.
    for (const [k, v] of h.xattrs) await xattr.set(target, k, v);
    if (h.type === 'symlink') lutimesSync(target, h.mtime, h.mtime);
    else if (h.type !== 'dir') utimesSync(target, h.mtime, h.mtime);
  }
}
