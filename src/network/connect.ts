// network connect / disconnect, and the original's lsa / seta. A running
// container is plugged in or out on the spot: a new veth is created with
// its far end inside the container's network namespace, configured there
// with nsenter + ip, and the peers' /etc/hosts follow.
import { networkEvent } from '../store/events.js';
import { existsSync } from 'node:fs';
import type { Store } from '../store/store.js';
import { Conflict, InvalidArgument, NotFound } from '../errors.js';
import { getContainer, isRunning, listContainers, type ContainerView } from '../store/containers.js';
import { containerInitPid } from '../store/containers.js';
import * as ip from '../sys/ip.js';
import { checkHostAddress, macForIp, parseIp, parseSubnet } from './cidr.js';
import { ensureUp } from './bridge.js';
import { allocations, claim, holder, release } from './ipam.js';
import { getNetwork, listNetworks } from './networks.js';
import { emptyEndpoint, readNet, updateNet } from './endpoints.js';
import { refreshPeers } from './resolution.js';
import { ensureResolver, nudgeResolver } from './dns.js';
import { unpublish } from './publish.js';
import { modeOf, networkDir, vethName, type Endpoint, type NetworkRecord } from './model.js';

function checkPseudo(query: string): void {
  if (query === 'host' || query === 'none') {
    throw new Conflict(`container cannot be connected to or disconnected from the ${query} network: use --network ${query} when creating it instead`);
  }
}

function needsBridgeMode(c: ContainerView): void {
  const mode = modeOf(c);
  if (mode.kind !== 'bridge')
    throw new Conflict(`container ${c.name} uses --network ${c.hostConfig.NetworkMode}, so it has no network of its own to connect or change`);
}

function endpointOn(eps: Record<string, Endpoint>, net: NetworkRecord): string | undefined {
  return Object.entries(eps).find(([name, ep]) => ep.NetworkID === net.Id || (!ep.NetworkID && name === net.Name))?.[0];
}

/** Put a veth into the running container for ep (already holding its address). */
async function plug(c: ContainerView, net: NetworkRecord, ep: Endpoint, isOnly: boolean): Promise<void> {
  const pid = containerInitPid(c);
  if (ip.linkExists(ep.Veth!)) await ip.deleteLink(ep.Veth!);
  await ip.addVethInto(ep.Veth!, ep.Ifname!, pid);
  try {
    await ip.attach(ep.Veth!, net.Bridge);
    await ip.configureInside(pid, ep.Ifname!, { mac: ep.MacAddress, cidr: `${ep.IPAddress}/${ep.IPPrefixLen}`, gateway: isOnly ? ep.Gateway : undefined });
  } catch (e) {
    await ip.deleteLink(ep.Veth!);
    throw e;
  }
}

export interface ConnectOptions {
  ip?: string;
  aliases?: string[];
}

export async function connect(store: Store, netQuery: string, ctrQuery: string, o: ConnectOptions = {}): Promise<void> {
  checkPseudo(netQuery);
  const net = await getNetwork(store, netQuery);
  const c = await getContainer(store, ctrQuery);
  needsBridgeMode(c);
  if (o.aliases?.length && net.Default) throw new InvalidArgument('network-scoped aliases (--alias) are only supported on user-defined networks');
  if (o.ip) checkHostAddress(parseSubnet(net.Subnet), parseIp(net.Gateway), o.ip, '--ip');
  const running = isRunning(c.state);
  if (running) await ensureUp(store, net);
  let added: Endpoint | undefined;
  // Under the networks lock: network rm cannot slip in between its check and this.
  await store.lock('networks', async () => {
    if (!existsSync(networkDir(store, net.Id))) throw new NotFound(`network ${net.Name} not found`);
    await updateNet(store, c, async (n) => {
      if (endpointOn(n.Networks, net)) throw new Conflict(`container ${c.name} is already connected to network ${net.Name}`);
      const ep: Endpoint = { ...emptyEndpoint(), NetworkID: net.Id, Aliases: o.aliases ?? [], IPAMConfig: o.ip ? { IPv4Address: o.ip } : null };
      if (running) {
        const used = new Set(Object.values(n.Networks).map((e) => e.Ifname));
        let i = 0;
        while (used.has(`eth${i}`)) i++;
        ep.IPAddress = await claim(store, net, c.id, o.ip);
        Object.assign(ep, {
          IPPrefixLen: parseSubnet(net.Subnet).prefix,
          Gateway: net.Gateway,
          MacAddress: macForIp(parseIp(ep.IPAddress)),
          Veth: vethName(c.id, i),
          Ifname: `eth${i}`,
        });
        try {
          await plug(c, net, ep, Object.keys(n.Networks).length === 0);
        } catch (e) {
          await release(store, net, c.id, ep.IPAddress);
          throw e;
        }
      }
      n.Networks[net.Name] = ep;
      added = ep;
    });
  });
  networkEvent(store.paths.root, 'connect', net.Id, { container: c.id, name: net.Name, type: 'bridge' });
  if (running && added) {
    await refreshPeers(store, c, true);
    if (added.Gateway) await ensureResolver(store, [added.Gateway]);
  }
}

