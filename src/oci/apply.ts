// Apply a layer tar to a rootfs with full fidelity: owners, modes, times,
// symlinks, hardlinks, device nodes, xattrs, and the image spec's whiteouts.
//
// Every path in the archive is untrusted. Parent directories are resolved
// inside the rootfs (securejoin), `..` may not climb out of it, and the final
// component is always replaced, never opened through, so no entry can write
// outside the rootfs it targets.
import { constants as C, type Stats } from 'node:fs';
import { open, lstat, mkdir, rm, unlink, symlink, link, chown, lchown, chmod, utimes, lutimes, readdir } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { readTar, type TarHeader } from './tar.js';
import { cleanRelative, resolveInRoot } from './securejoin.js';
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

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await lstat(p);
  } catch {
    return null;
  }
}

/** Make room at host path p. Returns true when an existing directory was kept (dir over dir). */
async function clear(p: string, keepDir: boolean): Promise<boolean> {
  const st = await lstatOrNull(p);
  if (!st) return false;
  if (st.isDirectory() && keepDir) return true;
  if (st.isDirectory()) await rm(p, { recursive: true, force: true });
  else await unlink(p);
  return false;
}

export async function applyLayer(input: AsyncIterable<Buffer>, root: string): Promise<ApplyStats> {
  const stats: ApplyStats = { entries: 0, bytes: 0 };
  // Paths this layer made: whiteouts and opaque markers only hide lower layers.
  const made = new Set<string>();
  // Directory times are set last, since adding children changes them.
  const dirTimes: Array<[string, number]> = [];

  for await (const { header: h, body } of readTar(input)) {
    stats.entries++;
    const rel = cleanRelative(h.name, 'layer entry');
    const name = basename(rel);
    const parent = await resolveInRoot(root, dirname(rel) === '.' ? '' : dirname(rel), true);

    if (name === OPAQUE_MARKER) {
      for (const child of await readdir(parent).catch(() => [] as string[])) {
        const p = join(parent, child);
        if (!made.has(p)) await rm(p, { recursive: true, force: true });
      }
      continue;
    }
    if (name.startsWith(WHITEOUT_PREFIX)) {
      const p = join(parent, name.slice(WHITEOUT_PREFIX.length));
      if (!made.has(p)) await rm(p, { recursive: true, force: true });
      continue;
    }

    const target = rel === '' ? root : join(parent, name);
    if (rel !== '') await mkdir(parent, { recursive: true });
    await applyEntry(h, target, body);
    made.add(target);
    if (h.type === 'file') stats.bytes += h.size;
    if (h.type === 'dir') dirTimes.push([target, h.mtime]);
  }
  for (const [p, t] of dirTimes.reverse()) await utimes(p, t, t);
  return stats;

  async function applyEntry(h: TarHeader, target: string, body: AsyncIterable<Buffer>): Promise<void> {
    switch (h.type) {
      case 'dir':
        if (!(await clear(target, true))) await mkdir(target);
        await chown(target, h.uid, h.gid);
        await chmod(target, h.mode);
        break;
      case 'file': {
        await clear(target, false);
        const fh = await open(target, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of body) await fh.write(chunk);
          await fh.chown(h.uid, h.gid);
          await fh.chmod(h.mode); // after chown, which clears setuid bits
        } finally {
          await fh.close();
        }
        break;
      }
      case 'symlink':
        await clear(target, false);
        await symlink(h.linkname, target);
        await lchown(target, h.uid, h.gid);
        break;
      case 'link': {
        const from = await resolveInRoot(root, cleanRelative(h.linkname, 'hard link target'), false);
        const st = await lstatOrNull(from);
        if (!st) throw new InvalidArgument(`layer entry '${h.name}' links to '${h.linkname}', which is not in the rootfs`);
        if (st.isDirectory()) throw new InvalidArgument(`layer entry '${h.name}' is a hard link to a directory`);
        if (from === target) return;
        await clear(target, false);
        await link(from, target);
        return; // a hard link shares its target's metadata
      }
      case 'char':
      case 'block':
      case 'fifo':
        await clear(target, false);
        await mknod(target, h.type === 'fifo' ? 'p' : h.type === 'block' ? 'b' : 'c', h.mode, h.devmajor, h.devminor);
        await chown(target, h.uid, h.gid);
        await chmod(target, h.mode);
        break;
    }
    // xattrs come after chown, which would clear security.capability.
    for (const [k, v] of h.xattrs) await xattr.set(target, k, v);
    if (h.type === 'symlink') await lutimes(target, h.mtime, h.mtime);
    else if (h.type !== 'dir') await utimes(target, h.mtime, h.mtime);
  }
}
