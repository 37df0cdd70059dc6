// COPY and ADD into a step's scratch rootfs, with Docker's rules:
//   - a directory source copies its contents, not itself;
//   - a destination ending in / (or ".") is a directory; so is one that
//     already exists as a directory; otherwise a file source is written at it;
//   - several sources need a directory destination;
//   - missing parent directories are made; a relative destination is under WORKDIR;
//   - files keep their permissions and times, owned by root (or --chown),
//     with --chmod replacing the permissions;
//   - ADD extracts local tar archives (plain, gzip, bzip2, xz, zstd).
// Every destination path is resolved inside the rootfs (securejoin), and the
// last component is always replaced rather than followed, so nothing written
// here can land outside it, whatever symlinks the image holds.
import { constants as C, createReadStream, type Stats } from 'node:fs';
import { chmod, chown, copyFile, lchown, link, lstat, lutimes, mkdir, readlink, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import { resolveInRoot } from '../../oci/securejoin.js';
import { applyLayer } from '../../oci/apply.js';
import { decompress } from '../../oci/compression.js';
import { mknod } from '../../sys/mknod.js';
import { InvalidArgument } from '../../errors.js';
import { resolveUser } from '../container/spec/user.js';
import { isTarHeader, walkSource, type SourceEntry, type SourceItem } from './context.js';
import type { IgnoreMatcher } from './dockerignore.js';

export interface Owner {
  uid: number;
  gid: number;
}

/** What one COPY/ADD copies, in order. */
export type CopySource =
  | { kind: 'item'; item: SourceItem; ignore: IgnoreMatcher | null; entries?: SourceEntry[] }
  /** A heredoc, or a downloaded URL: content under a file name. */
  | { kind: 'data'; name: string; path?: string; data?: Buffer; mode: number; mtime?: Date };

export interface CopyOptions {
  rootfs: string;
  /** The destination, absolute (see destination()). */
  dest: { path: string; isDir: boolean };
  owner: Owner;
  /** --chmod, as a number. */
  mode?: number;
  /** ADD: extract local archives. */
  extract?: boolean;
  /** COPY --from without --chown: what is copied keeps its uid and gid, as in Docker (new parent directories are still the owner's). */
  keepOwner?: boolean;
}

/** Docker's --chown: user[:group], names looked up in the destination's /etc/passwd and /etc/group. */
export async function resolveChown(rootfs: string, spec: string | undefined): Promise<Owner> {
  if (!spec) return { uid: 0, gid: 0 };
  const [user, group] = spec.split(':', 2);
  const u = await resolveUser(rootfs, user);
  // Without a group, Docker uses the uid as the gid.
  if (group === undefined || group === '') return { uid: u.uid, gid: u.uid };
  const g = await resolveUser(rootfs, `${u.uid}:${group}`);
  return { uid: u.uid, gid: g.gid };
}

/** The absolute in-image destination: relative ones under WORKDIR; "." and a trailing / mean a directory. */
export function destination(dest: string, workdir: string): { path: string; isDir: boolean } {
  const isDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.') || dest === '..' || dest.endsWith('/..');
  const abs = posix.resolve('/', workdir || '/', dest);
  return { path: abs, isDir };
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  return lstat(p).catch(() => null);
}

/** mkdir -p inside the rootfs; new directories get 0755 and the owner. Returns the host path. */
export async function makeDirs(rootfs: string, path: string, owner: Owner): Promise<string> {
  let host = rootfs;
  let cur = '/';
  for (const part of path.split('/').filter(Boolean)) {
    cur = posix.join(cur, part);
    host = await resolveInRoot(rootfs, cur);
    const st = await lstatOrNull(host);
    if (st?.isDirectory()) continue;
    if (st) throw new InvalidArgument(`cannot make directory ${cur}: a file of that name exists in the image`);
    await mkdir(host, { mode: 0o755 });
    await chmod(host, 0o755);
    await chown(host, owner.uid, owner.gid);
  }
  return host;
}

export async function copyInto(sources: CopySource[], o: CopyOptions): Promise<void> {
  const { rootfs } = o;
  const destHost = await resolveInRoot(rootfs, o.dest.path);
  const destSt = await stat(destHost).catch(() => null);
  const intoDir = o.dest.isDir || !!destSt?.isDirectory();
  const dirTimes: Array<[string, Date]> = [];
  const links = new Map<string, string>();

  for (const s of sources) {
    if (s.kind === 'data') {
      const target = intoDir ? posix.join(o.dest.path, s.name) : o.dest.path;
      await makeDirs(rootfs, posix.dirname(target), o.owner);
      const host = await placeFor(rootfs, target);
      if (s.path) await copyFile(s.path, host);
      else await writeFile(host, s.data ?? Buffer.alloc(0), { flag: 'wx' });
      await chown(host, o.owner.uid, o.owner.gid);
      await chmod(host, o.mode ?? s.mode);
      if (s.mtime) await utimes(host, s.mtime, s.mtime);
      continue;
    }
    const item = s.item;
    const st = item.st;
    if (st.isDirectory()) {
      await makeDirs(rootfs, o.dest.path, o.owner);
      const entries = s.entries ?? (await walkSource(item, s.ignore));
      for (const e of entries) await copyEntry(posix.join(o.dest.path, e.rel), e.abs, e.st);
      continue;
    }
    if (o.extract && st.isFile() && (await isArchive(item.abs))) {
      const dir = await makeDirs(rootfs, o.dest.path, o.owner);
      await applyLayer(await decompress(createReadStream(item.abs) as AsyncIterable<Buffer>), dir);
      continue;
    }
    const target = intoDir ? posix.join(o.dest.path, basename(item.rel === '.' ? item.abs : item.rel)) : o.dest.path;
    await makeDirs(rootfs, posix.dirname(target), o.owner);
    await copyEntry(target, item.abs, st);
  }
  for (const [p, t] of dirTimes.reverse()) await utimes(p, t, t).catch(() => {});

  /** Copy one file, link or directory (not its contents) to an in-image path. */
  async function copyEntry(target: string, src: string, st: Stats): Promise<void> {
    const mode = o.mode ?? st.mode & 0o7777;
    const owner = o.keepOwner ? { uid: st.uid, gid: st.gid } : o.owner;
    if (st.isDirectory()) {
      const host = await resolveInRoot(rootfs, target);
      const cur = await lstatOrNull(host);
      if (cur?.isDirectory()) return; // an existing directory keeps its owner and mode
      if (cur) await unlink(host);
      await mkdir(host);
      await chown(host, owner.uid, owner.gid);
      await chmod(host, mode);
      dirTimes.push([host, st.mtime]);
      return;
    }
    const host = await placeFor(rootfs, target);
    if (st.isSymbolicLink()) {
      await symlink(await readlink(src), host);
      await lchown(host, owner.uid, owner.gid);
      await lutimes(host, st.mtime, st.mtime);
      return;
    }
    if (st.isFile()) {
      // Hard links within one COPY stay hard links.
      const id = `${st.dev}:${st.ino}`;
      const first = st.nlink > 1 ? links.get(id) : undefined;
      if (first) {
        await link(first, host);
        return;
      }
      // A reflink (copy-on-write clone) when source and rootfs share the BTRFS store.
      await copyFile(src, host, C.COPYFILE_FICLONE);
      if (st.nlink > 1) links.set(id, host);
    } else if (st.isFIFO() || st.isCharacterDevice() || st.isBlockDevice()) {
      const kind = st.isFIFO() ? 'p' : st.isBlockDevice() ? 'b' : 'c';
      await mknod(host, kind, mode, Math.floor(st.rdev / 256) & 0xfff, (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00));
    } else return; // sockets cannot be copied
    await chown(host, owner.uid, owner.gid);
    await chmod(host, mode); // after chown, which clears setuid bits
    await utimes(host, st.mtime, st.mtime);
  }
}

/**
 * The host path to create an in-image path at: the parent resolved inside
 * the rootfs, the last component cleared (never followed).
 */
async function placeFor(rootfs: string, target: string): Promise<string> {
  const parent = await resolveInRoot(rootfs, posix.dirname(target));
  const host = join(parent, posix.basename(target));
  const cur = await lstatOrNull(host);
  if (cur?.isDirectory()) throw new InvalidArgument(`cannot copy a file to ${target}: it is a directory in the image`);
  if (cur) await rm(host, { force: true });
  return host;
}

/** Is this file a tar archive, compressed or not? (ADD extracts those.) */
export async function isArchive(path: string): Promise<boolean> {
  try {
    const stream = await decompress(createReadStream(path, { end: 1 << 20 }) as AsyncIterable<Buffer>);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of stream) {
      chunks.push(c);
      n += c.length;
      if (n >= 512) break;
    }
    return isTarHeader(Buffer.concat(chunks));
  } catch {
    return false;
  }
}
