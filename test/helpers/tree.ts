// Compare two root filesystems the way an image user would notice: types,
// modes (setuid included), owners, contents, link targets, which names are
// hard links of one file, device numbers, xattrs and modification times.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface TreeNode {
  type: string;
  mode: string;
  owner: string;
  mtime?: number;
  size?: number;
  sha?: string;
  link?: string;
  rdev?: number;
  xattrs?: string;
  /** Other names of the same inode, sorted (hard links). */
  links?: string;
}

function typeOf(st: Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

/** xattrs of every path under root: `getfattr -R -P -h -d -m - -e hex --absolute-names ROOT`. */
function allXattrs(root: string): Map<string, string> {
  const r = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { encoding: 'utf8' });
  const out = new Map<string, string>();
  let cur: string | undefined;
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line.startsWith('# file: ')) cur = line.slice(8).replace(root, '').replace(/^\//, '');
    else if (cur !== undefined && line && !line.startsWith('security.selinux')) out.set(cur, `${out.get(cur) ?? ''}${line};`);
  }
  return out;
}

export function readTree(root: string, o: { mtimes?: boolean } = {}): Map<string, TreeNode> {
  const out = new Map<string, TreeNode>();
  const inodes = new Map<number, string[]>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const p = rel ? `${rel}/${name}` : name;
      const full = join(root, p);
      const st = lstatSync(full);
      const type = typeOf(st);
      const n: TreeNode = { type, mode: (st.mode & 0o7777).toString(8), owner: `${st.uid}:${st.gid}` };
      if (o.mtimes !== false && type !== 'dir') n.mtime = Math.floor(st.mtimeMs / 1000);
      if (type === 'file') {
        n.size = st.size;
        n.sha = createHash('sha256').update(readFileSync(full)).digest('hex').slice(0, 16);
        if (st.nlink > 1) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), p]);
      }
      if (type === 'symlink') n.link = readlinkSync(full);
      if (type === 'char' || type === 'block') n.rdev = st.rdev;
      out.set(p, n);
      if (type === 'dir') walk(p);
    }
  };
  walk('');
  for (const names of inodes.values()) for (const p of names) if (names.length > 1) out.get(p)!.links = names.join(',');
  for (const [p, x] of allXattrs(root)) if (out.has(p)) out.get(p)!.xattrs = x;
  return out;
}

/** Human-readable differences, empty when the trees match. */
export function diffTrees(a: Map<string, TreeNode>, b: Map<string, TreeNode>, ignore: (p: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const [p, n] of a) {
    if (ignore(p)) continue;
    const m = b.get(p);
    if (!m) out.push(`only in first: ${p}`);
    else if (JSON.stringify(n) !== JSON.stringify(m)) out.push(`differs: ${p}: ${JSON.stringify(n)} vs ${JSON.stringify(m)}`);
  }
  for (const p of b.keys()) if (!a.has(p) && !ignore(p)) out.push(`only in second: ${p}`);
  return out;
}
