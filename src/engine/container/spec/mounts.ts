// What a container mounts: -v bind mounts and named volumes, --tmpfs, and the
// /etc/hostname, /etc/hosts and /etc/resolv.conf that dockerlite manages.
// Mount points are made in the rootfs before start (so a --read-only rootfs
// works too), by store/mountpoints.ts.
import { existsSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { readJsonOr, writeJson } from '../../../store/json.js';
import { makeMountPoint } from '../../../store/mountpoints.js';
import { isAbsolute, join, posix } from 'node:path';
import type { Store } from '../../../store/store.js';
import type { ContainerRecord } from '../../../store/types.js';
import type { MountEntry } from '../../../runtime/rcfile.js';
import { InvalidArgument } from '../../../errors.js';
import { stringList } from '../../../store/schema.js';

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
    else if (o === 'rw' || ['z', 'Z', 'nocopy', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'delegated', 'cached', 'consistent'].includes(o))
      continue;
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
  if (!isAbsolute(target) || posix.normalize(target) === '/')
    throw new InvalidArgument(`invalid --tmpfs '${spec}': the container path must be absolute and not /`);
  if (/[\s]/.test(opts)) throw new InvalidArgument(`invalid --tmpfs options '${opts}'`);
  return [posix.normalize(target), opts];
}

/** A bind source must exist (Docker's --mount rule; -v would make a directory you did not ask for). */
export function checkBindSource(m: MountSpec): void {
  if (m.type === 'bind' && !existsSync(m.source)) throw new InvalidArgument(`bind source path does not exist: ${m.source}`);
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
  const made = new Set(await readJsonOr(madeFile, stringList, []));
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
    out.push({
      source: 'tmpfs',
      target: await mountPoint(rootfs, target, 'dir'),
      fstype: 'tmpfs',
      options: ['rw', 'nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])],
    });
  }
  await writeJson(madeFile, [...made].sort());
  return out;
}
