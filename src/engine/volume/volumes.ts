// Named volumes: each is a BTRFS subvolume, volumes/<name>, with its record
// beside it in volumes/<name>.json. A volume is in use while any container
// (running or not) names it in a -v; `volume rm` refuses then, as Docker.
import { volumeEvent } from '../../store/events.js';
import { readdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { Conflict, CorruptState, InvalidArgument, NotFound } from '../../errors.js';
import { readJsonOr, writeJson } from '../../store/json.js';
import { randomId } from '../../store/ids.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { listContainers } from '../../store/containers.js';
import { formatMountSpec, parseMountSpec } from '../container/spec/mounts.js';
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
  o: { labels?: Record<string, string>; anonymous?: boolean } = {},
): Promise<VolumeRecord> {
  const n = checkVolumeName(name ?? randomId());
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
      Options: {},
      ...(o.anonymous ? { Anonymous: true } : {}),
    };
    await writeJson(meta(store, n), rec);
    volumeEvent(store.paths.root, 'create', n);
    return rec;
  });
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
  if (!v) throw new NotFound(`no such volume: ${name}`);
  return v;
}

/** Volume name -> names of the containers that use it. */
export async function volumeUsers(store: Store): Promise<Map<string, string[]>> {
  const users = new Map<string, string[]>();
  for (const c of await listContainers(store)) {
    for (const b of c.hostConfig.Binds ?? []) {
      const m = parseMountSpec(b);
      if (m.type === 'volume') users.set(m.source, [...(users.get(m.source) ?? []), c.name]);
    }
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
 * At create: make the named volumes a container's -v lists, and name its
 * anonymous ones (-v /path, and the image's VOLUMEs not otherwise mounted).
 * Returns the Binds to record, each as name:/path or /host:/path.
 */
export async function resolveVolumes(store: Store, binds: string[] = [], imageVolumes: Record<string, object> = {}): Promise<string[]> {
  const specs = binds.map(parseMountSpec);
  for (const v of Object.keys(imageVolumes)) {
    const target = parseMountSpec(v).target;
    if (!specs.some((s) => s.target === target)) specs.push({ type: 'volume', source: '', target, readonly: false });
  }
  const out: string[] = [];
  for (const s of specs) {
    if (s.type === 'volume') s.source = (await createVolume(store, s.source || undefined, { anonymous: !s.source })).Name;
    out.push(formatMountSpec(s));
  }
  return out;
}

/** The anonymous volumes of a removed container (rm -v, --rm), unless another container uses them too. */
export async function removeAnonymousVolumes(store: Store, binds: string[] = []): Promise<void> {
  const users = await volumeUsers(store);
  for (const b of binds) {
    const m = parseMountSpec(b);
    if (m.type !== 'volume' || users.get(m.source)?.length) continue;
    const v = await readVolume(store, m.source);
    if (v?.Anonymous) await removeVolume(store, m.source).catch(() => {});
  }
}
