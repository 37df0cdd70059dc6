// Networking's part in a container's life, called from src/engine/hooks.ts:
//   create        check the networks exist and the flags fit together
//   before start  bridge up, addresses claimed (kept until rm), veths in the
//                 LXC config, /etc/hosts and resolv.conf, ports published
//   after start   its name appears in its peers' /etc/hosts
//   after stop    ports withdrawn, name gone from its peers' /etc/hosts
//   before rm     addresses released
//   before deinit bridges and every rule of the store removed
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import type { LxcSpec } from '../runtime/rcfile.js';
import { Conflict, InvalidArgument, NotFound, describe } from '../errors.js';
import { getContainer, isRunning, listContainers } from '../store/containers.js';
import { containerInitPid } from '../store/containers.js';
import * as ip from '../sys/ip.js';
import { broadcast, checkHostAddress, formatIp, macForIp, parseIp, parseSubnet } from './cidr.js';
import { ensureUp, takeDown } from './bridge.js';
import * as firewall from './firewall.js';
import { claim, release } from './ipam.js';
import { getNetwork, listNetworks } from './networks.js';
import { initialNet, readNet, updateNet } from './endpoints.js';
import { refreshPeers, writeOwnFiles } from './resolution.js';
import { ensureResolver, nudgeResolver, stopResolver } from './dns.js';
import { publish, requested, unpublish, wantsPorts } from './publish.js';
import { DEFAULT_NETWORK, containerNetFile, modeOf, vethName, type ContainerNet, type NetworkRecord } from './model.js';
import { portKey, splitKey } from './ports.js';
import { existsSync } from 'node:fs';
import { checkModeFlags, mountOwnFiles } from './nonet.js';

/** At create: the networks exist, addresses fit their subnets, and the flags do not contradict the mode. */
export async function checkCreate(store: Store, rec: ContainerRecord): Promise<void> {
  const hc = rec.hostConfig;
  const mode = modeOf(rec);
  checkModeFlags(rec);
  const ports = requested(rec).length > 0;
  // As Docker: a warning, not an error; the container's ports are the host's already.
  if (mode.kind === 'host' && ports) store.warn('published ports are discarded when using host network mode');
  if (mode.kind === 'container') {
    if (hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length || hc.ExtraHosts?.length) {
      throw new InvalidArgument("conflicting options: --dns and --add-host cannot be used with --network container:, which shares that container's files");
    }
    const target = await getContainer(store, mode.target);
    if (target.id === rec.id) throw new InvalidArgument('a container cannot share its own network namespace');
    hc.NetworkMode = `container:${target.id}`;
    return;
  }
  if (mode.kind !== 'bridge') return;
  const net = initialNet(rec);
  for (const [name, ep] of Object.entries(net.Networks)) {
    if (name === 'host' || name === 'none') throw new InvalidArgument(`conflicting options: --network ${name} cannot be combined with other networks`);
    const n = await getNetwork(store, name);
    if (n.Default && ep.Aliases.length) throw new InvalidArgument('network-scoped aliases (--network-alias) are only supported on user-defined networks');
    const want = ep.IPAMConfig?.IPv4Address;
    if (want) checkHostAddress(parseSubnet(n.Subnet), parseIp(n.Gateway), want, '--ip');
  }
  // As Docker: what is published is also exposed.
  for (const k of Object.keys(hc.PortBindings ?? {})) {
    const { port, proto } = splitKey(k);
    rec.config.ExposedPorts = { ...rec.config.ExposedPorts, [portKey(port, proto)]: {} };
  }
}

/** Remove host-side leftovers of an earlier run that ended without its after-stop (a hard kill). */
async function clearLeftovers(store: Store, c: ContainerRecord, net: ContainerNet): Promise<void> {
  for (const ep of Object.values(net.Networks)) if (ep.Veth && ip.linkExists(ep.Veth)) await ip.deleteLink(ep.Veth);
  if (Object.keys(net.Ports).length || wantsPorts(c)) await unpublish(store, c.id);
}

/** Resolve a container's networks (outside its lock: making the default network takes the networks lock). */
async function networksOf(store: Store, c: ContainerRecord, net: ContainerNet): Promise<Map<string, NetworkRecord>> {
  const out = new Map<string, NetworkRecord>();
  for (const name of Object.keys(net.Networks)) {
    try {
      out.set(name, await getNetwork(store, name));
    } catch (e) {
      if (e instanceof NotFound)
        throw new NotFound(
          `network ${name} of container ${c.name} no longer exists; connect it to another network, or run 'dockerlite network disconnect ${name} ${c.name}'`,
        );
      throw e;
    }
  }
  return out;
}

/** Claim (or keep) the container's address on each of its networks. */
async function claimAll(store: Store, c: ContainerRecord, recs: Map<string, NetworkRecord>): Promise<ContainerNet> {
  return updateNet(store, c, async (n) => {
    let i = 0;
    for (const [name, ep] of Object.entries(n.Networks)) {
      const rec = recs.get(name)!;
      if (ep.NetworkID && ep.NetworkID !== rec.Id) ep.IPAddress = ''; // the network was made anew: the old address means nothing
      const asked = ep.IPAMConfig?.IPv4Address;
      let addr: string;
      try {
        addr = await claim(store, rec, c.id, asked || ep.IPAddress || undefined);
      } catch (e) {
        if (asked || !ep.IPAddress || !(e instanceof Conflict)) throw e;
        addr = await claim(store, rec, c.id);
      }
      if (ep.IPAddress && ep.IPAddress !== addr && ep.MacAddress === macForIp(parseIp(ep.IPAddress))) ep.MacAddress = '';
      Object.assign(ep, {
        NetworkID: rec.Id,
        IPAddress: addr,
        IPPrefixLen: parseSubnet(rec.Subnet).prefix,
        Gateway: rec.Gateway,
        MacAddress: ep.MacAddress || macForIp(parseIp(addr)),
        Veth: vethName(c.id, i),
        Ifname: `eth${i}`,
      });
      i++;
    }
  });
}