export async function disconnect(store: Store, netQuery: string, ctrQuery: string): Promise<void> {
  checkPseudo(netQuery);
  const c = await getContainer(store, ctrQuery);
  needsBridgeMode(c);
  let net: NetworkRecord | undefined;
  try {
    net = await getNetwork(store, netQuery);
  } catch (e) {
    // A network removed behind the container's back can still be let go of by name.
    if (!(e instanceof NotFound) || !readNet(store, c).Networks[netQuery]) throw e;
  }
  const running = isRunning(c.state);
  let removed: { name: string; ep: Endpoint; primary: boolean } | undefined;
  await updateNet(store, c, async (n) => {
    const name = net ? endpointOn(n.Networks, net) : netQuery;
    if (!name) throw new Conflict(`container ${c.name} is not connected to network ${net?.Name ?? netQuery}`);
    const ep = n.Networks[name];
    const primary = Object.keys(n.Networks)[0] === name;
    if (running && ep.Veth && ip.linkExists(ep.Veth)) await ip.deleteLink(ep.Veth); // the far end goes with it
    if (primary && Object.keys(n.Ports).length) {
      // The published ports led to this address.
      await unpublish(store, c.id);
      n.Ports = {};
    }
    delete n.Networks[name];
    removed = { name, ep, primary };
    // The default route went with the first network: the next one takes it over, as in Docker.
    const next = Object.values(n.Networks)[0];
    if (running && primary && next?.Ifname && next.Gateway) await ip.setDefaultRouteInside(containerInitPid(c), next.Gateway, next.Ifname);
  });
  if (net && removed?.ep.IPAddress) await release(store, net, c.id, removed.ep.IPAddress);
  if (removed) networkEvent(store.paths.root, 'disconnect', net?.Id ?? removed.name, { container: c.id, name: net?.Name ?? removed.name, type: 'bridge' });
  if (running && removed) {
    await refreshPeers(store, c, true, [removed.name]);
    await nudgeResolver(store);
  }
}

export interface AddressRow {
  ip: string;
  network: string;
  cid: string;
  name: string;
}

/** lsa: every address held, in every network. */
export async function listAddresses(store: Store): Promise<AddressRow[]> {
  const names = new Map((await listContainers(store)).map((c) => [c.id, c.name]));
  const out: AddressRow[] = [];
  for (const net of await listNetworks(store)) {
    for (const a of await allocations(store, net)) out.push({ ip: a.ip, network: net.Name, cid: a.cid, name: names.get(a.cid) ?? '(removed)' });
  }
  return out;
}

/**
 * seta CONTAINER [IP]: give a stopped container that address on its first
 * network (or `network`), or the next free one if it has none yet. The
 * address is kept across starts until rm. Returns it.
 */
export async function setAddress(store: Store, ctrQuery: string, want?: string, network?: string): Promise<string> {
  const c = await getContainer(store, ctrQuery);
  needsBridgeMode(c);
  if (isRunning(c.state)) throw new Conflict(`container ${c.name} is running; stop it before changing its address`);
  const cur = readNet(store, c);
  const name = network ?? Object.keys(cur.Networks)[0];
  if (!name) throw new Conflict(`container ${c.name} is not connected to any network; connect it first`);
  const net = await getNetwork(store, name);
  const epName = endpointOn(cur.Networks, net);
  if (!epName) throw new Conflict(`container ${c.name} is not connected to network ${net.Name}`);
  let result = '';
  await updateNet(store, c, async (n) => {
    const ep = n.Networks[epName];
    const old = ep.NetworkID === net.Id ? ep.IPAddress : '';
    if (!want && old && (await holder(store, net, old)) === c.id) {
      result = old;
      return;
    }
    const addr = await claim(store, net, c.id, want);
    if (old && old !== addr) await release(store, net, c.id, old);
    if (old && ep.MacAddress === macForIp(parseIp(old))) ep.MacAddress = macForIp(parseIp(addr));
    Object.assign(ep, {
      NetworkID: net.Id,
      IPAddress: addr,
      IPPrefixLen: parseSubnet(net.Subnet).prefix,
      Gateway: net.Gateway,
      MacAddress: ep.MacAddress || macForIp(parseIp(addr)),
      ...(want ? { IPAMConfig: { IPv4Address: addr } } : {}),
    });
    result = addr;
  });
  return result;
}

/** Containers attached to net, with their address there (for network inspect). */
export async function membersOf(store: Store, net: NetworkRecord): Promise<Array<{ c: ContainerView; ip: string; prefix: number; mac: string }>> {
  const out: Array<{ c: ContainerView; ip: string; prefix: number; mac: string }> = [];
  for (const c of await listContainers(store)) {
    const n = readNet(store, c);
    const name = endpointOn(n.Networks, net);
    if (!name) continue;
    const ep = n.Networks[name];
    out.push({ c, ip: ep.IPAddress, prefix: ep.IPPrefixLen, mac: ep.MacAddress });
  }
  return out;
}
