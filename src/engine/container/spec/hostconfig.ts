// A container's HostConfig turned into LXC settings at each start: mounts,
// the managed /etc files, --read-only, capabilities, --privileged, cgroup
// limits, --security-opt, and a console pty for -t.
import { existsSync } from 'node:fs';
import type { Store } from '../../../store/store.js';
import type { ContainerRecord } from '../../../store/types.js';
import type { LxcSpec } from '../../../runtime/rcfile.js';
import { containerMounts } from './mounts.js';
import { volumeLookup } from '../../volume/volumes.js';
import { effectiveCaps } from './caps.js';
import { cgroupSettings } from './limits.js';
import { securityOf } from './security.js';

/** v1 hosts without swap accounting have no memory.memsw.* files; LXC would fail to write them. */
function hasMemsw(): boolean {
  return existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');
}

export async function applyHostConfig(store: Store, c: ContainerRecord, spec: LxcSpec): Promise<void> {
  const hc = c.hostConfig;
  spec.mounts = [...(spec.mounts ?? []), ...(await containerMounts(store, c, (n) => volumeLookup(store, n)))];
  spec.readonlyRootfs = !!hc.ReadonlyRootfs;
  spec.privileged = !!hc.Privileged;
  spec.caps = effectiveCaps(hc.CapAdd, hc.CapDrop);
  spec.cgroup = [...(spec.cgroup ?? []), ...cgroupSettings(hc, spec.cgroupVersion, { memsw: hasMemsw() })];
  spec.tty = !!c.config.Tty;
  const sec = securityOf(hc.SecurityOpt);
  spec.apparmorUnconfined = !sec.apparmor;
  spec.noNewPrivs = sec.noNewPrivileges;
}
