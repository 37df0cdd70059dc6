// /etc/hosts and /etc/resolv.conf for a container. Pure rendering; the
// files are written by names.ts and bind-mounted by the start hook.
import { InvalidArgument } from '../errors.js';
import { isIp } from './cidr.js';

export interface Peer {
  ip: string;
  names: string[];
}

export interface HostsInput {
  hostname: string;
  /** The container's own addresses (first: its primary one); none with --network none. */
  ips: string[];
  /** --add-host, already resolved: [name, ip]. */
  extra: Array<[string, string]>;
  /** Other containers on its user-defined networks. */
  peers: Peer[];
}

const LOCAL = `127.0.0.1\tlocalhost
::1\tlocalhost ip6-localhost ip6-loopback
fe00::0\tip6-localnet
ff00::0\tip6-mcastprefix
ff02::1\tip6-allnodes
ff02::2\tip6-allrouters
`;

export function renderHosts(h: HostsInput): string {
  let out = LOCAL;
  if (h.ips.length) out += `${h.ips[0]}\t${h.hostname}\n`;
  for (const [name, ip] of h.extra) out += `${ip}\t${name}\n`;
  if (h.peers.length) {
    out += '# containers on the same networks (kept up to date by dockerlite)\n';
    for (const p of h.peers) out += `${p.ip}\t${p.names.join(' ')}\n`;
  }
  return out;
}

export interface ResolvInput {
  /** The host's /etc/resolv.conf. */
  host: string;
  dns?: string[];
  search?: string[];
  options?: string[];
}

/**
 * As Docker: the host's resolv.conf without loopback nameservers (they do
 * not exist inside the container), --dns/--dns-search/--dns-option replacing
 * their kind of line. With no nameserver left, Google's public resolvers.
 */
export function renderResolv(r: ResolvInput): string {
  const lines = r.host.split('\n').map((l) => l.trim());
  const kind = (l: string) => l.split(/\s+/)[0];
  const hostNs = lines
    .filter((l) => kind(l) === 'nameserver')
    .map((l) => l.split(/\s+/)[1] ?? '')
    .filter((a) => a && !/^127\./.test(a) && a !== '::1');
  const ns = r.dns?.length ? r.dns : hostNs.length ? hostNs : ['8.8.8.8', '8.8.4.4'];
  const search = r.search?.length ? [`search ${r.search.join(' ')}`] : lines.filter((l) => kind(l) === 'search' || kind(l) === 'domain');
  const opts = r.options?.length ? [`options ${r.options.join(' ')}`] : lines.filter((l) => kind(l) === 'options');
  return [...search, ...ns.map((a) => `nameserver ${a}`), ...opts].join('\n') + '\n';
}

/** --add-host NAME:IP (or NAME=IP); IP may be host-gateway, resolved later to the gateway. */
export function parseAddHost(s: string): [string, string] {
  const m = /^([^:=\s]+)[:=](.+)$/.exec(s.trim());
  if (!m || !/^[A-Za-z0-9_.-]+$/.test(m[1])) throw new InvalidArgument(`invalid --add-host '${s}': expected HOST:IP, e.g. db:10.1.1.5 or gw:host-gateway`);
  const ip = m[2].replace(/^\[(.*)\]$/, '$1');
  if (ip !== 'host-gateway' && !isIp(ip) && !/^(?=.*:)[0-9a-f:.]+$/i.test(ip))
    throw new InvalidArgument(`invalid --add-host '${s}': '${ip}' is not an IP address`);
  return [m[1], ip];
}

export function checkDns(a: string): string {
  if (!isIp(a) && !/^(?=.*:)[0-9a-f:.]+$/i.test(a)) throw new InvalidArgument(`invalid --dns '${a}': it must be an IP address`);
  return a;
}
