// docker cp in both directions between a container's rootfs and the host.
// Paths in the container are resolved as the container would see them
// (securejoin), so a symlink in the container can never lead a read or a
// write outside its rootfs; the copy itself never follows a symlink (links
// are copied as links), and each file is created with O_NOFOLLOW.
import { constants } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, readdir, readlink, symlink, unlink } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Store } from '../../store/store.js';
import { InvalidArgument, NotFound } from '../../errors.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import { packPaths, walkTree } from '../../oci/pack.js';
import { writeTar } from '../../oci/tar.js';
import { getContainer } from '../../store/containers.js';

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

/** Where each entry of a copy goes: a function from the relative path inside the copied tree to a host path to write. */
type Target = (rel: string) => Promise<string>;

async function copyEntry(src: string, dst: string, warn: (m: string) => void): Promise<void> {
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
  await lchown(dst, st.uid, st.gid).catch(() => {});
  if (!st.isSymbolicLink()) await chmod(dst, st.mode & 0o7777);
  await lutimes(dst, st.atime, st.mtime).catch(() => {});
}

/** Copy the tree at src (a host path, never followed) to wherever target maps each relative path. */
async function copyTree(src: string, target: Target, warn: (m: string) => void): Promise<void> {
  await copyEntry(src, await target(''), warn);
  if (!(await lstat(src)).isDirectory()) return;
  const walk = async (rel: string): Promise<void> => {
    for (const n of (await readdir(join(src, rel))).sort()) {
      const r = rel ? `${rel}/${n}` : n;
      await copyEntry(join(src, r), await target(r), warn);
      if ((await lstat(join(src, r))).isDirectory()) await walk(r);
    }
  };
  await walk('');
}

async function statOrUndef(p: string) {
  return lstat(p).catch(() => undefined);
}

/** Container -> host. With follow (-L), a symlink named as the source is followed (inside the container). */
export async function copyFromContainer(store: Store, from: CopyEnd, to: string, o: { follow?: boolean; warn?: (m: string) => void } = {}): Promise<void> {
  const c = await getContainer(store, from.container!);
  const rootfs = store.paths.rootfs(c.id);
  const src = await resolveInRoot(rootfs, from.path, !!o.follow);
  const st = await statOrUndef(src);
  if (!st) throw new NotFound(`no such file or directory in container ${c.name}: ${from.path}`);
  const contentsOnly = /\/\.$/.test(from.path);
  const d = await statOrUndef(to);
  let base: string;
  if (d?.isDirectory() && !contentsOnly) base = join(to, basename(posix.normalize(from.path)) || 'rootfs');
  else if (!d && to.endsWith('/') && !st.isDirectory()) throw new InvalidArgument(`destination directory ${to} does not exist`);
  else base = to;
  await copyTree(src, async (rel) => (rel ? join(base, rel) : base), o.warn ?? (() => {}));
}

/** Host -> container: every path written is resolved inside the rootfs first. */
export async function copyToContainer(store: Store, from: string, to: CopyEnd, o: { warn?: (m: string) => void } = {}): Promise<void> {
  const c = await getContainer(store, to.container!);
  const rootfs = store.paths.rootfs(c.id);
  const st = await statOrUndef(from);
  if (!st) throw new NotFound(`no such file or directory: ${from}`);
  const contentsOnly = /\/\.$/.test(from);
  const d = await statOrUndef(await resolveInRoot(rootfs, to.path));
  let base: string;
  if (d?.isDirectory() && !contentsOnly) base = posix.join(to.path, basename(from));
  else if (!d && to.path.endsWith('/') && !st.isDirectory())
    throw new InvalidArgument(`destination directory ${to.path} does not exist in container ${c.name}`);
  else base = to.path;
  // The last component is not followed: a symlink there is replaced, not written through.
  await copyTree(from, (rel) => resolveInRoot(rootfs, rel ? posix.join(base, rel) : base, false), o.warn ?? (() => {}));
}

/** Container -> tar stream (cp CONTAINER:PATH -). */
export async function tarFromContainer(store: Store, from: CopyEnd): Promise<Readable> {
  const c = await getContainer(store, from.container!);
  const rootfs = store.paths.rootfs(c.id);
  const src = await resolveInRoot(rootfs, from.path, false);
  const st = await statOrUndef(src);
  if (!st) throw new NotFound(`no such file or directory in container ${c.name}: ${from.path}`);
  const parent = posix.dirname(src);
  const name = basename(src);
  const paths = [name, ...(st.isDirectory() ? (await walkTree(src)).map((p) => `${name}/${p}`) : [])];
  return writeTar(packPaths(parent, paths));
}

/** The whole rootfs as a tar stream (export). */
export async function exportContainer(store: Store, query: string): Promise<Readable> {
  const c = await getContainer(store, query);
  const rootfs = store.paths.rootfs(c.id);
  return writeTar(packPaths(rootfs, await walkTree(rootfs)));
}
