// docker cp in both directions between a container's rootfs and the host, and
// export. A running container can change its rootfs while we work, swapping a
// directory we checked for a symlink to the host (CVE-2018-15664), so:
// - reading (cp out, cp to a tar stream, export) works on a read-only snapshot
//   of the rootfs taken first: atomic, out of the container's reach, so paths
//   resolved in it (securejoin) stay what they were when checked;
// - writing (cp in) walks the live rootfs with directory fds (rootfd.ts): every
//   component is opened relative to the one before and never followed, and
//   each file is made new (O_CREAT|O_EXCL), so no symlink, FIFO or device node
//   the container plants can be written through.
// Neither depends on the container's state, so nothing is frozen, and a
// container the user paused stays paused. Links are copied as links.
import { constants, fchmodSync, fchownSync, futimesSync, lstatSync } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, readdir, readlink, rm, symlink, unlink, type FileHandle } from 'node:fs/promises';
import { applyLayer } from '../../oci/apply.js';
import { basename, join, posix } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Store } from '../../store/store.js';
import { DockerliteError, InvalidArgument, NotFound, SystemError } from '../../errors.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import { Dir, locateInRoot } from '../../oci/rootfd.js';
import { packPaths, walkTree } from '../../oci/pack.js';
import { writeTar } from '../../oci/tar.js';
import { getContainer } from '../../store/containers.js';
import { withFrozen } from './diff.js';
import { randomHex } from '../../store/ids.js';

export interface CopyEnd {
  container?: string;
  path: string;
}

/** "CONTAINER:PATH" or a local path ("-" for a tar stream); a local path with a colon needs ./ before it, as Docker. */
export function parseCopyArg(s: string): CopyEnd {
  if (s.startsWith('/') || s.startsWith('.') || s === '-') return { path: s };
  const i = s.indexOf(':');
  if (i <= 0) return { path: s };
  return { container: s.slice(0, i), path: s.slice(i + 1) || '/' };
}

/** One entry out of a snapshot (src) to the host (dst). */
/** keepOwner (cp -a): the container's uid/gid; otherwise the files are the caller's, as the docker CLI writes them. */
async function copyEntry(src: string, dst: string, warn: (m: string) => void, keepOwner: boolean): Promise<void> {
  const st = await lstat(src);
  if (st.isDirectory()) {
    await mkdir(dst).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    const d = await lstat(dst);
    if (!d.isDirectory()) throw new InvalidArgument(`cannot copy a directory over the non-directory ${basename(dst)}`);
  } else if (st.isSymbolicLink()) {
    await unlink(dst).catch(() => {});
    await symlink(await readlink(src), dst);
  } else if (st.isFile()) {
    const input = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
    const output = await open(dst, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, st.mode & 0o7777).catch(
      async (e: NodeJS.ErrnoException) => {
        await input.close();
        throw e.code === 'ELOOP' ? new InvalidArgument(`refusing to write through a symlink at ${dst}`) : e;
      },
    );
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (!bytesRead) break;
        await output.write(buf, 0, bytesRead);
      }
    } finally {
      await input.close();
      await output.close();
    }
  } else {
    warn(`skipping special file ${src}`);
    return;
  }
  if (keepOwner) await lchown(dst, st.uid, st.gid).catch(() => {});
  if (!st.isSymbolicLink()) await chmod(dst, st.mode & 0o7777);
  await lutimes(dst, st.atime, st.mtime).catch(() => {});
}

/** Copy the tree at src (in a snapshot, never followed) to dst on the host. */
export async function copyTree(src: string, dst: string, warn: (m: string) => void, keepOwner = true): Promise<void> {
  await copyEntry(src, dst, warn, keepOwner);
  if (!(await lstat(src)).isDirectory()) return;
  const walk = async (rel: string): Promise<void> => {
    for (const n of (await readdir(join(src, rel))).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      await copyEntry(join(src, r), join(dst, r), warn, keepOwner);
      if ((await lstat(join(src, r))).isDirectory()) await walk(r);
    }
  };
  await walk('');
}

async function statOrUndef(p: string) {
  return lstat(p).catch(() => undefined);
}

/** Run fn on a read-only snapshot of the container's rootfs (dropped afterwards): nothing the container does meanwhile shows in it. */
function onSnapshot<T>(store: Store, id: string, fn: (root: string) => Promise<T>): Promise<T> {
  return withFrozen(store, store.paths.rootfs(id), fn);
}

