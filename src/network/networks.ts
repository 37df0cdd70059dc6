// Network records: the default bridge (made on demand from DOCKERLITE_BRIDGE
// and DOCKERLITE_SUBNET) and user-defined bridge networks with their own
// subnets. A network is made under a scratch name and renamed into place.
import { networkEvent } from '../store/events.js';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { Conflict, CorruptState, InvalidArgument, NotFound } from '../errors.js';
import { readJsonOr, writeJson } from '../store/json.js';
import { resolve } from '../store/resolve.js';
import { randomId } from '../store/ids.js';
import { isAbandoned, scratchName, SCRATCH_PREFIX } from '../store/scratch.js';
import * as ip from '../sys/ip.js';
import { checkHostAddress, contains, defaultGateway, formatIp, formatSubnet, isIp, overlaps, parseIp, parseSubnet, size, type Subnet } from './cidr.js';
import { allocations } from './ipam.js';
import { checkNoClash, clashingRoutes, ensureUp, takeDown } from './bridge.js';
import { bridgeNameFor, DEFAULT_NETWORK, networkDir, networkFile, networkRecord, PSEUDO_NETWORKS, type NetworkRecord } from './model.js';

export async function listNetworks(store: Store): Promise<NetworkRecord[]> {
  const out: NetworkRecord[] = [];
  for (const id of await readdir(store.paths.networks).catch(() => [] as string[])) {
    if (id.startsWith(SCRATCH_PREFIX)) {
      if (isAbandoned(id)) await rm(join(store.paths.networks, id), { recursive: true, force: true });
      continue;
    }
    // A corrupt record must not take the other networks down.
    const rec = await readJsonOr(networkFile(store, id), networkRecord, null).catch((e: unknown) => {
      if (!(e instanceof CorruptState)) throw e;
      store.warnOnce(`skipping network ${id.slice(0, 12)}: ${e.message}`);
      return null;
    });
    if (rec) out.push(rec);
  }
  return out.sort((a, b) => a.Created.localeCompare(b.Created));
}

