// Publishing ports: choose the host ports (given, from a range, or any free
// one), refuse ports that are taken, and install the DNAT rules. All checks
// come before the first rule, so a refused start leaves nothing behind.
//
// No proxy process holds the host port: the kernel forwards the traffic.
// A port counts as taken when a process of this host listens on it, or when
// any dockerlite store already publishes it.
import { lazyBuiltin } from '../util/lazy.js';
import { createSocket } from 'node:dgram';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import { Conflict, InvalidArgument } from '../errors.js';
import { listContainers, isRunning } from '../store/containers.js';
import * as firewall from './firewall.js';
import { namesFor } from './model.js';
import { readNet } from './endpoints.js';
import { identify, isAlive, type ProcId } from '../sys/proc.js';
import { hostPortRange, requested, splitKey, type Mapping, type PortMap, type Proto } from './ports.js';
import { randomInt } from '../store/ids.js';

// Loaded when used: a start on a network without published ports or user-network names needs none of it.
const net = lazyBuiltin<typeof import('node:net')>('node:net');

/** Can a socket be bound to ip:port here, now? (sctp is not probed.) */
export function bindable(proto: Proto, ip: string, port: number): Promise<boolean> {
  const host = ip || '0.0.0.0';
  if (proto === 'sctp') return Promise.resolve(true);
  return new Promise((resolve) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', () => resolve(false));
      s.bind({ address: host, port, exclusive: true }, () => s.close(() => resolve(true)));
      return;
    }
    const srv = net().createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function localAddresses(): Set<string> {
  const out = new Set<string>(['0.0.0.0', '']);
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address);
  return out;
}

function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    /* default below */
  }
  return [32768, 60999];
}

// Moved to ports.ts (pure: the create check of --network none needs them without this module).
export { requested, wantsPorts } from './ports.js';

const overlapsIp = (a: string, b: string) => !a || a === '0.0.0.0' || !b || b === '0.0.0.0' || a === b;

/**
 * Publish c's ports to its address cip. `record` stores the PortMap
 * (Docker's NetworkSettings.Ports) and the publishing process while the
 * ports lock is still held.
 */
export async function publish(
  store: Store,
  c: ContainerRecord,
  cip: string,
  record: (ports: PortMap, publisher: ProcId | undefined) => Promise<void>,
): Promise<PortMap> {
  const want = requested(c);
  if (!want.length) return {};
  const local = localAddresses();
  for (const [, b] of want) {
    if (!local.has(b.HostIp)) throw new InvalidArgument(`cannot publish on ${b.HostIp}: it is not an address of this host`);
  }
  const n = namesFor(store);
  return store.lock('ports', async () => {
    // Rules of our containers that are neither running nor being started by
    // a live process are leftovers of a hard kill: clear them.
    let rules = await firewall.publishedOnHost();
    const ours = `dockerlite:${n.tag}:ctr:`;
    const byPrefix = new Map((await listContainers(store)).map((x) => [x.id.slice(0, 12), x]));
    const stale = new Set<string>();
    for (const r of rules) {
      if (!r.comment.startsWith(ours)) continue;
      const id = r.comment.slice(ours.length);
      const x = byPrefix.get(id);
      if (id === c.id.slice(0, 12) || !x || (!isRunning(x.state) && !isAlive(readNet(store, x).Publisher))) stale.add(id);
    }
    for (const id of stale) await firewall.removePorts(store, id);
    if (stale.size) rules = await firewall.publishedOnHost();

    const chosen: Mapping[] = [];
    const owner = (proto: string, ip: string, port: number): string | undefined => {
      if (chosen.some((m) => m.proto === proto && m.hostPort === port && overlapsIp(m.hostIp, ip))) return 'this container (it asks for it twice)';
      const r = rules.find((x) => x.proto === proto && x.hostPort === port && overlapsIp(x.hostIp, ip));
      if (!r) return undefined;
      if (r.comment.startsWith(ours)) return `container ${r.comment.slice(ours.length)}`;
      return `another dockerlite (${r.chain})`;
    };
    const free = async (proto: Proto, ip: string, port: number) => !owner(proto, ip, port) && (await bindable(proto, ip, port));

    for (const [key, b] of want) {
      const { port, proto } = splitKey(key);
      const range = hostPortRange(b);
      let hostPort: number | undefined;
      if (range && range[0] === range[1]) {
        const who = owner(proto, b.HostIp, range[0]);
        if (who)
          throw new Conflict(`cannot publish ${b.HostIp || '0.0.0.0'}:${range[0]}->${key}: host port ${range[0]}/${proto} is already published by ${who}`);
        if (!(await bindable(proto, b.HostIp, range[0])))
          throw new Conflict(
            `cannot publish ${b.HostIp || '0.0.0.0'}:${range[0]}->${key}: host port ${range[0]}/${proto} is already in use by a process on this host`,
          );
        hostPort = range[0];
      } else {
        const [lo, hi] = range ?? ephemeralRange();
        // From a random place in the range, so parallel starts rarely try the same port.
        const span = hi - lo + 1;
        const start = randomInt(span);
        for (let i = 0; i < span && hostPort === undefined; i++) {
          const p = lo + ((start + i) % span);
          if (await free(proto, b.HostIp, p)) hostPort = p;
        }
        if (hostPort === undefined) throw new Conflict(`cannot publish ${key}: no free host port in ${lo}-${hi}`);
      }
      chosen.push({ proto, containerPort: port, hostIp: b.HostIp === '0.0.0.0' ? '' : b.HostIp, hostPort });
    }
    try {
      await firewall.addPorts(store, c.id, cip, chosen);
    } catch (e) {
      await firewall.removePorts(store, c.id);
      throw e;
    }
    const out: PortMap = {};
    for (const m of chosen) (out[`${m.containerPort}/${m.proto}`] ??= []).push({ HostIp: m.hostIp || '0.0.0.0', HostPort: String(m.hostPort) });
    // Recorded before the lock is let go: the next publisher must see these rules as in use.
    await record(out, identify(process.pid));
    return out;
  });
}

/** Withdraw c's published ports. */
export async function unpublish(store: Store, cid: string): Promise<void> {
  await firewall.removePorts(store, cid);
}
