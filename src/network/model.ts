// What networking keeps on disk, and where:
//
//   networks/<id>/network.json        a bridge network (the default one is named "bridge")
//   networks/<id>/ips/<ip>/cid        an address claim: the directory's arrival is the claim
//   containers/<id>/network.json      the container's endpoints (sticky addresses) and published ports
//   containers/<id>/hosts, resolv.conf  bind-mounted over /etc/hosts and /etc/resolv.conf
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import { InvalidArgument } from '../errors.js';
import type { PortMap } from './ports.js';
import type { ProcId } from '../sys/proc.js';
import { arr, bool, int, nullable, obj, opt, orDefault, record, str, type Schema } from '../util/schema.js';

export interface NetworkRecord {
  Id: string;
  Name: string;
  Created: string;
  Driver: 'bridge';
  Subnet: string;
  Gateway: string;
  /** The Linux bridge device. */
  Bridge: string;
  /** No traffic in or out of the network, only between its containers. */
  Internal: boolean;
  Labels: Record<string, string>;
  /** The store's default network: DOCKERLITE_BRIDGE with DOCKERLITE_SUBNET, Docker's "bridge". */
  Default?: boolean;
  /** False when the bridge device existed before dockerlite used it: then it is never deleted. */
  OwnBridge: boolean;
  /** --ip-range: automatic addresses come from this part of the subnet only. */
  IPRange?: string;
  /** --aux-address NAME=IP: addresses never handed to a container. */
  AuxAddresses?: Record<string, string>;
}

/** One attachment of a container to a network. Field names are Docker's EndpointSettings. */
export interface Endpoint {
  NetworkID: string;
  Aliases: string[];
  /** The address asked for (--ip, seta, connect --ip); it is kept across restarts. */
  IPAMConfig: { IPv4Address?: string } | null;
  /** The address held, from the first start until rm or disconnect. */
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  /** Host side of the veth while the container runs, and its name inside. */
  Veth?: string;
  Ifname?: string;
}

export interface ContainerNet {
  /** By network name, in attach order: the first one holds the default route and the published ports. */
  Networks: Record<string, Endpoint>;
  /** What is published while the container runs. */
  Ports: PortMap;
  /** The process that published them: while it lives, a container not yet running is starting, not dead. */
  Publisher?: ProcId;
}

/** networks/<id>/network.json */
export const networkRecord = obj({
  Id: str,
  Name: str,
  Created: str,
  Driver: str,
  Subnet: str,
  Gateway: str,
  Bridge: str,
  Internal: orDefault(bool, () => false),
  Labels: orDefault(record(str), () => ({})),
  Default: opt(bool),
  OwnBridge: bool,
  IPRange: opt(str),
  AuxAddresses: opt(record(str)),
}) as Schema<NetworkRecord>;

/** containers/<id>/network.json */
export const containerNet = obj({
  Networks: record(
    obj({
      NetworkID: str,
      Aliases: orDefault(arr(str), () => []),
      IPAMConfig: nullable(obj({ IPv4Address: opt(str) })),
      IPAddress: str,
      IPPrefixLen: int,
      Gateway: str,
      MacAddress: str,
      Veth: opt(str),
      Ifname: opt(str),
    }),
  ),
  Ports: orDefault(record(nullable(arr(obj({ HostIp: str, HostPort: str })))), () => ({})),
  Publisher: opt(obj({ pid: int, start: int })),
}) as Schema<ContainerNet>;

export const DEFAULT_NETWORK = 'bridge';
/** Networks that exist in every store without a record. */
export const PSEUDO_NETWORKS = ['host', 'none'] as const;

export function networkDir(store: Store, id: string): string {
  return join(store.paths.networks, id);
}
export function networkFile(store: Store, id: string): string {
  return join(store.paths.networks, id, 'network.json');
}
export function ipsDir(store: Store, id: string): string {
  return join(store.paths.networks, id, 'ips');
}
export function containerNetFile(store: Store, cid: string): string {
  return join(store.paths.container(cid), 'network.json');
}
export function hostsFile(store: Store, cid: string): string {
  return join(store.paths.container(cid), 'hosts');
}
export function resolvFile(store: Store, cid: string): string {
  return join(store.paths.container(cid), 'resolv.conf');
}

export type Mode = { kind: 'bridge' } | { kind: 'none' } | { kind: 'host' } | { kind: 'container'; target: string };

/** HostConfig.NetworkMode as a kind: '' and 'default' are the default bridge, as in Docker. */
export function parseMode(networkMode: string | undefined): Mode & { network?: string } {
  const m = networkMode ?? '';
  if (m === '' || m === 'default' || m === DEFAULT_NETWORK) return { kind: 'bridge', network: DEFAULT_NETWORK };
  if (m === 'none') return { kind: 'none' };
  if (m === 'host') return { kind: 'host' };
  if (m.startsWith('container:')) {
    const target = m.slice('container:'.length);
    if (!target) throw new InvalidArgument('--network container: needs a container name or id, as in container:web');
    return { kind: 'container', target };
  }
  return { kind: 'bridge', network: m };
}

export function modeOf(c: ContainerRecord) {
  return parseMode(c.hostConfig.NetworkMode);
}

/**
 * Names derived from the store's bridge, so that everything one store puts
 * on the host can be found and removed exactly, whatever other stores do.
 */
export class Names {
  constructor(readonly tag: string) {}
  /** nat: DNAT of published ports; entered from PREROUTING and OUTPUT for local destinations. */
  get dnat() {
    return `DL-${this.tag}`;
  }
  /** nat: masquerade (outbound, published ports reached from 127.0.0.1, hairpin). */
  get post() {
    return `DL-${this.tag}-POST`;
  }
  /** filter: what may be forwarded to and from our bridges. */
  get forward() {
    return `DL-${this.tag}-FWD`;
  }
  /** filter: drops traffic from one of our networks to another. */
  get isolate() {
    return `DL-${this.tag}-ISO`;
  }
  /** raw: drops what arrives on our bridges to or from 127.0.0.0/8, before conntrack and NAT. */
  get raw() {
    return `DL-${this.tag}-RAW`;
  }
  /** Comment on the jumps into our chains. */
  get jumpComment() {
    return `dockerlite:${this.tag}`;
  }
  netComment(netId: string) {
    return `dockerlite:${this.tag}:net:${netId.slice(0, 12)}`;
  }
  ctrComment(cid: string) {
    return `dockerlite:${this.tag}:ctr:${cid.slice(0, 12)}`;
  }
}

export function namesFor(store: Store): Names {
  const tag = store.cfg.bridge;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/.test(tag)) {
    throw new InvalidArgument(`DOCKERLITE_BRIDGE '${tag}' is not a usable interface name: 1 to 15 letters, digits, '_', '.' or '-'`);
  }
  return new Names(tag);
}

/** Host side of a container's veth: vdl + 11 hex of its id + the endpoint's index (15 bytes, IFNAMSIZ). */
export function vethName(cid: string, index: number): string {
  return `vdl${cid.slice(0, 11)}${index.toString(36)}`;
}

/** The device of a user-defined network: dl- and 12 hex of its id. */
export function bridgeNameFor(netId: string): string {
  return `dl-${netId.slice(0, 12)}`;
}
