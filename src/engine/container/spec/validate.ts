// A HostConfig handed over whole (the Engine API's create), checked with the
// same parsers the CLI's flags go through, and trimmed to what dockerlite
// does. Fields it cannot honour are refused, not silently dropped, when they
// ask for something: a client must not believe a limit or a device is there.
import { InvalidArgument } from '../../../errors.js';
import type { HostConfig, MountConfig } from '../../../store/types.js';
import { parseMountSpec } from './mounts.js';
import { checkVolumeName } from '../../volume/volumes.js';
import { normalizeCap } from './caps.js';
import { parseRestart, MIN_MEMORY } from './limits.js';
import { parseSecurityOpt } from './security.js';
import { parseLogConfig } from '../logconfig.js';
import { checkMountConfig } from './mounts.js';
import { parseUlimit } from './ulimits.js';
import { parseDevice } from './devices.js';
import { parseSysctl } from './sysctls.js';
import { parseNamespaceModes } from './namespaces.js';

/** The HostConfig fields dockerlite applies. */
export const SUPPORTED_HOSTCONFIG = [
  'AutoRemove',
  'Binds',
  'NetworkMode',
  'PortBindings',
  'RestartPolicy',
  'Privileged',
  'ReadonlyRootfs',
  'CapAdd',
  'CapDrop',
  'SecurityOpt',
  'Memory',
  'MemorySwap',
  'NanoCpus',
  'PidsLimit',
  'Tmpfs',
  'Dns',
  'DnsSearch',
  'DnsOptions',
  'ExtraHosts',
  'PublishAllPorts',
  'LogConfig',
  'Mounts',
  'VolumesFrom',
  'CpuShares',
  'CpuPeriod',
  'CpuQuota',
  'CpusetCpus',
  'MemoryReservation',
  'OomScoreAdj',
  'Ulimits',
  'Devices',
  'Sysctls',
  'PidMode',
  'IpcMode',
  'UTSMode',
  'Init',
  'GroupAdd',
  'ShmSize',
] as const;

/** Fields refused when they ask for something, and why. Any other field is ignored (ConsoleSize, MaskedPaths...). */
export const REFUSED_HOSTCONFIG: Record<string, string> = {
  DeviceRequests: 'GPUs and device requests are not supported',
  DeviceCgroupRules: 'device cgroup rules are not supported',
  Links: 'legacy links are not supported; put the containers on one user-defined network and use their names',
  VolumeDriver: 'only the local volume driver exists',
  CpuRealtimePeriod: 'real-time CPU scheduling is not supported',
  CpuRealtimeRuntime: 'real-time CPU scheduling is not supported',
  CpusetMems: 'cpusets are not supported',
  BlkioWeight: 'block I/O limits are not supported',
  BlkioWeightDevice: 'block I/O limits are not supported',
  BlkioDeviceReadBps: 'block I/O limits are not supported',
  BlkioDeviceWriteBps: 'block I/O limits are not supported',
  BlkioDeviceReadIOps: 'block I/O limits are not supported',
  BlkioDeviceWriteIOps: 'block I/O limits are not supported',
  KernelMemory: 'kernel memory limits are not supported',
  OomKillDisable: 'disabling the OOM killer is not supported',
  StorageOpt: 'storage options are not supported',
  Runtime: 'dockerlite runs every container with LXC',
  Isolation: 'isolation modes are not supported',
  CgroupParent: 'cgroup parents are not supported',
  UsernsMode: 'user namespace modes are not supported',
  Cgroup: 'cgroup namespace sharing is not supported',
  Capabilities: 'use CapAdd and CapDrop',
};

/** Values that ask for nothing: zero, empty, false, null, and the defaults clients send. */
function isUnset(k: string, v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  if (k === 'Runtime' && (v === 'runc' || v === 'lxc')) return true;
  if (k === 'Isolation' && v === 'default') return true;
  if (k === 'Cgroup' && v === 'private') return true;
  if (k === 'UsernsMode' && v === 'host') return true;
  return false;
}

