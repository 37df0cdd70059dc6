// Exact changes between two snapshots, from a `btrfs send --no-data -p`
// stream. The stream names every path that differs (in order, with renames
// through temporary "o<ino>-<gen>-<n>" names); each named path is then looked
// up in both snapshots, so the verdict comes from the trees themselves:
// only in the child = A, only in the parent = D, in both but different = C.
// Cost follows the size of the change, not the size of the image.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { Cmd, type SendOp } from './sendstream.js';

export type ChangeKind = 'A' | 'C' | 'D';
export interface Change {
  kind: ChangeKind;
  /** Absolute path inside the rootfs, e.g. /etc/hosts. */
  path: string;
}

interface Rename {
  at: number;
  from: string;
  to: string;
}

function under(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir + '/');
}

/** Where path p (named at op index i) ends up after all later renames. */
function forward(p: string, i: number, renames: Rename[]): string {
  for (const r of renames) if (r.at >= i && under(p, r.from)) p = r.to + p.slice(r.from.length);
  return p;
}

/** What path p (named at op index i) was called before all earlier renames. */
function backward(p: string, i: number, renames: Rename[]): string {
  for (let k = renames.length - 1; k >= 0; k--) {
    const r = renames[k];
    if (r.at < i && under(p, r.to)) p = r.from + p.slice(r.to.length);
  }
  return p;
}

async function stat(p: string): Promise<BigIntStats | null> {
  try {
    return await lstat(p, { bigint: true });
  } catch {
    return null;
  }
}

/**
 * Anything a user could see differ: type, permissions, owner, size, content
 * (mtime) and other metadata such as xattrs (ctime). A new ctime that comes
 * with a new link count only means another name of the file was added or
 * removed; the file itself is unchanged (as overlayfs would see it), unless
 * the stream also changed its xattrs (xattrChanged): a link must not hide that.
 */
function same(a: BigIntStats, b: BigIntStats, xattrChanged: boolean): boolean {
  const meta = a.mode === b.mode && a.uid === b.uid && a.gid === b.gid && a.size === b.size && a.mtimeNs === b.mtimeNs && a.rdev === b.rdev;
  return meta && (a.ctimeNs === b.ctimeNs || (a.nlink !== b.nlink && !a.isDirectory() && !xattrChanged));
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    out.push(p);
    if (e.isDirectory()) await walk(root, p, out);
  }
}

export async function changesBetween(parentRoot: string, childRoot: string, ops: SendOp[]): Promise<Change[]> {
  // Only renames whose source is a directory can move other paths, but any
  // rename may; files are cheap to include. Orphan renames are the bulk.
  const renames: Rename[] = [];
  ops.forEach((op, at) => {
    if (op.cmd === Cmd.RENAME && op.path !== undefined && op.to !== undefined) renames.push({ at, from: op.path, to: op.to });
  });
  // Renames of orphans only ever rename that one name; index the rest for speed.
  const orphan = /^(?:.*\/)?o\d+-\d+-\d+$/;
  const moves = renames.filter((r) => !orphan.test(r.from));
  const orphanRename = new Map(renames.filter((r) => orphan.test(r.from)).map((r) => [r.from, r]));
  const names = new Set<string>();
  // Paths whose xattrs the stream sets or removes: metadata that stat cannot show apart from ctime.
  const xattrs = new Set<string>();
  ops.forEach((op, at) => {
    if ((op.cmd === Cmd.SET_XATTR || op.cmd === Cmd.REMOVE_XATTR) && op.path) {
      const own = orphanRename.get(op.path);
      xattrs.add(own ? forward(own.to, own.at + 1, moves) : forward(op.path, at, moves));
    }
    if (op.cmd === Cmd.SUBVOL || op.cmd === Cmd.SNAPSHOT || op.cmd === Cmd.END) return;
    for (const p of [op.path, op.to, op.cmd === Cmd.LINK ? op.link : undefined]) {
      if (p === undefined || p === '') continue;
      const after = op.cmd === Cmd.RENAME && p === op.to ? at + 1 : at;
      // An orphan name is resolved through its own rename, then through moves.
      const own = orphanRename.get(p);
      names.add(own ? forward(own.to, own.at + 1, moves) : forward(p, after, moves));
      names.add(backward(p, at, moves));
    }
  });

  const result = new Map<string, ChangeKind>();
  for (const rel of names) {
    if (orphan.test(rel) && !(await stat(join(childRoot, rel)))) continue;
    const [a, b] = await Promise.all([stat(join(parentRoot, rel)), stat(join(childRoot, rel))]);
    if (!a && !b) continue;
    if (!a && b) {
      result.set(rel, 'A');
      if (b.isDirectory()) {
        const kids: string[] = [];
        await walk(childRoot, rel, kids);
        for (const k of kids) result.set(k, 'A');
      }
    } else if (a && !b) result.set(rel, 'D');
    else if (!same(a!, b!, xattrs.has(rel))) result.set(rel, 'C');
  }

  // A deleted directory is reported once, not with each of its children.
  const deleted = new Set([...result].filter(([, k]) => k === 'D').map(([p]) => p));
  const insideDeleted = (rel: string) => {
    for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) if (deleted.has(rel.slice(0, i))) return true;
    return false;
  };
  const out: Change[] = [];
  for (const [rel, kind] of [...result].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (insideDeleted(rel)) continue;
    out.push({ kind, path: '/' + rel });
  }
  return out;
}
