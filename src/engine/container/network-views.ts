// How networks and a container's networking look to users: Docker's
// NetworkSettings in inspect, the PORTS column, and network inspect/ls.
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/types.js';
import type { ContainerView } from '../../store/containers.js';
import { sha256, shortId } from '../../store/ids.js';
import { children } from '../../sys/proc.js';
import { portsView, readNet } from '../../network/endpoints.js';
import { formatPortsColumn, type PortMap } from '../../network/ports.js';
import { DEFAULT_NETWORK, modeOf, type ContainerNet, type NetworkRecord } from '../../network/model.js';

function running(c: ContainerView): boolean {
  return c.state.status === 'running' || c.state.status === 'paused';
}

/** NetworkSettings.Ports: what is published while the container runs. */
export function publishedPorts(store: Store, c: ContainerView, net?: ContainerNet): PortMap {
  if (modeOf(c).kind !== 'bridge') return {};
  return portsView(c, (net ?? readNet(store, c)).Ports, running(c));
}

/** The PORTS column of ps. */
export function portsColumn(store: Store, c: ContainerView): string {
  return running(c) ? formatPortsColumn(publishedPorts(store, c)) : '';
}

function dnsNames(c: ContainerRecord, aliases: string[]): string[] {
  return [...new Set([c.name, ...aliases, shortId(c.id)].filter(Boolean))];
}

/** Docker's NetworkSettings, from the container's endpoints. */
export function networkSettings(store: Store, c: ContainerView): Record<string, unknown> {
  const net = readNet(store, c);
  const mode = modeOf(c);
  const Networks: Record<string, unknown> = {};
  if (mode.kind === 'host' || mode.kind === 'none') {
    Networks[mode.kind] = {
      IPAMConfig: null,
      Links: null,
      Aliases: null,
      MacAddress: '',
      NetworkID: '',
      EndpointID: '',
      Gateway: '',
      IPAddress: '',
      IPPrefixLen: 0,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DriverOpts: null,
      DNSNames: null,
    };
  }
  for (const [name, ep] of Object.entries(net.Networks)) {
    Networks[name] = {
      IPAMConfig: ep.IPAMConfig,
      Links: null,
      Aliases: ep.Aliases.length ? ep.Aliases : null,
      MacAddress: ep.MacAddress,
      NetworkID: ep.NetworkID,
      EndpointID: ep.IPAddress && running(c) ? `${c.id.slice(0, 32)}${ep.NetworkID.slice(0, 32)}` : '',
      Gateway: ep.Gateway,
      IPAddress: ep.IPAddress,
      IPPrefixLen: ep.IPPrefixLen,
      IPv6Gateway: '',
      GlobalIPv6Address: '',
      GlobalIPv6PrefixLen: 0,
      DriverOpts: null,
      DNSNames: name === DEFAULT_NETWORK ? null : dnsNames(c, ep.Aliases),
    };
  }
  const def = net.Networks[DEFAULT_NETWORK];
  const init = running(c) ? children(c.state.pid)[0] : undefined;
  return {
    Bridge: '',
    SandboxID: '',
    SandboxKey: init ? `/proc/${init}/ns/net` : '',
    HairpinMode: false,
    Ports: publishedPorts(store, c, net),
    // The legacy top-level fields describe the default bridge, as in Docker.
    Gateway: def?.Gateway ?? '',
    IPAddress: def?.IPAddress ?? '',
    IPPrefixLen: def?.IPPrefixLen ?? 0,
    MacAddress: def?.MacAddress ?? '',
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    Networks,
  };
}

export function pseudoId(name: 'host' | 'none'): string {
  return sha256(`dockerlite network ${name}`);
}

export interface NetworkRow {
  ID: string;
  Name: string;
  Driver: string;
  Scope: string;
  CreatedAt: string;
  Internal: string;
  Labels: string;
}

/** Rows for `network ls`: the store's networks, then Docker's host and none. */
export function networkRows(nets: NetworkRecord[], noTrunc: boolean): NetworkRow[] {
  const id = (x: string) => (noTrunc ? x : x.slice(0, 12));
  const rows: NetworkRow[] = nets.map((n) => ({
    ID: id(n.Id),
    Name: n.Name,
    Driver: 'bridge',
    Scope: 'local',
    CreatedAt: n.Created,
    Internal: String(n.Internal),
    Labels: Object.entries(n.Labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  }));
  // host and none have no record (nothing to make): fixed ids, derived from their names.
  rows.push({ ID: id(pseudoId('host')), Name: 'host', Driver: 'host', Scope: 'local', CreatedAt: '', Internal: 'false', Labels: '' });
  rows.push({ ID: id(pseudoId('none')), Name: 'none', Driver: 'null', Scope: 'local', CreatedAt: '', Internal: 'false', Labels: '' });
  return rows;
}

export function inspectNetwork(net: NetworkRecord, members: Array<{ c: ContainerView; ip: string; prefix: number; mac: string }>): Record<string, unknown> {
  const Containers: Record<string, unknown> = {};
  for (const m of members) {
    Containers[m.c.id] = {
      Name: m.c.name,
      EndpointID: running(m.c) ? `${m.c.id.slice(0, 32)}${net.Id.slice(0, 32)}` : '',
      MacAddress: m.mac,
      IPv4Address: m.ip ? `${m.ip}/${m.prefix}` : '',
      IPv6Address: '',
    };
  }
  return {
    Name: net.Name,
    Id: net.Id,
    Created: net.Created,
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: {
      Driver: 'default',
      Options: {},
      Config: [
        {
          Subnet: net.Subnet,
          Gateway: net.Gateway,
          ...(net.IPRange ? { IPRange: net.IPRange } : {}),
          ...(net.AuxAddresses ? { AuxiliaryAddresses: net.AuxAddresses } : {}),
        },
      ],
    },
    Internal: net.Internal,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers,
    Options: { 'com.docker.network.bridge.name': net.Bridge, ...(net.Default ? { 'com.docker.network.bridge.default_bridge': 'true' } : {}) },
    Labels: net.Labels,
  };
}
