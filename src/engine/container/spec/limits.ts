// Resource limits (-m/--memory, --memory-swap, --cpus, --pids-limit) and the
// cgroup settings that enforce them, for cgroup v1 and v2 hosts. Pure: the
// LXC config carries the settings (lxc.cgroup.* or lxc.cgroup2.*).
import type { HostConfig } from '../../../store/types.js';
import type { CgroupVersion } from '../../../runtime/host.js';
import { InvalidArgument } from '../../../errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's RAMInBytes: "512m", "1g", "64MB", "1048576". */
export function parseBytes(s: string, what = 'memory'): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgtp]?)b?$/i.exec(s.trim());
  if (!m) throw new InvalidArgument(`invalid ${what} size '${s}': use a number with an optional unit b, k, m, g (e.g. 512m)`);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

export const MIN_MEMORY = 6 * 1024 * 1024;

export interface LimitFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  pidsLimit?: string;
}

/** Validate the flags and record them with Docker's HostConfig names. */
export function parseLimits(f: LimitFlags): Partial<HostConfig> {
  const hc: Partial<HostConfig> = {};
  if (f.memory !== undefined) {
    hc.Memory = parseBytes(f.memory);
    if (hc.Memory < MIN_MEMORY) throw new InvalidArgument('minimum memory limit allowed is 6MB');
  }
  if (f.memorySwap !== undefined) {
    if (hc.Memory === undefined) throw new InvalidArgument('--memory-swap needs --memory too');
    hc.MemorySwap = f.memorySwap === '-1' ? -1 : parseBytes(f.memorySwap, 'memory-swap');
    if (hc.MemorySwap !== -1 && hc.MemorySwap < hc.Memory)
      throw new InvalidArgument('--memory-swap must be at least --memory (it is memory plus swap), or -1 for unlimited swap');
  }
  if (f.cpus !== undefined) {
    const n = Number(f.cpus);
    if (!/^\d*\.?\d+$/.test(f.cpus) || !(n > 0)) throw new InvalidArgument(`invalid --cpus '${f.cpus}': give a positive number such as 1.5`);
    hc.NanoCpus = Math.round(n * 1e9);
  }
  if (f.pidsLimit !== undefined) {
    if (!/^-?\d+$/.test(f.pidsLimit)) throw new InvalidArgument(`invalid --pids-limit '${f.pidsLimit}': give a whole number (-1 or 0 for no limit)`);
    hc.PidsLimit = Number(f.pidsLimit);
  }
  return hc;
}

const CFS_PERIOD = 100_000;

/**
 * The cgroup settings for a HostConfig, in the order they must be written
 * (v1 wants the memory limit before memory+swap). memsw: the v1 host has
 * swap accounting (memory.memsw.*); without it swap is simply not limited.
 */
export function cgroupSettings(hc: HostConfig, version: CgroupVersion, o: { memsw?: boolean } = {}): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const mem = hc.Memory;
  // Docker's default: as much swap as memory (memory+swap = 2 x memory).
  const swap = mem ? (hc.MemorySwap ?? mem * 2) : undefined;
  if (version === 1) {
    if (mem) {
      out.push(['memory.limit_in_bytes', String(mem)]);
      if (o.memsw && swap !== undefined) out.push(['memory.memsw.limit_in_bytes', swap === -1 ? '-1' : String(swap)]);
    }
    if (hc.NanoCpus) out.push(['cpu.cfs_period_us', String(CFS_PERIOD)], ['cpu.cfs_quota_us', String(Math.round((hc.NanoCpus / 1e9) * CFS_PERIOD))]);
    if (hc.PidsLimit && hc.PidsLimit > 0) out.push(['pids.max', String(hc.PidsLimit)]);
  } else {
    if (mem) {
      out.push(['memory.max', String(mem)]);
      if (swap !== undefined) out.push(['memory.swap.max', swap === -1 ? 'max' : String(swap - mem)]);
    }
    if (hc.NanoCpus) out.push(['cpu.max', `${Math.round((hc.NanoCpus / 1e9) * CFS_PERIOD)} ${CFS_PERIOD}`]);
    if (hc.PidsLimit && hc.PidsLimit > 0) out.push(['pids.max', String(hc.PidsLimit)]);
  }
  return out;
}

/** Docker's --restart: no, always, unless-stopped, on-failure[:max-retries]. */
export function parseRestart(s: string): { Name: string; MaximumRetryCount: number } {
  const m = /^(no|always|unless-stopped|on-failure)(?::(\d+))?$/.exec(s);
  if (!m || (m[2] !== undefined && m[1] !== 'on-failure'))
    throw new InvalidArgument(`invalid restart policy '${s}': use no, always, unless-stopped or on-failure[:max-retries]`);
  return { Name: m[1], MaximumRetryCount: m[2] !== undefined ? Number(m[2]) : 0 };
}
