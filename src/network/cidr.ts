// IPv4 addresses and subnets as plain numbers. Pure, so the address
// arithmetic behind IPAM and overlap checks is unit-tested without root.
import { InvalidArgument } from '../errors.js';

export interface Subnet {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function parseIp(s: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) throw new InvalidArgument(`invalid IPv4 address: ${s}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) throw new InvalidArgument(`invalid IPv4 address: ${s}`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export function isIp(s: string): boolean {
  try {
    parseIp(s);
    return true;
  } catch {
    return false;
  }
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "10.1.1.0/24" -> {base, prefix}. Host bits must be zero, as Docker requires. */
export function parseSubnet(s: string): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) throw new InvalidArgument(`invalid subnet ${s}: expected CIDR notation such as 10.1.2.0/24`);
  const prefix = Number(m[2]);
  if (prefix > 32) throw new InvalidArgument(`invalid subnet ${s}: the prefix length must be 0 to 32`);
  const ip = parseIp(m[1]);
  const base = (ip & mask(prefix)) >>> 0;
  if (base !== ip) throw new InvalidArgument(`invalid subnet ${s}: host bits are set; did you mean ${formatIp(base)}/${prefix}?`);
  return { base, prefix };
}

export function formatSubnet(n: Subnet): string {
  return `${formatIp(n.base)}/${n.prefix}`;
}

export function size(n: Subnet): number {
  return 2 ** (32 - n.prefix);
}

export function broadcast(n: Subnet): number {
  return (n.base + size(n) - 1) >>> 0;
}

export function contains(n: Subnet, ip: number): boolean {
  return (ip & mask(n.prefix)) >>> 0 === n.base;
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.base & mask(p)) >>> 0 === (b.base & mask(p)) >>> 0;
}

/** The addresses a container may have: neither the network, the broadcast nor the gateway address. */
export function* hosts(n: Subnet, gateway: number): Generator<number> {
  const first = n.prefix >= 31 ? n.base : n.base + 1;
  const last = n.prefix >= 31 ? broadcast(n) : broadcast(n) - 1;
  for (let ip = first; ip <= last; ip++) if (ip !== gateway) yield ip >>> 0;
}

/** How many addresses containers may have in n. */
export function capacity(n: Subnet): number {
  return Math.max(0, (n.prefix >= 31 ? size(n) : size(n) - 2) - 1);
}

/** Docker's default gateway: the first address of the subnet. */
export function defaultGateway(n: Subnet): number {
  return n.prefix >= 31 ? n.base : n.base + 1;
}

/** Check that ip is a usable container address in n (with gateway gw); returns it normalised. */
export function checkHostAddress(n: Subnet, gateway: number, ip: string, what = 'address'): number {
  const a = parseIp(ip);
  const net = formatSubnet(n);
  if (!contains(n, a)) throw new InvalidArgument(`${what} ${ip} is not in the subnet ${net}`);
  if (n.prefix < 31 && (a === n.base || a === broadcast(n)))
    throw new InvalidArgument(`${what} ${ip} is the ${a === n.base ? 'network' : 'broadcast'} address of ${net}`);
  if (a === gateway) throw new InvalidArgument(`${what} ${ip} is the gateway of ${net}`);
  return a;
}

/** Docker's MAC for an address: 02:42 and then the four address bytes. */
export function macForIp(ip: number): string {
  return ['02', '42', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

/** A unicast Ethernet address, lower-cased; anything else is an error. */
export function parseMac(s: string): string {
  const m = /^([0-9a-f]{2})([:-][0-9a-f]{2}){5}$/i.exec(s.trim());
  if (!m) throw new InvalidArgument(`invalid MAC address: ${s} (expected six hex bytes such as 02:42:0a:01:01:05)`);
  const mac = s.trim().toLowerCase().replace(/-/g, ':');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new InvalidArgument(`invalid MAC address: ${s} is a multicast address; the first byte must be even`);
  if (mac === '00:00:00:00:00:00') throw new InvalidArgument('invalid MAC address: 00:00:00:00:00:00');
  return mac;
}
