// What a container mounts: -v bind mounts and named volumes, --tmpfs, and the
// /etc/hostname, /etc/hosts and /etc/resolv.conf that dockerlite manages.
// Mount points are made in the rootfs before start (so a --read-only rootfs
// works too), each resolved inside the rootfs so a symlink in the image
// cannot point a mount at the host.
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile, lstat, stat, utimes, rmdir, unlink } from 'node:fs/promises';
import { readJsonOr, writeJson } from '../store/json.js';
import type { Change } from '../snapshots/changes.js';
import { dirname, isAbsolute, join, relative, posix } from 'node:path';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import type { MountEntry } from '../runtime/rcfile.js';
import { InvalidArgument } from '../errors.js';
import { resolveInRoot } from '../oci/securejoin.js';

export interface MountSpec {
  type: 'bind' | 'volume';
  /** Host path (bind) or volume name (volume; empty for an anonymous one not yet named). */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readonly: boolean;
}

/** Docker's -v: /host:/ctr[:opts], name:/ctr[:opts], or /ctr (an anonymous volume). */
export function parseMountSpec(spec: string): MountSpec {
  const parts = spec.split(':');
  let source = '';
  let target: string;
  let opts = '';
  if (parts.length === 1) target = parts[0];
  else if (parts.length === 2 && isAbsolute(parts[1])) [source, target] = parts;
  else if (parts.length === 2) [target, opts] = parts;
  else if (parts.length === 3) [source, target, opts] = parts;
  else throw new InvalidArgument(`invalid volume specification '${spec}': use /host/path:/container/path[:ro], name:/container/path[:ro] or /container/path`);
  if (!isAbsolute(target)) throw new InvalidArgument(`invalid volume specification '${spec}': the container path must be absolute`);
  if (posix.normalize(target) === '/') throw new InvalidArgument(`invalid volume specification '${spec}': cannot mount over the container's /`);
  let readonly = false;
  for (const o of opts ? opts.split(',') : []) {
    if (o === 'ro') readonly = true;
    else if (o === 'rw' || ['z', 'Z', 'nocopy', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'delegated', 'cached', 'consistent'].includes(o)) continue;
    else throw new InvalidArgument(`invalid volume specification '${spec}': unknown option '${o}' (ro or rw)`);
  }
  const type = source === '' || !source.startsWith('/') ? 'volume' : 'bind';
  return { type, source, target: posix.normalize(target), readonly };
}

export function formatMountSpec(m: MountSpec): string {
  return `${m.source}:${m.target}${m.readonly ? ':ro' : ''}`;
}

/** --tmpfs /path[:options] -> Docker's HostConfig.Tmpfs entry. */
export function parseTmpfs(spec: string): [string, string] {
  const i = spec.indexOf(':');
  const target = i === -1 ? spec : spec.slice(0, i);
  const opts = i === -1 ? '' : spec.slice(i + 1);
  if (!isAbsolute(target) || posix.normalize(target) === '/') throw new InvalidArgument(`invalid --tmpfs '${spec}': the container path must be absolute and not /`);
  if (/[\s]/.test(opts)) throw new InvalidArgument(`invalid --tmpfs options '${opts}'`);
  return [posix.normalize(target), opts];
}

/** A bind source must exist (Docker's --mount rule; -v would make a directory you did not ask for). */
export function checkBindSource(m: MountSpec): void {
  if (m.type === 'bind' && !existsSync(m.source)) throw new InvalidArgument(`bind source path does not exist: ${m.source}`);
}

/**
 * Make the mount point inside the rootfs (a file or a directory, like the
 * source); the path relative to the rootfs for LXC. What it creates is
 * recorded (made), and the parent's times are put back, so `diff` can leave
 * out what is dockerlite's doing (Docker keeps these in an "init" layer).
 */
