// ip(8) from iproute2: bridges, veths and addresses. Link facts that /sys
// already tells (does it exist, is it a bridge) are read from there, to
// keep a container start free of extra processes.
import { existsSync, readFileSync } from 'node:fs';
import { run } from './exec.js';

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

export function isBridge(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

/** ip link add name NAME type bridge */
export async function addBridge(name: string): Promise<void> {
  await run('ip', ['link', 'add', 'name', name, 'type', 'bridge']);
}

/** ip addr replace CIDR dev DEV   (replace: adding an address it already has is not an error) */
export async function setAddress(dev: string, cidr: string): Promise<void> {
  await run('ip', ['addr', 'replace', cidr, 'dev', dev]);
}

/** ip link set dev DEV up */
export async function setUp(dev: string): Promise<void> {
  await run('ip', ['link', 'set', 'dev', dev, 'up']);
}

/** ip link del dev NAME; true if it was there. */
export async function deleteLink(name: string): Promise<boolean> {
  const r = await run('ip', ['link', 'del', 'dev', name], { allowFail: true });
  return r.status === 0;
}

/** ip link add name HOST type veth peer name PEER netns PID: one end here, the other in PID's network namespace. */
export async function addVethInto(host: string, peer: string, pid: number): Promise<void> {
  await run('ip', ['link', 'add', 'name', host, 'type', 'veth', 'peer', 'name', peer, 'netns', String(pid)]);
}

/** ip link set dev DEV master BRIDGE up */
export async function attach(dev: string, bridge: string): Promise<void> {
  await run('ip', ['link', 'set', 'dev', dev, 'master', bridge, 'up']);
}

/**
 * Configure an interface inside the network namespace of pid:
 * nsenter --net=/proc/PID/ns/net -- ip link set dev DEV address MAC up; ... ip addr add CIDR dev DEV
 */
export async function configureInside(pid: number, dev: string, o: { mac?: string; cidr: string; gateway?: string }): Promise<void> {
  const ns = ['--net=/proc/' + pid + '/ns/net', '--', 'ip'];
  if (o.mac) await run('nsenter', [...ns, 'link', 'set', 'dev', dev, 'address', o.mac]);
  await run('nsenter', [...ns, 'addr', 'add', o.cidr, 'dev', dev]);
  await run('nsenter', [...ns, 'link', 'set', 'dev', dev, 'up']);
  if (o.gateway) await run('nsenter', [...ns, 'route', 'replace', 'default', 'via', o.gateway, 'dev', dev]);
}

/** nsenter --net=/proc/PID/ns/net -- ip route replace default via GW dev DEV */
export async function setDefaultRouteInside(pid: number, gateway: string, dev: string): Promise<void> {
  await run('nsenter', ['--net=/proc/' + pid + '/ns/net', '--', 'ip', 'route', 'replace', 'default', 'via', gateway, 'dev', dev]);
}

export interface Route {
  iface: string;
  /** Destination network as an unsigned number, and its prefix length. */
  dest: number;
  prefix: number;
}

/** The host's IPv4 routes (main table), from /proc/net/route, which holds them in host byte order. */
export function routes(): Route[] {
  let text: string;
  try {
    text = readFileSync('/proc/net/route', 'utf8');
  } catch {
    return [];
  }
  // %08X of the address in host (little-endian) order: read the bytes back little-endian.
  const num = (hex: string) => Buffer.from(hex, 'hex').readUInt32LE(0);
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 8)
    .map((f) => {
      const mask = num(f[7]);
      return { iface: f[0], dest: num(f[1]), prefix: mask === 0 ? 0 : mask.toString(2).replace(/0+$/, '').length };
    });
}
