// A network's Linux bridge: made on demand with the gateway address, after
// checking that its subnet clashes with no route the host already has, and
// with its firewall rules. Once it is up, a container start only looks at
// /sys and at the version its rules were made with; after a reboot (no
// bridge, no rules) the next start sets it all up again.
import { readFileSync } from 'node:fs';
import type { Store } from '../store/store.js';
import { Conflict } from '../errors.js';
import * as ip from '../sys/ip.js';
import { formatSubnet, overlaps, parseSubnet } from './cidr.js';
import * as firewall from './firewall.js';
import type { NetworkRecord } from './model.js';

function isUp(dev: string): boolean {
  try {
    return (Number(readFileSync(`/sys/class/net/${dev}/flags`, 'utf8').trim()) & 1) === 1; // IFF_UP
  } catch {
    return false;
  }
}

/** Host routes (other than the default route and routes of `except`) that overlap subnet. */
export function clashingRoutes(subnet: string, except?: string): ip.Route[] {
  const s = parseSubnet(subnet);
  return ip.routes().filter((r) => r.prefix > 0 && r.iface !== except && overlaps(s, { base: r.dest, prefix: r.prefix }));
}

export function checkNoClash(subnet: string, except: string | undefined, what: string): void {
  const clash = clashingRoutes(subnet, except)[0];
  if (clash) {
    throw new Conflict(
      `${what} ${subnet} overlaps the host's route to ${formatSubnet({ base: clash.dest, prefix: clash.prefix })} on ${clash.iface}; using it would break the host's networking. Choose a subnet no route uses`,
    );
  }
}

/** Make sure net's bridge exists, is up, has its gateway address and its rules. */
export async function ensureUp(store: Store, net: NetworkRecord): Promise<void> {
  const dev = net.Bridge;
  if (ip.isBridge(dev) && isUp(dev) && firewall.rulesCurrent(store, net)) return;
  await store.lock(`bridge-${net.Id}`, async () => {
    if (ip.isBridge(dev) && isUp(dev)) {
      // Up, but its rules were made by an older dockerlite: add what they lack.
      if (!firewall.rulesCurrent(store, net)) await firewall.addNetwork(store, net);
      return;
    }
    if (ip.linkExists(dev) && !ip.isBridge(dev)) {
      throw new Conflict(
        `cannot use ${dev} for network ${net.Name}: an interface of that name exists and is not a bridge${net.Default ? '; set DOCKERLITE_BRIDGE to another name' : ''}`,
      );
    }
    const what = net.Default ? 'the subnet of the default bridge (DOCKERLITE_SUBNET)' : `the subnet of network ${net.Name}`;
    checkNoClash(net.Subnet, dev, what);
    const prefix = parseSubnet(net.Subnet).prefix;
    const made = !ip.linkExists(dev);
    if (made) await ip.addBridge(dev);
    try {
      await ip.setAddress(dev, `${net.Gateway}/${prefix}`);
      await firewall.addNetwork(store, net);
      await ip.setUp(dev);
    } catch (e) {
      if (made) await ip.deleteLink(dev);
      throw e;
    }
  });
}

/** Take a network off the host: its rules, and its bridge if dockerlite made it. */
export async function takeDown(store: Store, net: NetworkRecord): Promise<void> {
  await firewall.removeNetwork(store, net);
  if (net.OwnBridge && ip.isBridge(net.Bridge)) await ip.deleteLink(net.Bridge);
}