export async function beforeStart(store: Store, c: ContainerRecord, spec: LxcSpec): Promise<void> {
  const mode = modeOf(c);
  let net = readNet(store, c);
  await clearLeftovers(store, c, net);
  const mounts = (files: { hosts: string; resolv: string }) => mountOwnFiles(store, c, spec, files);
  if (mode.kind === 'none') {
    spec.net = [];
    await mounts(await writeOwnFiles(store, c, net));
    return;
  }
  if (mode.kind === 'host') {
    // Our own namespace, named by our pid: pid 1 may be out of reach (a
    // sandbox's init) or live in another namespace than the one we manage.
    spec.netNamespaceOf = process.pid;
    await mounts(await writeOwnFiles(store, c, net));
    return;
  }
  if (mode.kind === 'container') {
    const target = await getContainer(store, mode.target).catch((e) => {
      throw e instanceof NotFound ? new NotFound(`cannot join the network of container ${mode.target}: it no longer exists`) : e;
    });
    if (!isRunning(target.state)) throw new Conflict(`cannot join the network of container ${target.name}: it is not running`);
    spec.netNamespaceOf = containerInitPid(target);
    await mounts(await writeOwnFiles(store, c, net, target));
    return;
  }
  const recs = await networksOf(store, c, net);
  for (const rec of recs.values()) await ensureUp(store, rec);
  net = await claimAll(store, c, recs);
  for (const ep of Object.values(net.Networks)) if (ep.Veth && ip.linkExists(ep.Veth)) await ip.deleteLink(ep.Veth);
  spec.net = Object.entries(net.Networks).map(([name, ep], i) => ({
    type: 'veth' as const,
    link: recs.get(name)!.Bridge,
    name: ep.Ifname,
    hwaddr: ep.MacAddress,
    vethPair: ep.Veth,
    // With the broadcast address given: LXC would otherwise derive a wrong one.
    ipv4: `${ep.IPAddress}/${ep.IPPrefixLen} ${formatIp(broadcast(parseSubnet(recs.get(name)!.Subnet)))}`,
    gateway: i === 0 ? ep.Gateway : undefined,
  }));
  // The embedded resolver, for names on user networks; without it, /etc/hosts still has them.
  const gateways = Object.entries(net.Networks)
    .filter(([name, ep]) => name !== DEFAULT_NETWORK && ep.Gateway)
    .map(([, ep]) => ep.Gateway);
  const resolver = gateways.length && (await ensureResolver(store, gateways)) ? gateways[0] : undefined;
  await mounts(await writeOwnFiles(store, c, net, undefined, resolver));
  const primary = Object.values(net.Networks)[0];
  if (primary && wantsPorts(c)) {
    await publish(store, c, primary.IPAddress, async (ports, publisher) => {
      await updateNet(store, c, (n) => {
        n.Ports = ports;
        n.Publisher = publisher;
      });
    });
  }
}

export async function afterStart(store: Store, c: ContainerRecord): Promise<void> {
  if (modeOf(c).kind !== 'bridge') return;
  await refreshPeers(store, c, true);
  // Now recorded as running, it holds the resolver's listener on its networks by itself.
  await nudgeResolver(store);
}

/** Undo what a run put on the host. Safe to call more than once, and after a hard kill. */
async function withdraw(store: Store, c: ContainerRecord): Promise<void> {
  if (modeOf(c).kind !== 'bridge') return;
  const net = readNet(store, c);
  await clearLeftovers(store, c, net);
  if ((Object.keys(net.Ports).length || net.Publisher) && existsSync(containerNetFile(store, c.id))) {
    await updateNet(store, c, (n) => {
      n.Ports = {};
      delete n.Publisher;
    }).catch((e) => {
      if (existsSync(store.paths.container(c.id))) throw e; // removed meanwhile: nothing to record
    });
  }
  await refreshPeers(store, c, false);
  await nudgeResolver(store);
}

/** Never fails the caller: the container's exit status matters more; what is left is retried at the next start or rm. */
export async function afterStop(store: Store, c: ContainerRecord): Promise<void> {
  try {
    await withdraw(store, c);
  } catch (e) {
    store.warn(`cleaning up the network of ${c.name}: ${describe(e)}`);
  }
}

export async function beforeRemove(store: Store, c: ContainerRecord): Promise<void> {
  await withdraw(store, c);
  const net = readNet(store, c);
  const recs = await listNetworks(store);
  for (const ep of Object.values(net.Networks)) {
    const rec = recs.find((r) => r.Id === ep.NetworkID);
    if (rec && ep.IPAddress) await release(store, rec, c.id, ep.IPAddress);
  }
  // Any other claim of it (a network.json lost in a crash, a disconnect cut short): a scan per network.
  for (const rec of recs) await release(store, rec, c.id);
}

/** The store is going away (every container stopped): remove every veth, rule and bridge it made. */
export async function beforeDeinit(store: Store): Promise<void> {
  for (const c of await listContainers(store)) {
    for (const ep of Object.values(readNet(store, c).Networks)) if (ep.Veth && ip.linkExists(ep.Veth)) await ip.deleteLink(ep.Veth);
  }
  await stopResolver(store);
  for (const net of await listNetworks(store)) await takeDown(store, net);
  await firewall.teardown(store);
}

/** A running container was renamed: its peers' /etc/hosts follow. */
export async function refreshPeersOf(store: Store, c: ContainerRecord): Promise<void> {
  if (modeOf(c).kind === 'bridge') await refreshPeers(store, c, true);
}
