// Named volumes: each is a BTRFS subvolume, volumes/<name>, with its record
// beside it in volumes/<name>.json. A volume is in use while any container
// (running or not) names it in a -v; `volume rm` refuses then, as Docker.
import { volumeEvent } from '../../store/events.js';
import { lstat, readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { HostConfig, MountPoint } from '../../store/types.js';
import { resolveInRoot } from '../../oci/securejoin.js';
import type { Store } from '../../store/store.js';
import { Conflict, CorruptState, InvalidArgument, NotFound, dockerWording } from '../../errors.js';
import { readJsonOr, writeJson } from '../../store/json.js';
import { randomId } from '../../store/ids.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { getContainer, listContainers } from '../../store/containers.js';
import { bindMountPoint, checkMountConfig, makeBindSource, mountsOf, parseMountSpec, tmpfsMountOptions } from '../container/spec/mounts.js';
import { bool, obj, oneOf, opt, orDefault, record, str } from '../../util/schema.js';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  /** Made for one container's -v /path (no name given): `rm -v` removes it with the container. */
  Anonymous?: boolean;
}

const volumeRecord = obj({
  Name: str,
  Driver: oneOf('local'),
  Mountpoint: str,
  CreatedAt: str,
  Labels: orDefault(record(str), () => ({})),
  Scope: oneOf('local'),
  Options: orDefault(record(str), () => ({})),
  Anonymous: opt(bool),
});

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkVolumeName(name: string): string {
  if (!NAME.test(name)) throw new InvalidArgument(`invalid volume name '${name}': only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name;
}

const meta = (store: Store, name: string) => join(store.paths.volumes, `${name}.json`);
export const volumePath = (store: Store, name: string) => join(store.paths.volumes, name);

async function readVolume(store: Store, name: string): Promise<VolumeRecord | undefined> {
  return readJsonOr(meta(store, name), volumeRecord, undefined);
}

/** Create a volume, or return the existing one (Docker's create is idempotent). */
export async function createVolume(
  store: Store,
  name: string | undefined,
  o: { labels?: Record<string, string>; anonymous?: boolean; driver?: string; options?: Record<string, string> } = {},
): Promise<VolumeRecord> {
  const n = checkVolumeName(name ?? randomId());
  if (o.driver !== undefined && o.driver !== 'local') throw new NotFound(`volume driver ${o.driver} not found: only the local driver exists here`);
  checkLocalOptions(o.options ?? {});
  return store.lock('volumes', async () => {
    const existing = await readVolume(store, n);
    if (existing) return existing;
    const path = volumePath(store, n);
    if (existsSync(path)) await btrfs.remove(path); // a subvolume left without its record by a crash
    await btrfs.create(path);
    const rec: VolumeRecord = {
      Name: n,
      Driver: 'local',
      Mountpoint: path,
      CreatedAt: new Date().toISOString(),
      Labels: o.labels ?? {},
      Scope: 'local',
      Options: o.options ?? {},
      ...(o.anonymous ? { Anonymous: true } : {}),
    };
    await writeJson(meta(store, n), rec);
    volumeEvent(store.paths.root, 'create', n);
    return rec;
  });
}

/** The local driver's options, with dockerd's rules and messages: type, device and o mount a filesystem (mount -t type -o o device). */
export function checkLocalOptions(options: Record<string, string>): void {
  for (const k of Object.keys(options)) if (!['type', 'device', 'o'].includes(k)) throw new InvalidArgument(`invalid option: ${JSON.stringify(k)}`);
  const needs: Record<string, string> = { device: 'type', type: 'device', o: 'device' };
  for (const [k, req] of Object.entries(needs))
    if (k in options && !(req in options)) throw new InvalidArgument(`missing required option: ${JSON.stringify(req)}`);
}

/** Where a volume lives and its driver options, for mounting it. */
export async function volumeLookup(store: Store, name: string): Promise<{ path: string; options: Record<string, string> }> {
  const v = await getVolume(store, name);
  return { path: volumePath(store, name), options: v.Options };
}

export async function listVolumes(store: Store): Promise<VolumeRecord[]> {
  const out: VolumeRecord[] = [];
  for (const f of (await readdir(store.paths.volumes)).sort()) {
    if (!f.endsWith('.json') || f.startsWith('.')) continue;
    // A corrupt record must not take the other volumes (or system df) down.
    const v = await readVolume(store, f.slice(0, -5)).catch((e: unknown) => {
      if (!(e instanceof CorruptState)) throw e;
      store.warnOnce(`skipping volume ${f.slice(0, -5)}: ${e.message}`);
      return undefined;
    });
    if (v) out.push(v);
  }
  return out;
}

export async function getVolume(store: Store, name: string): Promise<VolumeRecord> {
  const v = NAME.test(name) ? await readVolume(store, name) : undefined;
  if (!v) throw dockerWording(new NotFound(`no such volume: ${name}`), `get ${name}: no such volume`);
  return v;
}

/** Volume name -> names of the containers that use it. */
export async function volumeUsers(store: Store): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const c of await listContainers(store)) {
    for (const m of mountsOf(c)) if (m.Type === 'volume' && m.Name) users.set(m.Name, [...new Set([...(users.get(m.Name) ?? []), c.name])]);
  }
  return users;
}

export async function removeVolume(store: Store, name: string, o: { force?: boolean } = {}): Promise<void> {
  await getVolume(store, name);
  const users = (await volumeUsers(store)).get(name);
  if (users?.length && !o.force)
    throw new Conflict(
      `volume ${name} is in use by container${users.length > 1 ? 's' : ''} ${users.join(', ')}; remove ${users.length > 1 ? 'them' : 'it'} first`,
    );
  await store.lock('volumes', async () => {
    await rm(meta(store, name), { force: true });
    if (existsSync(volumePath(store, name))) await btrfs.remove(volumePath(store, name));
  });
  volumeEvent(store.paths.root, 'destroy', name);
}

/** Remove every volume no container uses; the names removed. */
export async function pruneVolumes(store: Store, o: { all?: boolean } = {}): Promise<string[]> {
  const users = await volumeUsers(store);
  const removed: string[] = [];
  for (const v of await listVolumes(store)) {
    // Docker's prune takes only anonymous volumes unless --all.
    if (users.has(v.Name) || (!o.all && !v.Anonymous)) continue;
    await removeVolume(store, v.Name);
    removed.push(v.Name);
  }
  return removed;
}

/**
 * At create: resolve every mount a container asks for into its record's
 * list, as dockerd does: --volumes-from first, the image's VOLUMEs, then -v
 * and --mount (which override the others at the same path, and may not
 * collide with each other). Makes the named volumes it needs and names the
 * anonymous ones.
 */
export async function resolveMounts(
  store: Store,
  hc: Pick<HostConfig, 'Binds' | 'Mounts' | 'VolumesFrom'>,
  imageVolumes: Record<string, object> = {},
): Promise<MountPoint[]> {
  const byTarget = new Map<string, MountPoint>();
  for (const spec of hc.VolumesFrom ?? []) {
    const [ref, mode = '', ...more] = spec.split(':');
    if (more.length || !['', 'ro', 'rw'].includes(mode)) throw new InvalidArgument(`invalid mode: ${spec.slice(ref.length + 1)}`);
    const from = await getContainer(store, ref);
    for (const m of mountsOf(from)) {
      if (m.Type === 'tmpfs') continue; // a tmpfs is the other container's own
      byTarget.set(m.Destination, { ...m, Mode: '', RW: mode ? mode === 'rw' && m.RW : m.RW });
    }
  }
  for (const v of Object.keys(imageVolumes)) {
    const target = posix.normalize(v);
    if (!byTarget.has(target))
      byTarget.set(target, { Type: 'volume', Name: '', Source: '', Destination: target, Driver: 'local', Mode: '', RW: true, Propagation: '' });
  }
  const explicit = new Set<string>();
  const toCreate = new Map<MountPoint, { labels?: Record<string, string>; options?: Record<string, string> }>();
  const add = (m: MountPoint) => {
    if (explicit.has(m.Destination)) throw new InvalidArgument(`Duplicate mount point: ${m.Destination}`);
    explicit.add(m.Destination);
    byTarget.set(m.Destination, m);
  };
  for (const b of hc.Binds ?? []) {
    const m = parseMountSpec(b);
    if (m.type === 'bind') await makeBindSource(m);
    add(bindMountPoint(m));
  }
  for (const mc of hc.Mounts ?? []) {
    checkMountConfig(mc);
    const target = posix.normalize(mc.Target);
    if (mc.Type === 'bind')
      add({ Type: 'bind', Source: mc.Source!, Destination: target, Mode: '', RW: !mc.ReadOnly, Propagation: mc.BindOptions?.Propagation || 'rprivate' });
    else if (mc.Type === 'tmpfs')
      add({ Type: 'tmpfs', Source: '', Destination: target, Mode: '', RW: !mc.ReadOnly, Propagation: '', tmpfsOptions: tmpfsMountOptions(mc.TmpfsOptions) });
    else {
      if (mc.Source) checkVolumeName(mc.Source);
      const vo = mc.VolumeOptions;
      if (mc.Source && vo?.DriverConfig?.Options) checkLocalOptions(vo.DriverConfig.Options);
      const m: MountPoint = {
        Type: 'volume',
        Name: mc.Source ?? '',
        Source: '',
        Destination: target,
        Driver: 'local',
        Mode: 'z',
        RW: !mc.ReadOnly,
        Propagation: '',
        ...(vo?.NoCopy ? { noCopy: true } : {}),
      };
      add(m);
      // Labels and driver options apply when --mount creates the volume.
      toCreate.set(m, { labels: vo?.Labels, options: vo?.DriverConfig?.Options });
    }
  }
  const out: MountPoint[] = [];
  for (const m of byTarget.values()) {
    if (m.Type === 'volume') {
      const v = await createVolume(store, m.Name || undefined, { anonymous: !m.Name, ...toCreate.get(m) });
      out.push({ ...m, Name: v.Name, Source: v.Mountpoint });
    } else out.push(m);
  }
  return out;
}

/**
 * Seed empty volumes from the image, as Docker does on first use: what the
 * image holds at the mount path (owners, modes and times kept), and the
 * directory's own owner and mode. A volume with content, or mounted nocopy,
 * is left alone; so are volumes the local driver mounts from elsewhere.
 */
export async function seedVolumes(store: Store, rootfs: string, mounts: MountPoint[], warn: (m: string) => void = () => {}): Promise<void> {
  for (const m of mounts) {
    if (m.Type !== 'volume' || m.noCopy || !m.Name) continue;
    const v = await getVolume(store, m.Name);
    if (v.Options.type || v.Options.device) continue;
    const dir = volumePath(store, m.Name);
    const src = await resolveInRoot(rootfs, m.Destination).catch(() => undefined);
    if (!src) continue;
    const st = await lstat(src).catch(() => undefined);
    if (!st?.isDirectory()) continue;
    await store.lock(`volume-${m.Name}`, async () => {
      if ((await readdir(dir)).length) return;
      const { copyTree } = await import('../container/copy.js'); // only when a new volume is filled from the image
      await copyTree(src, dir, warn);
    });
  }
}

/** The anonymous volumes of a removed container (rm -v, --rm), unless another container uses them too. */
export async function removeAnonymousVolumes(store: Store, mounts: MountPoint[]): Promise<void> {
  const users = await volumeUsers(store);
  for (const m of mounts) {
    if (m.Type !== 'volume' || !m.Name || users.get(m.Name)?.length) continue;
    const v = await readVolume(store, m.Name);
    if (v?.Anonymous) await removeVolume(store, m.Name).catch(() => {});
  }
}
