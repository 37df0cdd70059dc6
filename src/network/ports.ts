// Docker's port syntax: -p/--publish and --expose specs into PortBindings
// and ExposedPorts, and the PORTS column / `port` lines back out. Pure.
import { InvalidArgument } from '../errors.js';
import { isIp } from './cidr.js';
import type { ContainerRecord } from '../store/types.js';

export type Proto = 'tcp' | 'udp' | 'sctp';
export const PROTOS: readonly Proto[] = ['tcp', 'udp', 'sctp'];

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}
/** "80/tcp" -> bindings (null: exposed, not published), as Docker's NetworkSettings.Ports. */
export type PortMap = Record<string, PortBinding[] | null>;

/** One published port, resolved: what a DNAT rule is made of. */
export interface Mapping {
  proto: Proto;
  containerPort: number;
  /** '' or 0.0.0.0 means every address of the host. */
  hostIp: string;
  hostPort: number;
}

function port(s: string, what: string, spec: string): number {
  if (!/^\d{1,5}$/.test(s) || Number(s) < 1 || Number(s) > 65535) throw new InvalidArgument(`invalid ${what} '${s}' in '${spec}': ports are 1 to 65535`);
  return Number(s);
}

/** "8000" or "8000-8010" -> [start, end]. */
function range(s: string, what: string, spec: string): [number, number] {
  const [a, b, ...rest] = s.split('-');
  if (rest.length) throw new InvalidArgument(`invalid ${what} range '${s}' in '${spec}'`);
  const lo = port(a, what, spec);
  const hi = b === undefined ? lo : port(b, what, spec);
  if (hi < lo) throw new InvalidArgument(`invalid ${what} range '${s}' in '${spec}': the end is before the start`);
  return [lo, hi];
}

function proto(s: string | undefined, spec: string): Proto {
  const p = (s ?? 'tcp').toLowerCase();
  if (!(PROTOS as readonly string[]).includes(p)) throw new InvalidArgument(`invalid protocol '${s}' in '${spec}': use tcp, udp or sctp`);
  return p as Proto;
}

export function portKey(p: number, pr: Proto = 'tcp'): string {
  return `${p}/${pr}`;
}

export function splitKey(key: string): { port: number; proto: Proto } {
  const [p, pr] = key.split('/');
  return { port: port(p, 'port', key), proto: proto(pr, key) };
}

/**
 * -p [ip:][hostPort:]containerPort[/proto], ranges allowed on both sides:
 * 8080:80, 127.0.0.1:8080:80, 127.0.0.1::80, 80, 8000-8001:80-81/udp, and
 * 8000-8010:80 (any free port of the range). Returns [key, binding] pairs.
 */
export function parsePublish(spec: string): Array<[string, PortBinding]> {
  let rest = spec.trim();
  let pr: Proto = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash !== -1) {
    pr = proto(rest.slice(slash + 1), spec);
    rest = rest.slice(0, slash);
  }
  if (rest.startsWith('[')) throw new InvalidArgument(`invalid port spec '${spec}': IPv6 host addresses are not supported; dockerlite networks are IPv4`);
  const parts = rest.split(':');
  if (parts.length > 3 || !parts.at(-1)) throw new InvalidArgument(`invalid port spec '${spec}': expected [ip:][hostPort:]containerPort[/protocol]`);
  const ctr = parts.at(-1)!;
  const host = parts.length >= 2 ? parts.at(-2)! : '';
  const ip = parts.length === 3 ? parts[0] : '';
  if (ip && !isIp(ip)) throw new InvalidArgument(`invalid host address '${ip}' in '${spec}'`);
  const [cLo, cHi] = range(ctr, 'container port', spec);
  const out: Array<[string, PortBinding]> = [];
  if (!host) {
    for (let p = cLo; p <= cHi; p++) out.push([portKey(p, pr), { HostIp: ip, HostPort: '' }]);
    return out;
  }
  const [hLo, hHi] = range(host, 'host port', spec);
  if (cLo === cHi) return [[portKey(cLo, pr), { HostIp: ip, HostPort: hLo === hHi ? String(hLo) : `${hLo}-${hHi}` }]];
  if (hHi - hLo !== cHi - cLo) throw new InvalidArgument(`invalid ranges in '${spec}': the host and container ranges must be the same length`);
  for (let i = 0; i <= cHi - cLo; i++) out.push([portKey(cLo + i, pr), { HostIp: ip, HostPort: String(hLo + i) }]);
  return out;
}

