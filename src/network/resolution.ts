// How containers find each other by name: a managed /etc/hosts. On a
// user-defined network every running container's hosts file lists the
// running containers of its networks (name, --network-alias, short id), and
// it is rewritten whenever one of them starts, stops, connects or
// disconnects. Names also resolve through DNS (dns.ts), as Docker's embedded
// server answers them; the hosts file stays as the fallback.
import { readFileSync, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import { listContainers, isRunning, type ContainerView } from '../store/containers.js';
import { shortId } from '../store/ids.js';
import { renderHosts, renderResolv, type Peer } from './etcfiles.js';
import { readNet, writeInPlace } from './endpoints.js';
import { DEFAULT_NETWORK, hostsFile, modeOf, resolvFile, type ContainerNet } from './model.js';

function hostFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  const cur = await readFile(path, 'utf8').catch(() => undefined);
  if (cur !== text) await writeInPlace(path, text);
}

interface Member {
  c: ContainerRecord;
  net: ContainerNet;
}

/** Running containers with their endpoints; `self` counts as running (or not) whatever its state file says. */
async function members(store: Store, self: ContainerRecord, selfRunning: boolean): Promise<Member[]> {
  const all: ContainerView[] = await listContainers(store);
  const out: Member[] = [];
  for (const c of all) {
    const running = c.id === self.id ? selfRunning : isRunning(c.state);
    if (running && modeOf(c).kind === 'bridge') out.push({ c, net: readNet(store, c) });
  }
  if (selfRunning && !all.some((c) => c.id === self.id) && modeOf(self).kind === 'bridge') out.push({ c: self, net: readNet(store, self) });
  return out;
}

function userNetworks(net: ContainerNet): string[] {
  return Object.keys(net.Networks).filter((n) => n !== DEFAULT_NETWORK);
}

/** Who a container sees by name: members of its user-defined networks, itself included. */
function peersOf(m: Member, all: Member[]): Peer[] {
  const seen = new Set<string>();
  const out: Peer[] = [];
  for (const n of userNetworks(m.net)) {
    for (const o of all) {
      const ep = o.net.Networks[n];
      if (!ep?.IPAddress || seen.has(o.c.id)) continue;
      seen.add(o.c.id);
      const names = [...new Set([o.c.name, ...ep.Aliases, shortId(o.c.id)].filter(Boolean))];
      out.push({ ip: ep.IPAddress, names });
    }
  }
  return out;
}

/** --add-host entries, host-gateway resolved to the gateway of the container's first network. */
function extraHosts(c: ContainerRecord, net: ContainerNet): Array<[string, string]> {
  const gw = Object.values(net.Networks)[0]?.Gateway;
  return (c.hostConfig.ExtraHosts ?? []).map((e) => {
    const at = e.search(/[:=]/);
    const ip = e.slice(at + 1).replace(/^\[(.*)\]$/, '$1');
    return [e.slice(0, at), ip === 'host-gateway' ? gw || '127.0.0.1' : ip];
  });
}

function hostsText(m: Member, all: Member[]): string {
  return renderHosts({
    hostname: m.c.config.Hostname || shortId(m.c.id),
    ips: Object.values(m.net.Networks)
      .map((e) => e.IPAddress)
      .filter(Boolean),
    extra: extraHosts(m.c, m.net),
    peers: peersOf(m, all),
  });
}

/**
 * Write the container's own hosts and resolv.conf before it starts, and
 * return the files to bind-mount (a container sharing another's network
 * namespace shares its files, too).
 */
export async function writeOwnFiles(
  store: Store,
  c: ContainerRecord,
  net: ContainerNet,
  sharedWith?: ContainerRecord,
  /** The embedded resolver's address on the container's first user network, when it runs. */
  resolver?: string,
): Promise<{ hosts: string; resolv: string }> {
  if (sharedWith && existsSync(hostsFile(store, sharedWith.id)) && existsSync(resolvFile(store, sharedWith.id))) {
    return { hosts: hostsFile(store, sharedWith.id), resolv: resolvFile(store, sharedWith.id) };
  }
  const mode = modeOf(c);
  const hc = c.hostConfig;
  const hostResolv = hostFile('/etc/resolv.conf');
  let hosts: string | undefined;
  let resolv: string;
  if (mode.kind === 'host') {
    // As Docker: the host's own files (copies: the container must not edit the host's).
    hosts =
      hostFile('/etc/hosts') +
      extraHosts(c, net)
        .map(([n, ip]) => `${ip}\t${n}\n`)
        .join('');
    resolv =
      hc.Dns?.length || hc.DnsSearch?.length || hc.DnsOptions?.length
        ? renderResolv({ host: hostResolv, dns: hc.Dns, search: hc.DnsSearch, options: hc.DnsOptions })
        : hostResolv;
  } else if (userNetworks(net).length) {
    // Serialised with refreshPeers, so it never writes an older view over a newer one.
    await store.lock('hosts', async () => {
      const all = (await members(store, c, true)).map((m) => (m.c.id === c.id ? { c, net } : m));
      await writeIfChanged(hostsFile(store, c.id), hostsText({ c, net }, all));
    });
    // As Docker's 127.0.0.11: the resolver answers names and forwards the rest (to --dns servers if given).
    resolv = resolver
      ? renderResolv({ host: hostResolv, dns: [resolver], search: hc.DnsSearch, options: [...(hc.DnsOptions ?? []), 'ndots:0'] })
      : renderResolv({ host: hostResolv, dns: hc.Dns, search: hc.DnsSearch, options: hc.DnsOptions });
  } else {
    hosts = hostsText({ c, net }, [{ c, net }]);
    resolv = renderResolv({ host: hostResolv, dns: hc.Dns, search: hc.DnsSearch, options: hc.DnsOptions });
  }
  if (hosts !== undefined) await writeIfChanged(hostsFile(store, c.id), hosts);
  await writeIfChanged(resolvFile(store, c.id), resolv);
  return { hosts: hostsFile(store, c.id), resolv: resolvFile(store, c.id) };
}

/**
 * Rewrite the hosts file of every running container that shares a
 * user-defined network with c (and c's own), after c started (running) or
 * stopped, connected or disconnected. Serialised, and computed from the
 * state at that moment, so concurrent starts converge on the same files.
 */
export async function refreshPeers(store: Store, c: ContainerRecord, running: boolean, alsoNetworks: string[] = []): Promise<void> {
  const nets = new Set([...userNetworks(readNet(store, c)), ...alsoNetworks.filter((n) => n !== DEFAULT_NETWORK)]);
  if (!nets.size) return;
  await store.lock('hosts', async () => {
    const all = await members(store, c, running);
    for (const m of all) {
      if (!userNetworks(m.net).some((n) => nets.has(n)) && m.c.id !== c.id) continue;
      if (!existsSync(hostsFile(store, m.c.id))) continue;
      await writeIfChanged(hostsFile(store, m.c.id), hostsText(m, all));
    }
  });
}