/** Container -> host. With follow (-L), a symlink named as the source is followed (inside the container). */
export async function copyFromContainer(
  store: Store,
  from: CopyEnd,
  to: string,
  o: { follow?: boolean; warn?: (m: string) => void; archive?: boolean } = {},
): Promise<void> {
  const c = await getContainer(store, from.container!);
  await onSnapshot(store, c.id, async (rootfs) => {
    const src = await resolveInRoot(rootfs, from.path, !!o.follow);
    const st = await statOrUndef(src);
    if (!st) throw new NotFound(`no such file or directory in container ${c.name}: ${from.path}`);
    const contentsOnly = /\/\.$/.test(from.path);
    const d = await statOrUndef(to);
    let base: string;
    if (d?.isDirectory() && !contentsOnly) base = join(to, basename(posix.normalize(from.path)) || 'rootfs');
    else if (!d && to.endsWith('/') && !st.isDirectory()) throw new InvalidArgument(`destination directory ${to} does not exist`);
    else base = to;
    await copyTree(src, base, o.warn ?? (() => {}), !!o.archive);
  });
}

/** Host -> container: the destination is walked with directory fds (rootfd.ts), never by a path the container could change. */
export async function copyToContainer(store: Store, from: string, to: CopyEnd, o: { warn?: (m: string) => void } = {}): Promise<void> {
  const c = await getContainer(store, to.container!);
  const rootfs = store.paths.rootfs(c.id);
  const warn = o.warn ?? (() => {});
  const st = await statOrUndef(from);
  if (!st) throw new NotFound(`no such file or directory: ${from}`);
  const contentsOnly = /\/\.$/.test(from);
  const where = `container ${c.name}`;
  try {
    const dest = locateInRoot(rootfs, to.path, true, where);
    try {
      const d = lstatSync(dest.dir.at(dest.name), { throwIfNoEntry: false });
      if (d?.isDirectory()) {
        // Into the directory (or, for SRC/., onto it).
        if (contentsOnly) return await copyIn(from, dest.dir, dest.name, warn);
        const into = dest.dir.open(dest.name);
        try {
          return await copyIn(from, into, basename(from), warn);
        } finally {
          into.close();
        }
      }
      if (!d && to.path.endsWith('/') && !st.isDirectory()) throw new InvalidArgument(`destination directory ${to.path} does not exist in ${where}`);
    } finally {
      dest.dir.close();
    }
    // Onto the path itself: its last component is not followed (a symlink there is replaced, not written through).
    const onto = locateInRoot(rootfs, to.path, false, where);
    try {
      await copyIn(from, onto.dir, onto.name, warn);
    } finally {
      onto.dir.close();
    }
  } catch (e) {
    // Errors of calls on /proc/self/fd/N paths would name those: name the container's path instead.
    const err = e as NodeJS.ErrnoException;
    if (e instanceof DockerliteError || !err.code || ['ENOSPC', 'EACCES', 'EPERM'].includes(err.code)) throw e;
    throw new SystemError(`cannot copy ${from} to ${to.path} in ${where}: ${err.message.split(',')[0]}`);
  }
}

/** Copy the host tree at src to name in dir (inside a container), through fds only. */
async function copyIn(src: string, dir: Dir, name: string, warn: (m: string) => void): Promise<void> {
  const st = await lstat(src);
  const dst = dir.at(name);
  if (st.isDirectory()) {
    await mkdir(dst).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    let sub: Dir;
    try {
      sub = dir.open(name);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') throw new InvalidArgument(`cannot copy a directory over the non-directory ${name}`);
      throw e;
    }
    try {
      for (const n of (await readdir(src)).sort()) await copyIn(join(src, n), sub, n, warn);
      // After the entries, which would change its times.
      try {
        fchownSync(sub.fd, st.uid, st.gid);
      } catch {
        // as for files: keep going with root's ownership
      }
      fchmodSync(sub.fd, st.mode & 0o7777);
      futimesSync(sub.fd, st.atime, st.mtime);
    } finally {
      sub.close();
    }
  } else if (st.isSymbolicLink()) {
    await unlink(dst).catch(() => {});
    await symlink(await readlink(src), dst);
    await lchown(dst, st.uid, st.gid).catch(() => {});
    await lutimes(dst, st.atime, st.mtime).catch(() => {});
  } else if (st.isFile()) {
    const output = await createNew(dir, name, st.mode & 0o7777);
    const input = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW).catch(async (e) => {
      await output.close();
      throw e;
    });
    try {
      const buf = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (!bytesRead) break;
        await output.write(buf, 0, bytesRead);
      }
      await output.chown(st.uid, st.gid).catch(() => {});
      await output.chmod(st.mode & 0o7777);
      await output.utimes(st.atime, st.mtime).catch(() => {});
    } finally {
      await input.close();
      await output.close();
    }
  } else warn(`skipping special file ${src}`);
}