/** Every -p flag into Docker's HostConfig.PortBindings. */
export function portBindings(specs: string[] | undefined): Record<string, PortBinding[]> | undefined {
  if (!specs?.length) return undefined;
  const out: Record<string, PortBinding[]> = {};
  for (const s of specs) for (const [k, b] of parsePublish(s)) (out[k] ??= []).push(b);
  return out;
}

/** --expose 80, 80/udp, 8000-8002 -> ExposedPorts keys. */
export function parseExpose(spec: string): string[] {
  const [r, pr] = spec.trim().split('/');
  const p = proto(pr, spec);
  const [lo, hi] = range(r, 'port', spec);
  const out: string[] = [];
  for (let x = lo; x <= hi; x++) out.push(portKey(x, p));
  return out;
}

/** A binding's host port: an exact port, or the range to choose a free one from (undefined: any). */
export function hostPortRange(b: PortBinding): [number, number] | undefined {
  if (!b.HostPort) return undefined;
  const r = range(b.HostPort, 'host port', b.HostPort);
  return r;
}

function byPort(a: string, b: string): number {
  const x = splitKey(a);
  const y = splitKey(b);
  return x.proto === y.proto ? x.port - y.port : x.proto.localeCompare(y.proto);
}

/** The PORTS column of docker ps: "0.0.0.0:8080->80/tcp, 443/tcp", contiguous runs folded into ranges. */
export function formatPortsColumn(ports: PortMap | undefined): string {
  if (!ports) return '';
  interface Item {
    ip: string;
    host?: number;
    port: number;
    proto: Proto;
  }
  const items: Item[] = [];
  for (const key of Object.keys(ports).sort(byPort)) {
    const { port: p, proto: pr } = splitKey(key);
    const bs = ports[key];
    if (!bs?.length) items.push({ ip: '', port: p, proto: pr });
    else for (const b of bs) items.push({ ip: b.HostIp || '0.0.0.0', host: Number(b.HostPort), port: p, proto: pr });
  }
  // Fold runs where both the container and the host port go up by one.
  const groups: Array<{ first: Item; last: Item }> = [];
  const sorted = [...items].sort((a, b) =>
    a.ip === b.ip ? (a.proto === b.proto ? a.port - b.port : a.proto.localeCompare(b.proto)) : a.ip.localeCompare(b.ip),
  );
  for (const it of sorted) {
    const g = groups.at(-1);
    const next =
      g &&
      g.last.ip === it.ip &&
      g.last.proto === it.proto &&
      g.last.port + 1 === it.port &&
      (it.host === undefined ? g.last.host === undefined : g.last.host !== undefined && g.last.host + 1 === it.host);
    if (next) g.last = it;
    else groups.push({ first: it, last: it });
  }
  const text = (g: { first: Item; last: Item }) => {
    const ctr = g.first.port === g.last.port ? `${g.first.port}` : `${g.first.port}-${g.last.port}`;
    if (g.first.host === undefined) return `${ctr}/${g.first.proto}`;
    const host = g.first.host === g.last.host ? `${g.first.host}` : `${g.first.host}-${g.last.host}`;
    return `${g.first.ip}:${host}->${ctr}/${g.first.proto}`;
  };
  // Published first, then the merely exposed, as Docker lists them.
  return [...groups.filter((g) => g.first.host !== undefined), ...groups.filter((g) => g.first.host === undefined)].map(text).join(', ');
}

/** `port` lines: "80/tcp -> 0.0.0.0:8080". */
export function portLines(ports: PortMap | undefined, only?: string): string[] {
  const out: string[] = [];
  const want = only === undefined ? undefined : only.includes('/') ? only : `${only}/tcp`;
  for (const key of Object.keys(ports ?? {}).sort(byPort)) {
    if (want !== undefined && key !== want) continue;
    for (const b of ports![key] ?? [])
      out.push(want !== undefined ? `${b.HostIp || '0.0.0.0'}:${b.HostPort}` : `${key} -> ${b.HostIp || '0.0.0.0'}:${b.HostPort}`);
  }
  return out;
}

/** What the container asks to publish: -p bindings, and with -P every other exposed port. */
export function requested(c: ContainerRecord): Array<[string, PortBinding]> {
  const out: Array<[string, PortBinding]> = [];
  const pb = c.hostConfig.PortBindings ?? {};
  for (const [k, bs] of Object.entries(pb)) for (const b of bs ?? []) out.push([k, b]);
  if (c.hostConfig.PublishAllPorts) {
    for (const k of Object.keys(c.config.ExposedPorts ?? {})) if (!pb[k]?.length) out.push([k, { HostIp: '', HostPort: '' }]);
  }
  return out;
}

export function wantsPorts(c: ContainerRecord): boolean {
  return requested(c).length > 0;
}
