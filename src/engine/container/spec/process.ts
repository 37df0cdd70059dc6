// The container's process as Docker makes it. LXC execs native/dl-init
// (bind-mounted read-only on /dev/.dl-init) as root; dl-init sets the user's
// supplementary groups (the image's /etc/group memberships and --group-add:
// LXC 5.0 has no lxc.init.groups), its gid and uid, drops LXC's
// container=lxc, and execs the command, which so is pid 1; with --init it
// stays pid 1 as a reaping init instead (Docker's tini). Also Docker's
// /dev/shm (64 MB, --shm-size), /dev/mqueue and /.dockerenv.
import type { Store } from '../../../store/store.js';
import type { ContainerRecord } from '../../../store/types.js';
import type { LxcSpec } from '../../../runtime/rcfile.js';
import { DL_INIT } from '../../../runtime/lxc.js';
import { InvalidArgument } from '../../../errors.js';
import { mountPointFor } from '../../../store/mountpoints.js';
import { readTable, type ResolvedUser } from './user.js';
import { envValue } from './command.js';

/** Where dl-init appears inside the container. */
export const INIT_PATH = '/dev/.dl-init';
const DEFAULT_SHM_BYTES = 64 * 1024 * 1024;

/** The user's groups for setgroups: its /etc/group memberships, --group-add (names or numbers) and its gid, as Docker. */
export async function supplementaryGroups(rootfs: string, user: ResolvedUser, add: readonly string[] = []): Promise<number[]> {
  const groups = await readTable(rootfs, '/etc/group');
  const out: number[] = [];
  if (user.name) for (const g of groups) if ((g[3] ?? '').split(',').includes(user.name)) out.push(Number(g[2]));
  for (const a of add) {
    if (/^\d+$/.test(a)) out.push(Number(a));
    else {
      const g = groups.find((e) => e[0] === a);
      if (!g) throw new InvalidArgument(`unable to find group ${a}: no matching entries in the container's /etc/group`);
      out.push(Number(g[2]));
    }
  }
  out.push(user.gid);
  return [...new Set(out.filter((n) => Number.isInteger(n) && n >= 0))];
}

/**
 * /dev/shm as Docker gives it: none with --ipc none, the host's with --ipc
 * host, else a tmpfs of the container's own. (With container:NAME Docker binds
 * the donor's, which it keeps on the host; here the donor's lives in its own
 * mount namespace, which cannot be bound from: the joiner gets its own tmpfs.)
 */
function shmMounts(mode: unknown, bytes: number): NonNullable<LxcSpec['mounts']> {
  if (mode === 'none') return [];
  if (mode === 'host') return [{ source: '/dev/shm', target: 'dev/shm', fstype: 'none', options: ['rbind', 'create=dir'] }];
  return [
    { source: 'shm', target: 'dev/shm', fstype: 'tmpfs', options: ['rw', 'nosuid', 'nodev', 'noexec', `size=${Math.ceil(bytes / 1024)}k`, 'create=dir'] },
  ];
}

/** Put dl-init in front of argv and add Docker's /dev/shm, /dev/mqueue and /.dockerenv; returns the argv LXC runs. */
export async function processModel(store: Store, c: ContainerRecord, spec: LxcSpec, user: ResolvedUser, argv: string[]): Promise<string[]> {
  const hc = c.hostConfig;
  const groups = await supplementaryGroups(spec.rootfs, { ...user, gid: spec.gid }, (hc.GroupAdd as string[] | undefined) ?? []);
  const shm = typeof hc.ShmSize === 'number' && hc.ShmSize > 0 ? hc.ShmSize : DEFAULT_SHM_BYTES;
  spec.mounts = [
    ...(spec.mounts ?? []),
    { source: DL_INIT, target: INIT_PATH.slice(1), fstype: 'none', options: ['bind', 'ro', 'create=file'] },
    ...shmMounts(hc.IpcMode, shm),
    { source: 'mqueue', target: 'dev/mqueue', fstype: 'mqueue', options: ['rw', 'nosuid', 'nodev', 'noexec', 'create=dir'] },
  ];
  // /.dockerenv: made in the rootfs and recorded as dockerlite's, so diff and commit leave it out (Docker's init layer).
  await mountPointFor(store, c.id, '/.dockerenv', 'file');
  // LXC starts dl-init as root; dl-init becomes the user.
  const { uid, gid } = spec;
  spec.uid = 0;
  spec.gid = 0;
  const own = envValue(spec.env, 'container');
  const opts = [...(hc.Init === true ? ['--init'] : []), ...(own !== undefined ? [`--container=${own}`] : [])];
  return [INIT_PATH, ...opts, String(uid), String(gid), groups.join(','), '--', ...argv];
}
