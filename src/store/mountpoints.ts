// The mount points dockerlite makes inside a container's rootfs (for -v,
// --tmpfs and the managed /etc files), recorded in mountpoints.json so that
// diff, build steps and commit can leave them out. Each is resolved inside
// the rootfs, so a symlink in the image cannot point a mount at the host.
import { existsSync } from 'node:fs';
import { mkdir, writeFile, lstat, stat, utimes, rmdir, unlink } from 'node:fs/promises';
import { dirname, join, relative, posix } from 'node:path';
import { readJsonOr, writeJson } from './json.js';
import type { Store } from './store.js';
import type { Change } from '../snapshots/changes.js';
import { InvalidArgument } from '../errors.js';
import { resolveInRoot } from '../oci/securejoin.js';
import { stringList } from './schema.js';

/**
 * Make the mount point inside the rootfs (a file or a directory, like the
 * source); the path relative to the rootfs for LXC. What it creates is
 * recorded (made), and the parent's times are put back, so `diff` can leave
 * out what is dockerlite's doing (Docker keeps these in an "init" layer).
 */
export async function makeMountPoint(rootfs: string, target: string, kind: 'dir' | 'file', made: Set<string>): Promise<string> {
  const host = await resolveInRoot(rootfs, target);
  if (!existsSync(host)) {
    // The highest missing ancestor is what appears new; its parent's times are restored.
    let top = host;
    while (!existsSync(dirname(top))) top = dirname(top);
    const parent = dirname(top);
    const times = await stat(parent);
    await mkdir(kind === 'dir' ? host : dirname(host), { recursive: true });
    if (kind === 'file') await writeFile(host, '', { flag: 'a' });
    for (let p = host; p.length >= top.length; p = dirname(p)) made.add('/' + relative(rootfs, p));
    await utimes(parent, times.atime, times.mtime).catch(() => {});
  } else if ((await lstat(host)).isDirectory() !== (kind === 'dir')) {
    throw new InvalidArgument(
      `cannot mount a ${kind === 'dir' ? 'directory' : 'file'} on ${target}: it is a ${kind === 'dir' ? 'file' : 'directory'} in the image`,
    );
  }
  return relative(rootfs, host);
}

/** The record of each container whose start is making its mount points now (batchMountPoints), by record file. */
const batches = new Map<string, Set<string>>();

/** A mount point for `target` in a container's rootfs, recorded so diff, build and commit can leave it out. */
export async function mountPointFor(store: Store, id: string, target: string, kind: 'dir' | 'file' = 'file'): Promise<string> {
  const madeFile = join(store.paths.container(id), 'mountpoints.json');
  const batch = batches.get(madeFile);
  if (batch) return makeMountPoint(store.paths.rootfs(id), target, kind, batch);
  const made = new Set(await readJsonOr(madeFile, stringList, []));
  const before = made.size;
  const rel = await makeMountPoint(store.paths.rootfs(id), target, kind, made);
  if (made.size !== before) await writeJson(madeFile, [...made].sort(), { durable: false });
  return rel;
}

/**
 * Run fn (a start's preparation) with the container's mount points recorded
 * once, at its end, instead of at each mountPointFor: the first start of a
 * container makes four (/etc/hostname, /.dockerenv, /etc/hosts,
 * /etc/resolv.conf). Recorded also when fn fails, for what it made.
 */
export async function batchMountPoints<T>(store: Store, id: string, fn: () => Promise<T>): Promise<T> {
  const madeFile = join(store.paths.container(id), 'mountpoints.json');
  if (batches.has(madeFile)) return fn();
  const made = new Set(await readJsonOr(madeFile, stringList, []));
  const before = made.size;
  batches.set(madeFile, made);
  const record = () => (made.size !== before ? writeJson(madeFile, [...made].sort(), { durable: false }) : undefined);
  let out: T;
  try {
    out = await fn();
  } catch (e) {
    batches.delete(madeFile);
    await record()?.catch(() => {});
    throw e;
  }
  batches.delete(madeFile);
  await record();
  return out;
}

/**
 * diff without dockerlite's mount points: the paths it added (while still
 * empty) and the directories that changed only because it added them (ctime).
 * root is the snapshot the changes came from: the live rootfs may be changing.
 */
export async function hideMountPoints(store: Store, id: string, changes: Change[], root: string, base?: string): Promise<Change[]> {
  const made = new Set(await readJsonOr(join(store.paths.container(id), 'mountpoints.json'), stringList, []));
  if (!made.size) return changes;
  const empty = async (p: string) => {
    const st = await lstat(await resolveInRoot(root, p, false)).catch(() => undefined);
    return !!st && (st.isDirectory() || st.size === 0);
  };
  const kept: Change[] = [];
  for (const ch of changes) {
    if (ch.kind === 'A' && made.has(ch.path) && (await empty(ch.path))) continue;
    kept.push(ch);
  }
  // A changed directory whose only changes were our additions: it shows as C with nothing else under it.
  // Its own metadata (chmod 700 /etc, chown) is a real change: compared with the base, that stays.
  const parents = new Set([...made].map((p) => posix.dirname(p)));
  const ownChange = async (p: string) => {
    if (!base) return false;
    const [a, b] = await Promise.all([
      lstat(await resolveInRoot(base, p, false)).catch(() => undefined),
      lstat(await resolveInRoot(root, p, false)).catch(() => undefined),
    ]);
    return !a || !b || a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid;
  };
  const out: Change[] = [];
  for (const ch of kept) {
    const onlyOurs = ch.kind === 'C' && parents.has(ch.path) && !kept.some((k) => k !== ch && k.path.startsWith(ch.path + '/'));
    if (!onlyOurs || (await ownChange(ch.path))) out.push(ch);
  }
  return out;
}

/**
 * Take dockerlite's mount points out of a stopped container's rootfs (the
 * paths it added that are still empty), putting the parents' times back, so
 * a snapshot of it (a build step, a commit) holds only the container's own
 * changes. The next start makes them again.
 */
export async function removeMountPoints(store: Store, id: string): Promise<void> {
  const madeFile = join(store.paths.container(id), 'mountpoints.json');
  const made = await readJsonOr(madeFile, stringList, []);
  if (!made.length) return;
  const rootfs = store.paths.rootfs(id);
  // Deepest first, so a directory we made is empty by the time we reach it.
  for (const p of [...made].sort((a, b) => b.length - a.length)) {
    const host = join(rootfs, p);
    const st = await lstat(host).catch(() => undefined);
    if (!st) continue;
    const parent = dirname(host);
    const times = await stat(parent).catch(() => undefined);
    try {
      if (st.isDirectory()) await rmdir(host);
      else if (st.isFile() && st.size === 0) await unlink(host);
      else continue;
    } catch {
      continue; // the container put something in it: it is the container's now
    }
    if (times) await utimes(parent, times.atime, times.mtime).catch(() => {});
  }
  await writeJson(madeFile, []);
}