async function writeNetwork(store: Store, rec: NetworkRecord): Promise<void> {
  const scratch = join(store.paths.networks, scratchName());
  await mkdir(join(scratch, 'ips'), { recursive: true });
  try {
    await writeJson(join(scratch, 'network.json'), rec);
    await rename(scratch, networkDir(store, rec.Id));
  } catch (e) {
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
}

/** The default network's record, made from the configuration the first time it is needed. */
export async function defaultNetwork(store: Store): Promise<NetworkRecord> {
  const found = (await listNetworks(store)).find((n) => n.Default);
  const { bridge, subnet } = store.cfg;
  if (found && found.Bridge === bridge && found.Subnet === subnet) return found;
  return store.lock('networks', async () => {
    const nets = await listNetworks(store);
    const cur = nets.find((n) => n.Default);
    const s = parseSubnet(subnet);
    const rec: NetworkRecord = {
      Id: cur?.Id ?? randomId(),
      Name: DEFAULT_NETWORK,
      Created: cur?.Created ?? new Date().toISOString(),
      Driver: 'bridge',
      Subnet: formatSubnet(s),
      Gateway: formatIp(defaultGateway(s)),
      Bridge: bridge,
      Internal: false,
      Labels: {},
      Default: true,
      OwnBridge: cur && cur.Bridge === bridge ? cur.OwnBridge : !ip.linkExists(bridge),
    };
    if (cur && cur.Bridge === rec.Bridge && cur.Subnet === rec.Subnet) return cur;
    if (cur) {
      // The configuration changed: only follow it when nothing depends on the old one.
      const held = await allocations(store, cur);
      if (held.length) {
        throw new Conflict(
          `the default network changed (DOCKERLITE_BRIDGE/DOCKERLITE_SUBNET ${cur.Bridge} ${cur.Subnet} -> ${bridge} ${subnet}) but ${held.length} container(s) still hold addresses in ${cur.Subnet}; remove them first, or restore the old setting`,
        );
      }
      await takeDown(store, cur);
      await writeJson(networkFile(store, cur.Id), rec);
      return rec;
    }
    const other = nets.find((n) => overlaps(parseSubnet(n.Subnet), s));
    if (other) throw new Conflict(`DOCKERLITE_SUBNET ${subnet} overlaps network ${other.Name} (${other.Subnet}); choose another subnet`);
    await writeNetwork(store, rec);
    return rec;
  });
}

/** A network by name, id or id prefix ("bridge" is the default network). host and none have no record. */
export async function getNetwork(store: Store, query: string): Promise<NetworkRecord> {
  if (query === DEFAULT_NETWORK || query === 'default') return defaultNetwork(store);
  const nets = await listNetworks(store);
  try {
    return resolve(
      'network',
      query,
      nets.map((n) => ({ ...n, id: n.Id, names: [n.Name], created: n.Created })),
    );
  } catch (e) {
    if (e instanceof NotFound) throw new NotFound(`network ${query} not found; see 'dockerlite network ls'`);
    throw e;
  }
}

export interface CreateNetworkOptions {
  name: string;
  driver?: string;
  subnet?: string;
  gateway?: string;
  internal?: boolean;
  labels?: Record<string, string>;
  /** -o com.docker.network.bridge.name=NAME */
  bridgeName?: string;
  /** --ip-range: a CIDR inside the subnet that automatic addresses come from. */
  ipRange?: string;
  /** --aux-address NAME=IP: reserved addresses. */
  auxAddresses?: Record<string, string>;
}

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** Take the first /24 of the pool that neither a network of ours nor a host route uses. */
function pickSubnet(pool: string, taken: Subnet[]): string {
  const p = parseSubnet(pool);
  const step = p.prefix <= 24 ? 24 : p.prefix;
  for (let base = p.base; base < p.base + size(p); base += 2 ** (32 - step)) {
    const cand = { base: base >>> 0, prefix: step };
    if (taken.some((t) => overlaps(t, cand))) continue;
    if (clashingRoutes(formatSubnet(cand)).length) continue;
    return formatSubnet(cand);
  }
  throw new Conflict(`no free subnet left in the address pool ${pool} (DOCKERLITE_POOL); give one with --subnet, or remove unused networks`);
}

export async function createNetwork(store: Store, o: CreateNetworkOptions): Promise<NetworkRecord> {
  const name = o.name;
  if (!NAME_RE.test(name)) throw new InvalidArgument(`invalid network name "${name}": use letters, digits, '_', '.' and '-', starting with a letter or digit`);
  if (name === 'default') throw new InvalidArgument('"default" is a reserved network name');
  if (o.driver && o.driver !== 'bridge')
    throw new InvalidArgument(`network driver "${o.driver}" is not supported; dockerlite networks are bridges (--driver bridge)`);
  if (o.bridgeName !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(o.bridgeName)) {
    throw new InvalidArgument(`invalid bridge name "${o.bridgeName}": 1 to 15 letters, digits, '_', '.' or '-'`);
  }
  let subnet = o.subnet !== undefined ? formatSubnet(parseSubnet(o.subnet)) : undefined;
  if (subnet && parseSubnet(subnet).prefix > 30)
    throw new InvalidArgument(`subnet ${subnet} is too small: it needs room for a gateway and a container (/30 or larger)`);
  if (o.gateway !== undefined && !subnet) throw new InvalidArgument('--gateway needs --subnet');
  const def = await defaultNetwork(store);
  const rec = await store.lock('networks', async () => {
    const nets = await listNetworks(store);
    if (nets.some((n) => n.Name === name) || (PSEUDO_NETWORKS as readonly string[]).includes(name) || name === DEFAULT_NETWORK) {
      throw new Conflict(`network with name ${name} already exists`);
    }
    if (subnet) {
      const s = parseSubnet(subnet);
      const other = nets.find((n) => overlaps(parseSubnet(n.Subnet), s));
      if (other) throw new Conflict(`subnet ${subnet} overlaps network ${other.Name} (${other.Subnet}); choose another subnet`);
      checkNoClash(subnet, undefined, 'subnet');
    } else {
      subnet = pickSubnet(
        store.cfg.pool,
        [...nets, def].map((n) => parseSubnet(n.Subnet)),
      );
    }
    const s = parseSubnet(subnet);
    const gw = o.gateway !== undefined ? parseIp(o.gateway) : defaultGateway(s);
    if (o.gateway !== undefined) checkHostAddress(s, -1, o.gateway, 'gateway');
    // Docker's checks: both need --subnet, and must lie inside it.
    if ((o.ipRange || o.auxAddresses) && o.subnet === undefined) throw new InvalidArgument('--ip-range and --aux-address need --subnet');
    const range = o.ipRange !== undefined ? formatSubnet(parseSubnet(o.ipRange)) : undefined;
    if (range && !(contains(s, parseSubnet(range).base) && parseSubnet(range).prefix >= s.prefix))
      throw new InvalidArgument(`invalid pool request: ip-range ${range} is not inside the subnet ${subnet}`);
    for (const [k, v] of Object.entries(o.auxAddresses ?? {})) {
      if (!isIp(v) || !contains(s, parseIp(v))) throw new InvalidArgument(`invalid aux address ${k}=${v}: it is not in the subnet ${subnet}`);
    }
    const id = randomId();
    const dev = o.bridgeName ?? bridgeNameFor(id);
    if (ip.linkExists(dev)) throw new Conflict(`an interface named ${dev} already exists; choose another bridge name`);
    if (nets.some((n) => n.Bridge === dev) || def.Bridge === dev) throw new Conflict(`bridge ${dev} is already used by another network`);
    const r: NetworkRecord = {
      Id: id,
      Name: name,
      Created: new Date().toISOString(),
      Driver: 'bridge',
      Subnet: subnet,
      Gateway: formatIp(gw),
      Bridge: dev,
      Internal: !!o.internal,
      Labels: o.labels ?? {},
      OwnBridge: true,
      ...(range ? { IPRange: range } : {}),
      ...(o.auxAddresses && Object.keys(o.auxAddresses).length ? { AuxAddresses: o.auxAddresses } : {}),
    };
    await writeNetwork(store, r);
    return r;
  });
  // Docker makes the bridge at create: the host's routes show the subnet as taken from now on.
  try {
    await ensureUp(store, rec);
  } catch (e) {
    await takeDown(store, rec).catch(() => {});
    await rm(networkDir(store, rec.Id), { recursive: true, force: true });
    throw e;
  }
  networkEvent(store.paths.root, 'create', rec.Id, { name: rec.Name, type: 'bridge' });
  return rec;
}

/** Delete a user-defined network: refused while any container is attached to it. */
export async function removeNetwork(store: Store, net: NetworkRecord, usersOf: (net: NetworkRecord) => Promise<string[]>): Promise<void> {
  if (net.Default) throw new Conflict(`${DEFAULT_NETWORK} is a pre-defined network and cannot be removed`);
  await store.lock('networks', async () => {
    if (!existsSync(networkDir(store, net.Id))) throw new NotFound(`network ${net.Name} not found`);
    const users = await usersOf(net);
    if (users.length) {
      throw new Conflict(
        `network ${net.Name} is in use by container${users.length > 1 ? 's' : ''} ${users.join(', ')}; disconnect or remove ${users.length > 1 ? 'them' : 'it'} first`,
      );
    }
    const doomed = join(store.paths.networks, scratchName());
    await rename(networkDir(store, net.Id), doomed);
    try {
      await takeDown(store, net);
    } finally {
      await rm(doomed, { recursive: true, force: true });
    }
  });
  networkEvent(store.paths.root, 'destroy', net.Id, { name: net.Name, type: 'bridge' });
}
