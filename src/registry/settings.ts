// How to reach a registry: which host serves a domain, whether it may be
// spoken to over plain HTTP or unverified TLS (Docker's "insecure registry"
// rules), which extra CAs and client certificates it wants (Docker's
// /etc/docker/certs.d/<host:port>/ convention), and how long to wait.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { isIPv4, isIPv6, BlockList } from 'node:net';
import { lookup } from 'node:dns/promises';
import { rootCertificates } from 'node:tls';
import { parseConfFile } from '../config.js';
import { InvalidArgument } from '../errors.js';

export interface RegistrySettings {
  /** host[:port] names and CIDRs that may use plain HTTP / unverified TLS (DOCKERLITE_INSECURE_REGISTRIES). */
  insecure: string[];
  /** Per-registry TLS material: <certsDir>/<host:port>/{*.crt,*.cert,*.key} (DOCKERLITE_CERTS_D). */
  certsDir: string;
  /** Give up on a registry that sends nothing for this long (DOCKERLITE_REGISTRY_TIMEOUT, seconds). */
  timeoutMs: number;
  /** Where Docker's config.json (credentials) lives: $DOCKER_CONFIG or ~/.docker. */
  dockerConfigDir: string;
}

export const DOCKER_HUB = 'docker.io';

/** The keys dockerlite reads from the environment or /etc/dockerlite.conf for registries. */
export function registrySettings(env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  let file: Partial<Record<string, string>> = {};
  try {
    file = parseConfFile(readFileSync(env.DOCKERLITE_CONF ?? '/etc/dockerlite.conf', 'utf8'));
  } catch {
    // A missing or unreadable file is loadConfig's to report.
  }
  const get = (k: string) => env[k] ?? file[k];
  const timeout = Number(get('DOCKERLITE_REGISTRY_TIMEOUT') ?? 30);
  if (!(timeout > 0)) throw new InvalidArgument(`DOCKERLITE_REGISTRY_TIMEOUT must be a positive number of seconds (got ${get('DOCKERLITE_REGISTRY_TIMEOUT')})`);
  return {
    insecure: (get('DOCKERLITE_INSECURE_REGISTRIES') ?? '').split(/[\s,]+/).filter(Boolean),
    certsDir: get('DOCKERLITE_CERTS_D') || '/etc/docker/certs.d',
    timeoutMs: timeout * 1000,
    dockerConfigDir: env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker'),
  };
}

/** The host that serves a reference's domain: Docker Hub's API lives at registry-1.docker.io. */
export function apiHost(domain: string): string {
  return domain === DOCKER_HUB ? 'registry-1.docker.io' : domain;
}

/** host without its port, IPv6 brackets removed. */
export function hostname(host: string): string {
  if (host.startsWith('[')) return host.slice(1, host.indexOf(']'));
  const i = host.lastIndexOf(':');
  return i === -1 ? host : host.slice(0, i);
}

/**
 * isIP without net.isIPv6 for what cannot be IPv6: its first call compiles a
 * large regular expression (10 to 40 ms here), which every pull from an IPv4
 * or named registry paid for nothing.
 */
export function ipFamily(s: string): 0 | 4 | 6 {
  if (s.includes(':')) return isIPv6(s) ? 6 : 0;
  return isIPv4(s) ? 4 : 0;
}

function inList(addr: string, list: string[]): boolean {
  const fam = ipFamily(addr);
  if (!fam) return false;
  const bl = new BlockList();
  for (const entry of list) {
    const [net, bits] = entry.split('/');
    // An address only ever matches a subnet of its own family here.
    if (bits === undefined || net.includes(':') !== (fam === 6) || ipFamily(net) !== fam) continue;
    bl.addSubnet(net, Number(bits), fam === 6 ? 'ipv6' : 'ipv4');
  }
  return bl.check(addr, fam === 6 ? 'ipv6' : 'ipv4');
}

/** Loopback addresses are insecure by default, as in Docker (127.0.0.0/8 and ::1). */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

/**
 * May this registry be spoken to over plain HTTP or TLS without verification?
 * As Docker: listed names and CIDRs, and loopback addresses. One deviation:
 * a registry with its own certs.d directory is always verified with those
 * certificates, because whoever put a CA there wants it checked.
 */
export async function isInsecure(host: string, s: RegistrySettings): Promise<boolean> {
  const name = hostname(host);
  if (s.insecure.includes(host) || s.insecure.includes(name)) return true;
  if (existsSync(join(s.certsDir, host))) return false;
  const cidrs = [...LOOPBACK, ...s.insecure.filter((e) => e.includes('/'))];
  const fam = ipFamily(name);
  if (fam === 4 && name.startsWith('127.')) return true; // 127.0.0.0/8, without building a BlockList
  if (fam) return inList(name, cidrs);
  if (name === 'localhost') return true;
  if (!s.insecure.some((e) => e.includes('/'))) return false;
  try {
    const addrs = await lookup(name, { all: true });
    return addrs.some((a) => inList(a.address, cidrs));
  } catch {
    return false;
  }
}

export interface TlsMaterial {
  ca?: string[];
  cert?: string;
  key?: string;
}

/** CAs (*.crt, added to the system's) and a client certificate (*.cert + *.key) for host, from certs.d. */
export function tlsMaterial(host: string, s: RegistrySettings): TlsMaterial {
  const dir = join(s.certsDir, host);
  if (!existsSync(dir)) return {};
  const out: TlsMaterial = {};
  const files = readdirSync(dir).sort();
  const cas = files.filter((f) => f.endsWith('.crt')).map((f) => readFileSync(join(dir, f), 'utf8'));
  if (cas.length) out.ca = [...rootCertificates, ...cas];
  const cert = files.find((f) => f.endsWith('.cert'));
  if (cert) {
    const key = cert.replace(/\.cert$/, '.key');
    if (!files.includes(key)) throw new InvalidArgument(`${join(dir, cert)} has no matching ${key}`);
    out.cert = readFileSync(join(dir, cert), 'utf8');
    out.key = readFileSync(join(dir, key), 'utf8');
  }
  return out;
}
