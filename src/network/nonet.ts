// The network hooks of a container with --network none, apart from
// hooks.ts so that starting or removing one does not load the bridge,
// firewall, port and DNS code (~15 ms of module loading per command): it
// has no endpoints, ports or address claims, only its own /etc/hosts and
// /etc/resolv.conf, and its create check is checkModeFlags. Anything else found (a network.json with endpoints or
// ports, from an older dockerlite) goes to the full hooks.
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import type { LxcSpec } from '../runtime/rcfile.js';
import { existsSync } from 'node:fs';
import { mountPointFor } from '../store/mountpoints.js';
import { netName, readNet } from './endpoints.js';
import { requested } from './ports.js';
import { InvalidArgument } from '../errors.js';
import { writeOwnFiles } from './resolution.js';
import { containerNetFile, modeOf } from './model.js';

/** At create, for every mode: what only a bridge network can give is refused elsewhere (the whole check of --network none). */
export function checkModeFlags(rec: ContainerRecord): void {
  const hc = rec.hostConfig;
  const mode = modeOf(rec);
  const eps = rec.networkingConfig?.EndpointsConfig ?? {};
  const asked = (k: 'aliases' | 'ip' | 'mac') =>
    Object.values(eps).some((e) => (k === 'aliases' ? e.Aliases?.length : k === 'ip' ? e.IPAMConfig?.IPv4Address : e.MacAddress));
  if (mode.kind !== 'bridge') {
    if (asked('ip') || asked('aliases') || asked('mac'))
      throw new InvalidArgument(`conflicting options: --ip, --network-alias and --mac-address need a bridge network, not --network ${hc.NetworkMode}`);
    if (Object.keys(eps).some((n) => netName(n) !== hc.NetworkMode))
      throw new InvalidArgument(`conflicting options: --network ${hc.NetworkMode} cannot be combined with other networks`);
  }
  if ((mode.kind === 'none' || mode.kind === 'container') && requested(rec).length > 0) {
    throw new InvalidArgument(`conflicting options: port publishing and --network ${mode.kind === 'none' ? 'none' : 'container:'}`);
  }
}

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
