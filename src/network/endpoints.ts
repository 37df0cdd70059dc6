// A container's endpoints: containers/<id>/network.json, seeded from what
// create asked for (NetworkMode + NetworkingConfig) and then kept there, so
// connect, disconnect and seta change it, and an address stays the same
// from one start to the next until rm.
import { rename, unlink, writeFile } from 'node:fs/promises';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import { readJsonSyncOr, tempPathFor } from '../store/json.js';
import { DEFAULT_NETWORK, containerNet, containerNetFile, modeOf, type ContainerNet, type Endpoint } from './model.js';
import { portKey, splitKey, type PortMap } from './ports.js';

export function emptyEndpoint(): Endpoint {
  return { NetworkID: '', Aliases: [], IPAMConfig: null, IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '' };
}

/** Normalise a network name as Docker does: "default" is the default bridge. */
export function netName(n: string): string {
  return n === 'default' ? DEFAULT_NETWORK : n;
}

/** The endpoints create asked for: the NetworkMode network first, then any others. */
export function initialNet(c: ContainerRecord): ContainerNet {
  const mode = modeOf(c);
  if (mode.kind !== 'bridge') return { Networks: {}, Ports: {} };
  const wanted = Object.fromEntries(Object.entries(c.networkingConfig?.EndpointsConfig ?? {}).map(([k, v]) => [netName(k), v]));
  const names = [mode.network!, ...Object.keys(wanted).filter((n) => n !== mode.network)];
  const Networks: Record<string, Endpoint> = {};
  for (const n of names) {
    const w = wanted[n] ?? {};
    Networks[n] = {
      ...emptyEndpoint(),
      Aliases: [...(w.Aliases ?? [])],
      IPAMConfig: w.IPAMConfig?.IPv4Address ? { IPv4Address: w.IPAMConfig.IPv4Address } : null,
      MacAddress: w.MacAddress ?? '',
    };
  }
  return { Networks, Ports: {} };
}

/** The container's endpoints now (a plain file read: ps and inspect call it per container). */
export function readNet(store: Store, c: ContainerRecord): ContainerNet {
  return readJsonSyncOr(containerNetFile(store, c.id), containerNet, null) ?? initialNet(c);
}

/**
 * Read-modify-write of the container's network.json under its lock.
 * Temp-then-rename but without fsync: it is on every start's path, an fsync
 * costs ~10 ms on a loop device, and losing it in a power cut costs little
 * (the address claims under networks/ are the truth; the container gets its
 * endpoints back from its create options and the claims are given back at rm).
 */
export async function updateNet(store: Store, c: ContainerRecord, fn: (n: ContainerNet) => void | Promise<void>): Promise<ContainerNet> {
  return store.lock(`net-${c.id}`, async () => {
    const n = readNet(store, c);
    await fn(n);
    const file = containerNetFile(store, c.id);
    const tmp = tempPathFor(file);
    await writeFile(tmp, JSON.stringify(n, null, 2) + '\n', { mode: 0o600 });
    try {
      await rename(tmp, file);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw e;
    }
    return n;
  });
}

/** Exposed-but-unpublished ports appear as null, as in Docker's NetworkSettings.Ports. */
export function portsView(c: ContainerRecord, published: PortMap, running: boolean): PortMap {
  if (!running) return {};
  const out: PortMap = {};
  for (const k of Object.keys(c.config.ExposedPorts ?? {})) {
    const { port, proto } = splitKey(k);
    out[portKey(port, proto)] = null;
  }
  for (const [k, v] of Object.entries(published)) out[k] = v;
  return out;
}

/** Write a file in place: it is bind-mounted, and a rename would leave the container looking at the old inode. */
export async function writeInPlace(path: string, text: string): Promise<void> {
  await writeFile(path, text);
}