async function makeMountPoint(rootfs: string, target: string, kind: 'dir' | 'file', made: Set<string>): Promise<string> {
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
    throw new InvalidArgument(`cannot mount a ${kind === 'dir' ? 'directory' : 'file'} on ${target}: it is a ${kind === 'dir' ? 'file' : 'directory'} in the image`);
  }
  return relative(rootfs, host);
}

/** A mount point for `target` in a container's rootfs, recorded so diff, build and commit can leave it out. */
export async function mountPointFor(store: Store, id: string, target: string, kind: 'dir' | 'file' = 'file'): Promise<string> {
  const madeFile = join(store.paths.container(id), 'mountpoints.json');
  const made = new Set(await readJsonOr<string[]>(madeFile, []));
  const before = made.size;
  const rel = await makeMountPoint(store.paths.rootfs(id), target, kind, made);
  if (made.size !== before) await writeJson(madeFile, [...made].sort());
  return rel;
}

// ---- the managed /etc/hostname ----
// (/etc/hosts and /etc/resolv.conf belong to networking: src/network/resolution.ts.)

export function hostnameFile(store: Store, id: string): string {
  return join(store.paths.container(id), 'hostname');
}

/** Every mount of a container, in mount order, with mount points made. */
export async function containerMounts(store: Store, c: ContainerRecord, volumePath: (name: string) => string): Promise<MountEntry[]> {
  const rootfs = store.paths.rootfs(c.id);
  const out: MountEntry[] = [];
  const madeFile = join(store.paths.container(c.id), 'mountpoints.json');
  const made = new Set(await readJsonOr<string[]>(madeFile, []));
  const mountPoint = (r: string, t: string, k: 'dir' | 'file') => makeMountPoint(r, t, k, made);
  await writeFile(hostnameFile(store, c.id), `${c.config.Hostname || c.id.slice(0, 12)}\n`);
  out.push({ source: hostnameFile(store, c.id), target: await mountPoint(rootfs, '/etc/hostname', 'file'), fstype: 'none', options: ['bind'] });
  for (const b of c.hostConfig.Binds ?? []) {
    const m = parseMountSpec(b);
    checkBindSource(m);
    const source = m.type === 'bind' ? m.source : volumePath(m.source);
    const kind = statSync(source).isDirectory() ? 'dir' : 'file';
    out.push({ source, target: await mountPoint(rootfs, m.target, kind), fstype: 'none', options: ['bind', ...(m.readonly ? ['ro'] : [])] });
  }
  for (const [target, opts] of Object.entries(c.hostConfig.Tmpfs ?? {})) {
    // Docker's defaults for --tmpfs; the user's options come last and win.
    out.push({ source: 'tmpfs', target: await mountPoint(rootfs, target, 'dir'), fstype: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])] });
  }
  await writeJson(madeFile, [...made].sort());
  return out;
}

/**
 * diff without dockerlite's mount points: the paths it added (while still
 * empty) and the directories that changed only because it added them (ctime).
 * root is the snapshot the changes came from: the live rootfs may be changing.
 */
export async function hideMountPoints(store: Store, id: string, changes: Change[], root: string): Promise<Change[]> {
  const made = new Set(await readJsonOr<string[]>(join(store.paths.container(id), 'mountpoints.json'), []));
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
  const parents = new Set([...made].map((p) => posix.dirname(p)));
  return kept.filter((ch) => !(ch.kind === 'C' && parents.has(ch.path) && !kept.some((k) => k !== ch && k.path.startsWith(ch.path + '/'))));
}

/**
 * Take dockerlite's mount points out of a stopped container's rootfs (the
 * paths it added that are still empty), putting the parents' times back, so
 * a snapshot of it (a build step, a commit) holds only the container's own
 * changes. The next start makes them again.
 */
export async function removeMountPoints(store: Store, id: string): Promise<void> {
  const madeFile = join(store.paths.container(id), 'mountpoints.json');
  const made = await readJsonOr<string[]>(madeFile, []);
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