/**
 * A new regular file name in dir, replacing what was there. O_EXCL makes sure
 * it is ours: never a symlink, FIFO or device node planted there meanwhile.
 */
async function createNew(dir: Dir, name: string, mode: number): Promise<FileHandle> {
  for (let tries = 0; ; tries++) {
    try {
      return await open(dir.at(name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || tries >= 10) throw e;
    }
    await unlink(dir.at(name)).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EISDIR') throw new InvalidArgument(`cannot copy a file over the directory ${name}`);
      if (e.code !== 'ENOENT') throw e;
    });
  }
}

/** Container -> tar stream (cp CONTAINER:PATH -), written to out. */
export async function tarFromContainer(store: Store, from: CopyEnd, out: Writable): Promise<void> {
  const c = await getContainer(store, from.container!);
  await onSnapshot(store, c.id, async (rootfs) => {
    const src = await resolveInRoot(rootfs, from.path, false);
    const st = await statOrUndef(src);
    if (!st) throw new NotFound(`no such file or directory in container ${c.name}: ${from.path}`);
    const parent = posix.dirname(src);
    const name = basename(src);
    const paths = [name, ...(st.isDirectory() ? (await walkTree(src)).map((p) => `${name}/${p}`) : [])];
    await pipeline(writeTar(packPaths(parent, paths)), out);
  });
}

/** The whole rootfs as a tar stream (export), written to out. */
export async function exportContainer(store: Store, query: string, out: Writable): Promise<void> {
  const c = await getContainer(store, query);
  await onSnapshot(store, c.id, async (rootfs) => {
    await pipeline(writeTar(packPaths(rootfs, await walkTree(rootfs))), out);
  });
}

/** What Docker's archive endpoints report of a path in a container (X-Docker-Container-Path-Stat): Go's FileMode bits. */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode type bits, as dockerd encodes them. */
const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  pipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  char: 2 ** 21,
  sticky: 2 ** 20,
};

/** Stat a path in a container (the last component not followed), for the API's archive HEAD/GET. */
export async function statInContainer(store: Store, query: string, path: string): Promise<PathStat> {
  const c = await getContainer(store, query);
  return onSnapshot(store, c.id, async (rootfs) => {
    const p = await resolveInRoot(rootfs, path, false);
    const st = await statOrUndef(p);
    if (!st) throw new NotFound(`Could not find the file ${path} in container ${c.name}`);
    let mode = st.mode & 0o777;
    if (st.mode & 0o4000) mode += GO_MODE.setuid;
    if (st.mode & 0o2000) mode += GO_MODE.setgid;
    if (st.mode & 0o1000) mode += GO_MODE.sticky;
    if (st.isDirectory()) mode += GO_MODE.dir;
    else if (st.isSymbolicLink()) mode += GO_MODE.symlink;
    else if (st.isFIFO()) mode += GO_MODE.pipe;
    else if (st.isSocket()) mode += GO_MODE.socket;
    else if (st.isCharacterDevice()) mode += GO_MODE.device + GO_MODE.char;
    else if (st.isBlockDevice()) mode += GO_MODE.device;
    const linkTarget = st.isSymbolicLink() ? await readlink(p) : '';
    return { name: basename(posix.normalize(path)) || '/', size: st.size, mode, mtime: st.mtime.toISOString(), linkTarget };
  });
}

/**
 * A tar stream extracted into a directory of a container (the API's PUT archive,
 * `docker cp - CONTAINER:DIR`): unpacked safely into a scratch directory first,
 * then copied in through fds as cp does.
 */
export async function untarToContainer(
  store: Store,
  query: string,
  dir: string,
  input: AsyncIterable<Buffer>,
  o: { warn?: (m: string) => void } = {},
): Promise<void> {
  const c = await getContainer(store, query);
  const st = await statInContainer(store, c.id, dir);
  if (!(st.mode & GO_MODE.dir)) throw new InvalidArgument(`extraction point ${dir} in container ${c.name} is not a directory`);
  const scratch = join(store.paths.tmp, `untar-${randomHex(8)}`);
  await mkdir(scratch, { mode: 0o700 });
  try {
    await applyLayer(input, scratch);
    await copyToContainer(store, `${scratch}/.`, { container: c.id, path: dir }, o);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