/** Check a HostConfig as the CLI's flags are checked, refuse what dockerlite cannot do, and keep only the fields it applies. */
export function checkHostConfig(raw: Record<string, unknown> | undefined): HostConfig {
  const hc = raw ?? {};
  for (const [k, why] of Object.entries(REFUSED_HOSTCONFIG))
    if (!isUnset(k, hc[k])) throw new InvalidArgument(`HostConfig.${k} is not supported by dockerlite: ${why}`);
  const out: HostConfig = {};
  for (const k of SUPPORTED_HOSTCONFIG) if (hc[k] !== undefined && hc[k] !== null) (out as Record<string, unknown>)[k] = hc[k];
  const strings = (k: string): string[] => {
    const v = out[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidArgument(`HostConfig.${k} must be a list of strings`);
    return v as string[];
  };
  for (const b of strings('Binds')) {
    // A missing bind source is made as a directory, as Docker does for Binds (not for Mounts).
    const m = parseMountSpec(b);
    if (m.type === 'volume' && m.source) checkVolumeName(m.source);
  }
  if (!out.Binds?.length) delete out.Binds;
  out.CapAdd = strings('CapAdd').map((c) => normalizeCap(c).toUpperCase());
  out.CapDrop = strings('CapDrop').map((c) => normalizeCap(c).toUpperCase());
  if (!out.CapAdd.length) delete out.CapAdd;
  if (!out.CapDrop.length) delete out.CapDrop;
  out.SecurityOpt = strings('SecurityOpt').map(parseSecurityOpt);
  if (!out.SecurityOpt.length) delete out.SecurityOpt;
  for (const k of ['Dns', 'DnsSearch', 'DnsOptions', 'ExtraHosts']) if (!strings(k).length) delete out[k];
  const rp = out.RestartPolicy as { Name?: string; MaximumRetryCount?: number } | undefined;
  if (rp) {
    if (!rp.Name || rp.Name === 'no') delete out.RestartPolicy;
    else {
      const p = parseRestart(rp.Name === 'on-failure' && rp.MaximumRetryCount ? `on-failure:${rp.MaximumRetryCount}` : rp.Name);
      out.RestartPolicy = p;
      if (out.AutoRemove) throw new InvalidArgument('conflicting options: a restart policy and AutoRemove');
    }
  }
  for (const k of ['Memory', 'MemorySwap', 'NanoCpus', 'PidsLimit']) {
    const v = out[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidArgument(`HostConfig.${k} must be an integer`);
    if (v === 0 || (k === 'PidsLimit' && v < 0)) delete out[k];
  }
  if (out.Memory !== undefined && out.Memory < MIN_MEMORY) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (out.NanoCpus !== undefined && out.NanoCpus < 0) throw new InvalidArgument('Range of CPUs is from 0.01 to the number of CPUs available');
  if (out.Tmpfs !== undefined && (typeof out.Tmpfs !== 'object' || Array.isArray(out.Tmpfs))) throw new InvalidArgument('HostConfig.Tmpfs must be an object');
  if (out.Tmpfs && !Object.keys(out.Tmpfs).length) delete out.Tmpfs;
  for (const p of Object.keys(out.Tmpfs ?? {})) if (!p.startsWith('/')) throw new InvalidArgument(`invalid tmpfs mount point ${p}: it must be absolute`);
  if (out.NetworkMode === 'default' || out.NetworkMode === '') delete out.NetworkMode;
  if (out.PortBindings !== undefined) {
    // Clients send partial bindings ({} or {"HostPort": ""} for "any port"): the record keeps Docker's full shape.
    const pb = out.PortBindings as unknown;
    if (typeof pb !== 'object' || pb === null || Array.isArray(pb)) throw new InvalidArgument('HostConfig.PortBindings must be a map of port to bindings');
    const norm: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const [port, list] of Object.entries(pb as Record<string, unknown>)) {
      if (list === null) continue;
      if (!Array.isArray(list)) throw new InvalidArgument(`HostConfig.PortBindings.${port} must be a list`);
      norm[port] = list.map((b: unknown) => {
        const o = (b ?? {}) as { HostIp?: unknown; HostPort?: unknown };
        const hostPort = typeof o.HostPort === 'string' ? o.HostPort : typeof o.HostPort === 'number' ? String(o.HostPort) : '';
        // "0", as "", asks for any free port (Testcontainers sends it).
        return { HostIp: typeof o.HostIp === 'string' ? o.HostIp : '', HostPort: hostPort === '0' ? '' : hostPort };
      });
    }
    out.PortBindings = norm;
  }
  if (out.PortBindings && !Object.keys(out.PortBindings).length) delete out.PortBindings;
  const lc = out.LogConfig as { Type?: string; Config?: Record<string, string> } | undefined;
  if (lc) out.LogConfig = parseLogConfig(lc.Type || undefined, lc.Config ?? {});
  checkRunFlagFields(out, strings);
  out.AutoRemove = !!out.AutoRemove;
  return out;
}

/**
 * The fields that the CLI's run flags fill (--mount, --ulimit, --device,
 * --sysctl, --pid/--ipc/--uts, --cpu-*, --init...), in the API's shapes,
 * checked with the flags' own parsers so both paths refuse the same things.
 */
function checkRunFlagFields(out: HostConfig, strings: (k: string) => string[]): void {
  const list = (k: string): Record<string, unknown>[] => {
    const v = out[k];
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null)) throw new InvalidArgument(`HostConfig.${k} must be a list of objects`);
    return v as Record<string, unknown>[];
  };
  const mounts = list('Mounts');
  for (const m of mounts) checkMountConfig(m as unknown as MountConfig);
  if (!mounts.length) delete out.Mounts;
  if (!strings('VolumesFrom').length) delete out.VolumesFrom;
  if (!strings('GroupAdd').length) delete out.GroupAdd;
  const ulimits = list('Ulimits').map((u) => parseUlimit(`${String(u.Name)}=${String(u.Soft)}:${String(u.Hard)}`));
  if (ulimits.length) out.Ulimits = ulimits;
  else delete out.Ulimits;
  const devices = list('Devices').map((d) => {
    if (typeof d.PathOnHost !== 'string') throw new InvalidArgument('HostConfig.Devices: PathOnHost must be a string');
    const inCtr = typeof d.PathInContainer === 'string' && d.PathInContainer ? d.PathInContainer : d.PathOnHost;
    const perms = typeof d.CgroupPermissions === 'string' && d.CgroupPermissions ? d.CgroupPermissions : 'rwm';
    return parseDevice(`${d.PathOnHost}:${inCtr}:${perms}`);
  });
  if (devices.length) out.Devices = devices;
  else delete out.Devices;
  if (out.Sysctls !== undefined) {
    if (typeof out.Sysctls !== 'object' || Array.isArray(out.Sysctls)) throw new InvalidArgument('HostConfig.Sysctls must be an object');
    out.Sysctls = Object.fromEntries(Object.entries(out.Sysctls).map(([k, v]) => parseSysctl(`${k}=${String(v)}`)));
    if (!Object.keys(out.Sysctls).length) delete out.Sysctls;
  }
  for (const k of ['PidMode', 'IpcMode', 'UTSMode'] as const) {
    if (out[k] !== undefined && typeof out[k] !== 'string') throw new InvalidArgument(`HostConfig.${k} must be a string`);
    if (out[k] === '') delete out[k];
  }
  Object.assign(out, parseNamespaceModes({ pid: out.PidMode, ipc: out.IpcMode, uts: out.UTSMode }));
  for (const k of ['CpuShares', 'CpuPeriod', 'CpuQuota', 'MemoryReservation', 'OomScoreAdj', 'ShmSize']) {
    const v = out[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new InvalidArgument(`HostConfig.${k} must be an integer`);
    if (v === 0) delete out[k];
    else if (k !== 'OomScoreAdj' && k !== 'CpuQuota' && v < 0) throw new InvalidArgument(`HostConfig.${k} must not be negative`);
  }
  if (out.OomScoreAdj !== undefined && (out.OomScoreAdj < -1000 || out.OomScoreAdj > 1000))
    throw new InvalidArgument(`Invalid value ${out.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  if (out.CpusetCpus !== undefined && typeof out.CpusetCpus !== 'string') throw new InvalidArgument('HostConfig.CpusetCpus must be a string');
  if (out.CpusetCpus === '') delete out.CpusetCpus;
  if (out.Init !== undefined && typeof out.Init !== 'boolean') throw new InvalidArgument('HostConfig.Init must be a boolean');
  if (!out.Init) delete out.Init;
}
