// Resource limits (-m/--memory, --memory-swap, --memory-reservation, --cpus,
// --cpu-shares, --cpu-quota, --cpu-period, --cpuset-cpus, --pids-limit) and the
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
  memoryReservation?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
}

function intFlag(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v))
    throw new InvalidArgument(`invalid argument "${v}" for "${flag}" flag: strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Validate the flags and record them with Docker's HostConfig names. */
export function parseLimits(f: LimitFlags): Partial<HostConfig> {
  const hc: Partial<HostConfig> = {};
  if (f.memory !== undefined) {
    hc.Memory = parseBytes(f.memory);
    if (hc.Memory < MIN_MEMORY) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  }
  if (f.memorySwap !== undefined) {
    if (hc.Memory === undefined) throw new InvalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
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
  if (f.memoryReservation !== undefined) hc.MemoryReservation = parseBytes(f.memoryReservation, 'memory-reservation');
  if (f.cpuShares !== undefined) hc.CpuShares = intFlag('--cpu-shares', f.cpuShares);
  if (f.cpuQuota !== undefined) hc.CpuQuota = intFlag('--cpu-quota', f.cpuQuota);
  if (f.cpuPeriod !== undefined) hc.CpuPeriod = intFlag('--cpu-period', f.cpuPeriod);
  if (f.cpusetCpus !== undefined) hc.CpusetCpus = f.cpusetCpus;
  return hc;
}

/** The CPUs of a cpuset list ("0-2,4"), or undefined when it is malformed. */
export function cpusetList(s: string): number[] | undefined {
  const out: number[] = [];
  for (const part of s.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a) return undefined;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/**
 * The checks Docker's daemon makes on a container's resources (at create and
 * at update), with its messages; ncpu is the host's CPU count.
 */
export function checkResources(hc: Partial<HostConfig>, ncpu: number): void {
  if (hc.Memory !== undefined && hc.Memory > 0 && hc.Memory < MIN_MEMORY) throw new InvalidArgument('Minimum memory limit allowed is 6MB');
  if (hc.MemoryReservation && hc.Memory && hc.Memory < hc.MemoryReservation)
    throw new InvalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  if (hc.NanoCpus && hc.CpuQuota) throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
  if (hc.NanoCpus && hc.CpuPeriod) throw new InvalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (hc.NanoCpus && (hc.NanoCpus < 1e7 || hc.NanoCpus > ncpu * 1e9))
    throw new InvalidArgument(`Range of CPUs is from 0.01 to ${ncpu.toFixed(2)}, as there are only ${ncpu} CPUs available`);
  if (hc.CpuShares !== undefined && hc.CpuShares < 0) throw new InvalidArgument('shares: invalid value, it must be 0 or more');
  if (hc.CpuPeriod && (hc.CpuPeriod < 1000 || hc.CpuPeriod > 1_000_000))
    throw new InvalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (hc.CpuQuota && hc.CpuQuota > 0 && hc.CpuQuota < 1000) throw new InvalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (hc.CpusetCpus) {
    const cpus = cpusetList(hc.CpusetCpus);
    if (!cpus) throw new InvalidArgument(`Invalid value ${hc.CpusetCpus} for cpuset cpus: invalid format: ${hc.CpusetCpus}`);
    if (cpus.some((c) => c >= ncpu))
      throw new InvalidArgument(`Requested CPUs are not available - requested ${hc.CpusetCpus}, available: ${ncpu > 1 ? `0-${ncpu - 1}` : '0'}`);
  }
  if (hc.OomScoreAdj !== undefined && (hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000))
    throw new InvalidArgument(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
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
    if (hc.MemoryReservation) out.push(['memory.soft_limit_in_bytes', String(hc.MemoryReservation)]);
    if (hc.CpuShares) out.push(['cpu.shares', String(hc.CpuShares)]);
    if (hc.CpuPeriod) out.push(['cpu.cfs_period_us', String(hc.CpuPeriod)]);
    if (hc.CpuQuota) out.push(['cpu.cfs_quota_us', String(hc.CpuQuota)]);
    if (hc.CpusetCpus) out.push(['cpuset.cpus', hc.CpusetCpus]);
  } else {
    if (mem) {
      out.push(['memory.max', String(mem)]);
      if (swap !== undefined) out.push(['memory.swap.max', swap === -1 ? 'max' : String(swap - mem)]);
    }
    if (hc.NanoCpus) out.push(['cpu.max', `${Math.round((hc.NanoCpus / 1e9) * CFS_PERIOD)} ${CFS_PERIOD}`]);
    if (hc.PidsLimit && hc.PidsLimit > 0) out.push(['pids.max', String(hc.PidsLimit)]);
    if (hc.MemoryReservation) out.push(['memory.low', String(hc.MemoryReservation)]);
    // runc's conversion of shares (2..262144) to a weight (1..10000).
    if (hc.CpuShares) out.push(['cpu.weight', String(Math.floor(1 + ((Math.max(2, hc.CpuShares) - 2) * 9999) / 262142))]);
    if (hc.CpuQuota || hc.CpuPeriod) out.push(['cpu.max', `${hc.CpuQuota && hc.CpuQuota > 0 ? hc.CpuQuota : 'max'} ${hc.CpuPeriod || CFS_PERIOD}`]);
    if (hc.CpusetCpus) out.push(['cpuset.cpus', hc.CpusetCpus]);
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
