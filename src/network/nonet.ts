// The network hooks of a container with --network none, apart from
// hooks.ts so that starting or removing one does not load the bridge,
// firewall, port and DNS code (~15 ms of module loading per command): it
// has no endpoints, ports or address claims, only its own /etc/hosts and
// /etc/resolv.conf. Anything else found (a network.json with endpoints or
// ports, from an older dockerlite) goes to the full hooks.
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import type { LxcSpec } from '../runtime/rcfile.js';
import { existsSync } from 'node:fs';
import { mountPointFor } from '../store/mountpoints.js';
import { readNet } from './endpoints.js';
import { writeOwnFiles } from './resolution.js';
import { containerNetFile, modeOf } from './model.js';

/** A --network none container with nothing of a network recorded: no hook but beforeStart has work to do. */
export function isBare(store: Store, c: ContainerRecord): boolean {
  return modeOf(c).kind === 'none' && !existsSync(containerNetFile(store, c.id));
}

/** Bind /etc/hosts and /etc/resolv.conf (first, so a user's -v onto either still wins). */
export async function mountOwnFiles(store: Store, c: ContainerRecord, spec: LxcSpec, files: { hosts: string; resolv: string }): Promise<void> {
  const hostsAt = await mountPointFor(store, c.id, '/etc/hosts');
  const resolvAt = await mountPointFor(store, c.id, '/etc/resolv.conf');
  spec.mounts = [
    { source: files.hosts, target: hostsAt, fstype: 'none', options: ['bind'] },
    { source: files.resolv, target: resolvAt, fstype: 'none', options: ['bind'] },
    ...(spec.mounts ?? []),
  ];
}

/** beforeStart of a bare --network none container: no devices, its own files. */
export async function beforeStartNone(store: Store, c: ContainerRecord, spec: LxcSpec): Promise<void> {
  spec.net = [];
  await mountOwnFiles(store, c, spec, await writeOwnFiles(store, c, readNet(store, c)));
}
