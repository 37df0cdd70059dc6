// What a container mounts: -v bind mounts and named volumes, --tmpfs, and the
// /etc/hostname, /etc/hosts and /etc/resolv.conf that dockerlite manages.
// Mount points are made in the rootfs before start (so a --read-only rootfs
// works too), by store/mountpoints.ts.
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { mountPointFor } from '../../../store/mountpoints.js';
import { isAbsolute, join, posix } from 'node:path';
import type { Store } from '../../../store/store.js';
import type { ContainerRecord, MountConfig, MountPoint } from '../../../store/types.js';
import { resolveInRoot } from '../../../oci/securejoin.js';
import { parseBytes } from './limits.js';
import type { MountEntry } from '../../../runtime/rcfile.js';
import { InvalidArgument } from '../../../errors.js';

export interface MountSpec {
  type: 'bind' | 'volume';
  /** Host path (bind) or volume name (volume; empty for an anonymous one not yet named). */
  source: string;
  /** Absolute path in the container. */
  target: string;
  readonly: boolean;
  /** The options as given after the second colon (Docker's Mode). */
  mode: string;
  /** nocopy: do not seed the volume from the image. */
  noCopy: boolean;
  /** A propagation option given (rshared, slave, ...). */
  propagation?: string;
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

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
  let noCopy = false;
  let propagation: string | undefined;
  for (const o of opts ? opts.split(',') : []) {
    if (o === 'ro') readonly = true;
    else if (o === 'nocopy') noCopy = true;
    else if (PROPAGATIONS.includes(o)) propagation = o;
    else if (o === 'rw' || ['z', 'Z', 'delegated', 'cached', 'consistent'].includes(o)) continue;
    else throw new InvalidArgument(`invalid volume specification '${spec}': unknown option '${o}' (ro or rw)`);
  }
  const type = source === '' || !source.startsWith('/') ? 'volume' : 'bind';
  return { type, source, target: posix.normalize(target), readonly, mode: opts, noCopy, ...(propagation ? { propagation } : {}) };
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

/** -v makes a missing bind source as a directory (root's, 0755), as Docker does; --mount refuses it (checkMountConfig). */
export async function makeBindSource(m: MountSpec): Promise<void> {
  if (m.type === 'bind' && !existsSync(m.source)) await mkdir(m.source, { recursive: true, mode: 0o755 });
}

function parseBool(key: string, v: string | undefined, spec: string): boolean {
  if (v === undefined) return true;
  const l = v.toLowerCase();
  if (['1', 't', 'true'].includes(l)) return true;
  if (['0', 'f', 'false'].includes(l)) return false;
  throw new InvalidArgument(`invalid argument "${spec}" for "--mount" flag: invalid value for ${key}: ${v}`);
}

/** Docker's --mount: comma-separated key=value fields (the CLI's rules and messages). */
export function parseMountFlag(spec: string): MountConfig {
  const bad = (why: string) => new InvalidArgument(`invalid argument "${spec}" for "--mount" flag: ${why}`);
  const m: MountConfig = { Type: 'volume', Target: '' };
  const vol = (): NonNullable<MountConfig['VolumeOptions']> => (m.VolumeOptions ??= {});
  let type: string = 'volume';
  const seen = new Set<string>();
  for (const field of spec.split(',')) {
    const eq = field.indexOf('=');
    const key = (eq === -1 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq === -1 ? undefined : field.slice(eq + 1);
    if (['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key)) {
      const b = parseBool(key, value, spec);
      if (key === 'volume-nocopy') vol().NoCopy = b;
      else if (key === 'readonly' || key === 'ro') m.ReadOnly = b;
      seen.add(key);
      continue;
    }
    if (value === undefined) throw bad(`invalid field '${field}' must be a key=value pair`);
    seen.add(key);
    switch (key) {
      case 'type':
        type = value;
        break;
      case 'source':
      case 'src':
        m.Source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = value;
        break;
      case 'consistency':
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: value.toLowerCase() };
        break;
      case 'volume-driver':
        vol().DriverConfig = { ...vol().DriverConfig, Name: value };
        break;
      case 'volume-label': {
        const [k, ...v] = value.split('=');
        vol().Labels = { ...vol().Labels, [k]: v.join('=') };
        break;
      }
      case 'volume-opt': {
        const i = value.indexOf('=');
        if (i === -1) throw bad(`invalid volume-opt '${value}': must be a key=value pair`);
        const dc = (vol().DriverConfig ??= {});
        dc.Options = { ...dc.Options, [value.slice(0, i)]: value.slice(i + 1) };
        break;
      }
      case 'tmpfs-size':
        m.TmpfsOptions = { ...m.TmpfsOptions, SizeBytes: parseBytes(value, 'tmpfs-size') };
        break;
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(value)) throw bad(`invalid value for ${key}: ${value}`);
        m.TmpfsOptions = { ...m.TmpfsOptions, Mode: parseInt(value, 8) };
        break;
      }
      default:
        throw bad(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw bad('target is required');
  const has = (prefix: string) => [...seen].some((k) => k.startsWith(prefix));
  for (const [prefix, t] of [
    ['volume-', 'volume'],
    ['bind-', 'bind'],
    ['tmpfs-', 'tmpfs'],
  ] as const)
    if (has(prefix) && type !== t) throw bad(`cannot mix '${prefix}*' options with mount type '${type}'`);
  m.Type = type as MountConfig['Type'];
  return m;
}

/** The engine's check of a --mount (dockerd's rules and messages). */
export function checkMountConfig(m: MountConfig): void {
  const bad = (why: string) => new InvalidArgument(`invalid mount config for type "${m.Type}": ${why}`);
  if (!['bind', 'volume', 'tmpfs'].includes(m.Type)) throw bad('mount type unknown');
  if (!m.Target) throw bad('field Target must not be empty');
  if (!isAbsolute(m.Target)) throw bad(`invalid mount path: '${m.Target}' mount path must be absolute`);
  if (posix.normalize(m.Target) === '/') throw bad(`invalid specification: destination can't be '/'`);
  if (m.Type === 'bind') {
    if (!m.Source) throw bad('field Source must not be empty');
    if (!isAbsolute(m.Source)) throw bad(`invalid mount path: '${m.Source}' mount path must be absolute`);
    if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
    if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
    if (m.BindOptions?.Propagation && !PROPAGATIONS.includes(m.BindOptions.Propagation)) throw bad(`invalid propagation mode: ${m.BindOptions.Propagation}`);
    if (!existsSync(m.Source)) throw bad(`bind source path does not exist: ${m.Source}`);
  } else if (m.Type === 'volume') {
    if (m.BindOptions) throw bad('field BindOptions must not be specified');
    if (m.TmpfsOptions) throw bad('field TmpfsOptions must not be specified');
    const driver = m.VolumeOptions?.DriverConfig?.Name;
    if (driver && driver !== 'local') throw bad(`volume driver ${driver} is not supported: only the local driver exists here`);
  } else {
    if (m.Source) throw bad('field Source must not be specified');
    if (m.BindOptions) throw bad('field BindOptions must not be specified');
    if (m.VolumeOptions) throw bad('field VolumeOptions must not be specified');
  }
}

/** A --mount tmpfs's mount options, as Docker renders them. */
export function tmpfsMountOptions(o: MountConfig['TmpfsOptions']): string[] {
  return [...(o?.SizeBytes ? [`size=${o.SizeBytes}`] : []), ...(o?.Mode !== undefined ? [`mode=${o.Mode.toString(8)}`] : [])];
}

/** The mount point a -v spec makes, in Docker's shape (volumes still unnamed or unresolved keep Source ''). */
export function bindMountPoint(m: MountSpec): MountPoint {
  if (m.type === 'bind')
    return { Type: 'bind', Source: m.source, Destination: m.target, Mode: m.mode, RW: !m.readonly, Propagation: m.propagation ?? 'rprivate' };
  return {
    Type: 'volume',
    Name: m.source,
    Source: '',
    Destination: m.target,
    Driver: 'local',
    // dockerd 20.10: a named volume given without options shows Mode "z"; an anonymous one "".
    Mode: m.mode || (m.source ? 'z' : ''),
    RW: !m.readonly,
    Propagation: '',
    ...(m.noCopy ? { noCopy: true } : {}),
  };
}

/** A container's mounts: the record's, or for a record made before it kept them, those its Binds name. */
export function mountsOf(c: Pick<ContainerRecord, 'mounts' | 'hostConfig'>): MountPoint[] {
  if (c.mounts) return c.mounts;
  return (c.hostConfig.Binds ?? []).map((b) => bindMountPoint(parseMountSpec(b)));
}

/** Docker's Mounts entries (inspect), in its key order. */
export function inspectMounts(c: Pick<ContainerRecord, 'mounts' | 'hostConfig'>, volumePath: (name: string) => string): Record<string, unknown>[] {
  return mountsOf(c).map((m) => ({
    Type: m.Type,
    ...(m.Type === 'volume' ? { Name: m.Name } : {}),
    Source: m.Type === 'volume' ? m.Source || volumePath(m.Name!) : m.Source,
    Destination: m.Destination,
    ...(m.Type === 'volume' ? { Driver: m.Driver ?? 'local' } : {}),
    Mode: m.Mode,
    RW: m.RW,
    Propagation: m.Propagation,
  }));
}

/**
 * Map a path in the container to the host, through the mounts that cover it
 * (the deepest wins), else into the rootfs; undefined under a tmpfs, whose
 * content cannot be seen from the host. For finding the command before start: LXC mounts later.
 */
export async function resolveThroughMounts(rootfs: string, mounts: Array<{ target: string; source?: string }>, path: string): Promise<string | undefined> {
  const p = posix.normalize(path);
  let best: { target: string; source?: string } | undefined;
  for (const m of mounts) {
    const t = posix.normalize(m.target);
    if ((p === t || p.startsWith(t.endsWith('/') ? t : t + '/')) && (!best || t.length > best.target.length)) best = { ...m, target: t };
  }
  if (!best) return resolveInRoot(rootfs, p);
  if (best.source === undefined) return undefined;
  if (p === best.target) return best.source;
  return resolveInRoot(best.source, p.slice(best.target.length));
}

// ---- the managed /etc/hostname ----
// (/etc/hosts and /etc/resolv.conf belong to networking: src/network/resolution.ts.)

export function hostnameFile(store: Store, id: string): string {
  return join(store.paths.container(id), 'hostname');
}

/** Where a volume lives, and the local driver's options (volume create -o type= device= o=). */
export type VolumeLookup = (name: string) => Promise<{ path: string; options: Record<string, string> }>;

/** The local driver's mount for a volume created with -o type=... device=...: LXC mounts it in the container. */
function volumeOptionsMount(options: Record<string, string>): { source: string; fstype: string; options: string[] } | undefined {
  if (!options.type && !options.device) return undefined;
  const o = options.o ? options.o.split(',') : [];
  return { source: options.device, fstype: options.type || 'none', options: o };
}

/** Mount order: parents before what is mounted inside them, as Docker sorts them. */
function depth(p: string): number {
  return posix.normalize(p).split('/').filter(Boolean).length;
}

/** Every mount of a container, in mount order, with mount points made. */
export async function containerMounts(store: Store, c: ContainerRecord, volume: VolumeLookup): Promise<MountEntry[]> {
  const rootfs = store.paths.rootfs(c.id);
  const out: MountEntry[] = [];
  // Recorded in mountpoints.json (once per start: prepare batches them).
  const mountPoint = (_r: string, t: string, k: 'dir' | 'file') => mountPointFor(store, c.id, t, k);
  await writeFile(hostnameFile(store, c.id), `${c.config.Hostname || c.id.slice(0, 12)}\n`);
  out.push({ source: hostnameFile(store, c.id), target: await mountPoint(rootfs, '/etc/hostname', 'file'), fstype: 'none', options: ['bind'] });
  const all: Array<{ target: string; entry: () => Promise<MountEntry> }> = [];
  for (const m of mountsOf(c)) {
    const ro = m.RW ? [] : ['ro'];
    if (m.Type === 'tmpfs') {
      all.push({
        target: m.Destination,
        entry: async () => ({
          source: 'tmpfs',
          target: await mountPoint(rootfs, m.Destination, 'dir'),
          fstype: 'tmpfs',
          options: ['rw', 'nosuid', 'nodev', 'noexec', ...(m.tmpfsOptions ?? []), ...ro],
        }),
      });
      continue;
    }
    all.push({
      target: m.Destination,
      entry: async () => {
        let source = m.Source;
        if (m.Type === 'volume') {
          const v = await volume(m.Name!);
          const special = volumeOptionsMount(v.options);
          if (special)
            return {
              source: special.source,
              target: await mountPoint(rootfs, m.Destination, 'dir'),
              fstype: special.fstype,
              options: [...special.options, ...ro],
            };
          source = v.path;
        }
        if (!existsSync(source)) throw new InvalidArgument(`bind source path does not exist: ${source}`);
        const kind = statSync(source).isDirectory() ? 'dir' : 'file';
        const prop = m.Type === 'bind' && m.Propagation && m.Propagation !== 'rprivate' ? [m.Propagation] : [];
        return { source, target: await mountPoint(rootfs, m.Destination, kind), fstype: 'none', options: ['bind', ...ro, ...prop] };
      },
    });
  }
  for (const [target, opts] of Object.entries(c.hostConfig.Tmpfs ?? {})) {
    // Docker's defaults for --tmpfs; the user's options come last and win.
    all.push({
      target,
      entry: async () => ({
        source: 'tmpfs',
        target: await mountPoint(rootfs, target, 'dir'),
        fstype: 'tmpfs',
        options: ['rw', 'nosuid', 'nodev', 'noexec', ...(opts ? opts.split(',') : [])],
      }),
    });
  }
  // A stable sort: mounts at the same depth keep the order they were given in.
  for (const m of all.sort((a, b) => depth(a.target) - depth(b.target))) out.push(await m.entry());
  return out;
}

/**
 * All of a container's mounts (ours, the user's, networking's) in Docker's
 * order: parents before what is mounted inside them, so /etc/hosts lands on
 * a volume mounted at /etc rather than under it; at the same depth the given
 * order stands. A bind whose mount point may live on another mount gets
 * LXC's create= to make it there.
 */
export function orderMounts(mounts: MountEntry[]): MountEntry[] {
  const sorted = [...mounts].sort((a, b) => depth(a.target) - depth(b.target));
  return sorted.map((m) => {
    const under = sorted.some((o) => o !== m && (m.target + '/').startsWith(o.target.replace(/\/?$/, '/')) && o.target !== m.target);
    if (!under || !m.options.includes('bind') || m.options.some((o) => o.startsWith('create='))) return m;
    const kind = existsSync(m.source) && statSync(m.source).isDirectory() ? 'dir' : 'file';
    return { ...m, options: [...m.options, `create=${kind}`] };
  });
}

/** Container path -> host path for finding a command before start: binds and volumes by source, tmpfs as empty. */
export async function commandMounts(c: ContainerRecord, volume: VolumeLookup): Promise<Array<{ target: string; source?: string }>> {
  const out: Array<{ target: string; source?: string }> = [];
  for (const m of mountsOf(c)) {
    if (m.Type === 'tmpfs') out.push({ target: m.Destination });
    else if (m.Type === 'bind') out.push({ target: m.Destination, source: m.Source });
    else {
      const v = await volume(m.Name!).catch(() => undefined);
      out.push({ target: m.Destination, source: v && !volumeOptionsMount(v.options) ? v.path : undefined });
    }
  }
  for (const t of Object.keys(c.hostConfig.Tmpfs ?? {})) out.push({ target: t });
  return out;
}
