// The iptables rules of one store. Everything lives in chains named after
// the store's bridge (DL-<bridge>, -POST, -FWD, -ISO, -RAW), entered by one
// commented jump from each built-in chain, and every rule carries a comment
// naming its network or container. So a store's rules are found and removed
// exactly, and no rule of anyone else is ever flushed or touched.
//
//   nat PREROUTING/OUTPUT -m addrtype --dst-type LOCAL -> DL-T   DNAT of published ports
//   nat POSTROUTING -> DL-T-POST        masquerade: outbound, from 127.0.0.1, hairpin (per network)
//   filter FORWARD (first) -> DL-T-FWD  isolation first (-> DL-T-ISO), then accepts
//   raw PREROUTING (first) -> DL-T-RAW  drops 127.0.0.0/8 arriving on our bridges (per network)
//
// Why the raw drops: ports published on 127.0.0.1 need route_localnet=1 on
// our bridges (the DNATed packet leaves from 127.0.0.1, the answer comes back
// to it). That also turns off the kernel's martian checks there, so a
// container could send a frame to the gateway's MAC for 127.0.0.1:PORT and
// reach what the host binds to loopback only, or a port published on
// 127.0.0.1 only (CVE-2020-8558). Packets *from* 127.0.0.0/8 are dropped
// too: route_localnet turns off that martian check as well. No legitimate packet
// arrives on a bridge from or for 127.0.0.0/8: the answers of published
// ports still carry the gateway's address there, since the raw table comes
// before conntrack undoes the masquerade.
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import { writeFileAtomic } from '../store/json.js';
import * as ipt from '../sys/iptables.js';
import * as sysctl from '../sys/sysctl.js';
import { namesFor, networkDir, type Names, type NetworkRecord } from './model.js';
import type { Mapping } from './ports.js';

function c(comment: string): string[] {
  return ['-m', 'comment', '--comment', comment];
}

async function ensureRule(table: ipt.Table, chain: string, rule: string[], first = false): Promise<void> {
  if (await ipt.has(table, chain, rule)) return;
  if (first) await ipt.insert(table, chain, rule);
  else await ipt.append(table, chain, rule);
}

function jumps(n: Names): Array<[ipt.Table, string, string[]]> {
  const j = c(n.jumpComment);
  return [
    ['nat', 'PREROUTING', ['-m', 'addrtype', '--dst-type', 'LOCAL', ...j, '-j', n.dnat]],
    ['nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL', ...j, '-j', n.dnat]],
    ['nat', 'POSTROUTING', [...j, '-j', n.post]],
    ['filter', 'FORWARD', [...j, '-j', n.forward]],
    ['raw', 'PREROUTING', [...j, '-j', n.raw]],
  ];
}

/** The store's chains and the jumps into them, and IP forwarding. Idempotent. */
export async function ensureBase(store: Store): Promise<void> {
  const n = namesFor(store);
  await store.lock('firewall', async () => {
    await ipt.ensureChain('nat', n.dnat);
    await ipt.ensureChain('nat', n.post);
    await ipt.ensureChain('filter', n.forward);
    await ipt.ensureChain('filter', n.isolate);
    await ipt.ensureChain('raw', n.raw);
    // Our forward chain goes first: a host whose FORWARD policy is DROP (or
    // has a DROP rule) would otherwise never let container traffic through.
    // Our raw chain too: another rule's ACCEPT must not skip its drops.
    for (const [table, chain, rule] of jumps(n)) await ensureRule(table, chain, rule, chain === 'FORWARD' || table === 'raw');
  });
  sysctl.ensure('net.ipv4.ip_forward', '1');
}

