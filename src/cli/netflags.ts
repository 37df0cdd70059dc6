// run/create's network flags, with Docker's names, into Docker's
// HostConfig / NetworkingConfig fields. Pure: checked at parse time, so a
// typo fails before anything is made.
import type { FlagDefs } from './args.js';
import type { EndpointConfig, HostConfig, NetworkingConfig } from '../store/types.js';
import { InvalidArgument } from '../errors.js';
import { isIp, parseMac } from '../network/cidr.js';
import { checkDns, parseAddHost } from '../network/etcfiles.js';
import { parseExpose, portBindings } from '../network/ports.js';

export const NETWORK_FLAGS = {
  publish: { type: 'string', short: 'p', multiple: true, help: "Publish a container's port to the host ([ip:][hostPort:]containerPort[/proto])", arg: 'list' },
  'publish-all': { type: 'boolean', short: 'P', help: 'Publish every exposed port on a free host port' },
  expose: { type: 'string', multiple: true, help: 'Expose a port or a range of ports (80, 80/udp, 8000-8010)', arg: 'list' },
  network: {
    type: 'string',
    multiple: true,
    help: "Connect to a network: bridge (default), none, host, container:<name|id>, or a network's name",
    arg: 'network',
  },
  'network-alias': { type: 'string', multiple: true, help: 'Add a network-scoped alias (user-defined networks)', arg: 'list' },
  ip: { type: 'string', help: 'IPv4 address (e.g., 10.1.1.23)', arg: 'address' },
  'mac-address': { type: 'string', help: 'Container MAC address (e.g., 02:42:0a:01:01:17)', arg: 'string' },
  dns: { type: 'string', multiple: true, help: 'Set custom DNS servers', arg: 'list' },
  'dns-search': { type: 'string', multiple: true, help: 'Set custom DNS search domains', arg: 'list' },
  'dns-option': { type: 'string', multiple: true, help: 'Set DNS options', arg: 'list' },
  'add-host': { type: 'string', multiple: true, help: 'Add a custom host-to-IP mapping (host:ip, or host:host-gateway)', arg: 'list' },
} as const satisfies FlagDefs;

export interface NetworkFlagValues {
  publish?: string[];
  'publish-all'?: boolean;
  expose?: string[];
  network?: string[];
  'network-alias'?: string[];
  ip?: string;
  'mac-address'?: string;
  dns?: string[];
  'dns-search'?: string[];
  'dns-option'?: string[];
  'add-host'?: string[];
}

interface NetworkFlag {
  name: string;
  aliases: string[];
  ip?: string;
  mac?: string;
}

/** --network NAME, or Docker's long form name=NAME,alias=A,ip=IP,mac-address=M. */
export function parseNetworkFlag(s: string): NetworkFlag {
  if (!s.includes('=')) {
    if (!s) throw new InvalidArgument('--network needs a value');
    return { name: s, aliases: [] };
  }
  const out: NetworkFlag = { name: '', aliases: [] };
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq);
    const v = part.slice(eq + 1);
    if (eq === -1 || !v) throw new InvalidArgument(`invalid --network '${s}': expected name=NETWORK[,alias=A][,ip=IP][,mac-address=MAC]`);
    if (k === 'name') out.name = v;
    else if (k === 'alias') out.aliases.push(v);
    else if (k === 'ip') out.ip = v;
    else if (k === 'mac-address') out.mac = v;
    else throw new InvalidArgument(`invalid --network '${s}': unknown option '${k}' (name, alias, ip, mac-address)`);
  }
  if (!out.name) throw new InvalidArgument(`invalid --network '${s}': name=NETWORK is required`);
  return out;
}

export interface NetworkCreateFields {
  hostConfig: Partial<HostConfig>;
  networkingConfig?: NetworkingConfig;
  exposedPorts?: string[];
}

export function networkOptions(f: NetworkFlagValues): NetworkCreateFields {
  const nets = (f.network ?? []).map(parseNetworkFlag);
  if (!nets.length) nets.push({ name: 'bridge', aliases: [] });
  const first = nets[0];
  first.aliases.push(...(f['network-alias'] ?? []));
  if (f.ip !== undefined) first.ip = f.ip;
  if (f['mac-address'] !== undefined) first.mac = f['mac-address'];
  const endpoints: Record<string, EndpointConfig> = {};
  for (const n of nets) {
    if (n.ip !== undefined && !isIp(n.ip)) throw new InvalidArgument(`invalid IPv4 address: ${n.ip}`);
    if (endpoints[n.name]) throw new InvalidArgument(`--network ${n.name} is given twice`);
    const ep: EndpointConfig = {};
    if (n.aliases.length) ep.Aliases = n.aliases;
    if (n.ip) ep.IPAMConfig = { IPv4Address: n.ip };
    if (n.mac) ep.MacAddress = parseMac(n.mac);
    endpoints[n.name] = ep;
  }
  const hostConfig: Partial<HostConfig> = { NetworkMode: first.name };
  const pb = portBindings(f.publish);
  if (pb) hostConfig.PortBindings = pb;
  if (f['publish-all']) hostConfig.PublishAllPorts = true;
  if (f.dns?.length) hostConfig.Dns = f.dns.map(checkDns);
  if (f['dns-search']?.length) hostConfig.DnsSearch = f['dns-search'];
  if (f['dns-option']?.length) hostConfig.DnsOptions = f['dns-option'];
  if (f['add-host']?.length) hostConfig.ExtraHosts = f['add-host'].map((h) => parseAddHost(h).join(':'));
  const hasEndpointSettings = Object.values(endpoints).some((e) => Object.keys(e).length) || nets.length > 1;
  return {
    hostConfig,
    ...(hasEndpointSettings ? { networkingConfig: { EndpointsConfig: endpoints } } : {}),
    ...(f.expose?.length ? { exposedPorts: f.expose.flatMap(parseExpose) } : {}),
  };
}
