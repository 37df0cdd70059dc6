// Turn files of a rootfs into tar entries: owners, modes, times, symlinks,
// hard links (later names of one inode become links), device nodes and
// xattrs. Used to export trees and layers; the order is deterministic so the
// same tree always gives the same bytes (and digest).
import { lstat, readdir, readlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { emptyHeader, type EntryType, type WriteEntry } from './tar.js';
import * as xattr from '../sys/xattr.js';

/** Every path under root (relative, no leading slash), parents before children, sorted. */
export async function walkTree(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(join(root, rel))).sort();
  for (const n of names) {
    const p = rel ? `${rel}/${n}` : n;
    out.push(p);
    const st = await lstat(join(root, p));
    if (st.isDirectory()) out.push(...(await walkTree(root, p)));
  }
  return out;
}

const SKIP_XATTRS = new Set(['security.selinux']);

export interface PackOptions {
  /** Extra entries (whiteouts) to place, keyed by path, in sorted position. */
  whiteouts?: string[];
}

/** Tar entries for the given relative paths of root, in order. */
export async function* packPaths(root: string, paths: string[], o: PackOptions = {}): AsyncGenerator<WriteEntry> {
  const xattrs = await xattr.dumpMany(root, paths);
  const seen = new Map<string, string>(); // dev:ino -> first path, for hard links
  const whiteouts = [...(o.whiteouts ?? [])].sort();
  let w = 0;
  for (const p of paths) {
    while (w < whiteouts.length && whiteouts[w] < p) yield { header: emptyHeader(whiteouts[w++], 'file', { mode: 0o644 }) };
    const full = join(root, p);
    const st = await lstat(full);
    const mtime = Math.floor(st.mtimeMs / 1000);
    const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime, xattrs: new Map([...(xattrs.get(p) ?? [])].filter(([k]) => !SKIP_XATTRS.has(k))) };
    let type: EntryType;
    if (st.isDirectory()) type = 'dir';
    else if (st.isSymbolicLink()) type = 'symlink';
    else if (st.isFile()) type = 'file';
    else if (st.isCharacterDevice()) type = 'char';
    else if (st.isBlockDevice()) type = 'block';
    else if (st.isFIFO()) type = 'fifo';
    else continue; // sockets cannot be archived
    if (type === 'file' && st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = seen.get(key);
      if (first !== undefined) {
        yield { header: emptyHeader(p, 'link', { ...base, linkname: first }) };
        continue;
      }
      seen.set(key, p);
    }
    const header = emptyHeader(p, type, {
      ...base,
      size: type === 'file' ? st.size : 0,
      linkname: type === 'symlink' ? await readlink(full) : '',
      devmajor: type === 'char' || type === 'block' ? Math.floor(st.rdev / 256) & 0xfff : 0,
      devminor: type === 'char' || type === 'block' ? (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) : 0,
    });
    yield { header, body: type === 'file' ? (createReadStream(full) as AsyncIterable<Buffer>) : undefined };
  }
  while (w < whiteouts.length) yield { header: emptyHeader(whiteouts[w++], 'file', { mode: 0o644 }) };
}

/** Every file of a tree, as tar entries. */
export async function* packTree(root: string): AsyncGenerator<WriteEntry> {
  yield* packPaths(root, await walkTree(root));
}