function networkRules(n: Names, net: NetworkRecord): Array<{ table: ipt.Table; chain: string; rule: string[]; first?: boolean }> {
  const br = net.Bridge;
  const tag = c(n.netComment(net.Id));
  const out: Array<{ table: ipt.Table; chain: string; rule: string[]; first?: boolean }> = [
    // What route_localnet would let through: to or from 127.0.0.0/8 on the bridge (see the top).
    { table: 'raw', chain: n.raw, rule: ['-i', br, '-d', '127.0.0.0/8', ...tag, '-j', 'DROP'] },
    { table: 'raw', chain: n.raw, rule: ['-i', br, '-s', '127.0.0.0/8', ...tag, '-j', 'DROP'] },
    // Published ports reached from 127.0.0.1 leave with the bridge's address (needs route_localnet).
    { table: 'nat', chain: n.post, rule: ['-s', '127.0.0.0/8', '-o', br, ...tag, '-j', 'MASQUERADE'] },
    // Hairpin: a container reaching a published port of its own network (itself included) through a
    // host address; the answer must come back through the host to be un-DNATed.
    { table: 'nat', chain: n.post, rule: ['-s', net.Subnet, '-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag, '-j', 'MASQUERADE'] },
    // Containers of different networks never reach each other.
    { table: 'filter', chain: n.isolate, rule: ['-o', br, ...tag, '-j', 'DROP'] },
    { table: 'filter', chain: n.forward, rule: ['-i', br, '!', '-o', br, ...tag, '-j', n.isolate], first: true },
    { table: 'filter', chain: n.forward, rule: ['-i', br, '-o', br, ...tag, '-j', 'ACCEPT'] },
  ];
  if (net.Internal) {
    out.push({ table: 'filter', chain: n.forward, rule: ['-i', br, '!', '-o', br, ...tag, '-j', 'DROP'] });
    out.push({ table: 'filter', chain: n.forward, rule: ['-o', br, '!', '-i', br, ...tag, '-j', 'DROP'] });
  } else {
    out.push({ table: 'nat', chain: n.post, rule: ['-s', net.Subnet, '!', '-o', br, ...tag, '-j', 'MASQUERADE'] });
    out.push({ table: 'filter', chain: n.forward, rule: ['-o', br, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag, '-j', 'ACCEPT'] });
    out.push({ table: 'filter', chain: n.forward, rule: ['-o', br, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag, '-j', 'ACCEPT'] });
    out.push({ table: 'filter', chain: n.forward, rule: ['-i', br, '!', '-o', br, ...tag, '-j', 'ACCEPT'] });
  }
  return out;
}

/**
 * What networkRules and ensureBase make, as a number: bump it when they
 * change, so that a bridge left up by an older dockerlite gets the new rules
 * at its next use (2: the raw drops of 127.0.0.0/8).
 */
const RULES_VERSION = '2';

/** networks/<id>/firewall: the RULES_VERSION its rules were last made with. */
function rulesFile(store: Store, net: NetworkRecord): string {
  return join(networkDir(store, net.Id), 'firewall');
}

/** Were the network's rules made by this version's addNetwork? (A file read: cheap enough for every start.) */
export function rulesCurrent(store: Store, net: NetworkRecord): boolean {
  try {
    return readFileSync(rulesFile(store, net), 'utf8').trim() === RULES_VERSION;
  } catch {
    return false;
  }
}

/**
 * A network's rules: outbound NAT, isolation from our other networks,
 * forwarding, loopback drops. Idempotent. route_localnet is set only after
 * the drops are in place.
 */
export async function addNetwork(store: Store, net: NetworkRecord): Promise<void> {
  await ensureBase(store);
  const n = namesFor(store);
  await store.lock('firewall', async () => {
    for (const r of networkRules(n, net)) await ensureRule(r.table, r.chain, r.rule, r.first);
  });
  sysctl.ensure(`net.ipv4.conf.${net.Bridge}.route_localnet`, '1');
  await writeFileAtomic(rulesFile(store, net), `${RULES_VERSION}\n`);
}

/** Delete every rule whose comment is exactly `comment`, from the given chains. */
async function removeTagged(table: ipt.Table, chains: string[], comment: string): Promise<number> {
  let n = 0;
  // One `iptables -S` of the whole table rather than one per chain: a stop or start with
  // published ports runs this, and each iptables process costs a few milliseconds.
  for (const r of await ipt.rules(table)) {
    if (!chains.includes(r.chain)) continue;
    const at = r.rule.indexOf('--comment');
    if (at !== -1 && r.rule[at + 1] === comment && (await ipt.remove(table, r.chain, r.rule))) n++;
  }
  return n;
}

export async function removeNetwork(store: Store, net: NetworkRecord): Promise<void> {
  const n = namesFor(store);
  const tag = n.netComment(net.Id);
  await store.lock('firewall', async () => {
    await removeTagged('nat', [n.post], tag);
    await removeTagged('filter', [n.forward, n.isolate], tag);
    await removeTagged('raw', [n.raw], tag);
  });
  await rm(rulesFile(store, net), { force: true });
}

/** DNAT for a container's published ports, to its address cip. */
export async function addPorts(store: Store, cid: string, cip: string, maps: Mapping[]): Promise<void> {
  const n = namesFor(store);
  const tag = c(n.ctrComment(cid));
  for (const m of maps) {
    const dst = m.hostIp && m.hostIp !== '0.0.0.0' ? ['-d', `${m.hostIp}/32`] : [];
    await ipt.append('nat', n.dnat, [
      ...dst,
      '-p',
      m.proto,
      '-m',
      m.proto,
      '--dport',
      String(m.hostPort),
      ...tag,
      '-j',
      'DNAT',
      '--to-destination',
      `${cip}:${m.containerPort}`,
    ]);
  }
}

/** Remove every rule of a container. Returns how many there were. */
export async function removePorts(store: Store, cid: string): Promise<number> {
  const n = namesFor(store);
  return removeTagged('nat', [n.dnat, n.post], n.ctrComment(cid));
}

export interface PublishedRule {
  /** The chain it is in (another store's, maybe). */
  chain: string;
  comment: string;
  proto: string;
  hostIp: string;
  hostPort: number;
}

/** Every port any dockerlite store on this host publishes (their DNAT rules). */
export async function publishedOnHost(): Promise<PublishedRule[]> {
  const out: PublishedRule[] = [];
  for (const r of await ipt.rules('nat')) {
    if (!r.chain.startsWith('DL-') || !r.rule.includes('DNAT')) continue;
    const get = (flag: string) => {
      const i = r.rule.indexOf(flag);
      return i === -1 ? undefined : r.rule[i + 1];
    };
    const port = Number(get('--dport'));
    if (!port) continue;
    out.push({
      chain: r.chain,
      comment: get('--comment') ?? '',
      proto: get('-p') ?? 'tcp',
      hostIp: (get('-d') ?? '0.0.0.0/0').replace(/\/32$/, '').replace(/\/0$/, ''),
      hostPort: port,
    });
  }
  return out;
}

/** Remove the store's jumps and chains: everything it ever added. */
export async function teardown(store: Store): Promise<void> {
  const n = namesFor(store);
  await store.lock('firewall', async () => {
    for (const [table, chain] of [
      ['nat', 'PREROUTING'],
      ['nat', 'OUTPUT'],
      ['nat', 'POSTROUTING'],
      ['filter', 'FORWARD'],
      ['raw', 'PREROUTING'],
    ] as Array<[ipt.Table, string]>) {
      await removeTagged(table, [chain], n.jumpComment);
    }
    for (const chain of [n.dnat, n.post]) await ipt.dropChain('nat', chain);
    for (const chain of [n.forward, n.isolate]) await ipt.dropChain('filter', chain);
    await ipt.dropChain('raw', n.raw);
  });
}
