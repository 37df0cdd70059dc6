// stats: CPU, memory, pids, block I/O from the container's cgroups (v1 or
// v2) and network I/O from its network namespace (/proc/<init>/net/dev).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, totalmem } from 'node:os';
import { hierarchies } from '../../runtime/cgroups.js';
import { children } from '../../sys/proc.js';
import type { ContainerView } from '../../store/containers.js';

export interface Sample {
  at: number;
  /** CPU time used by the container, ns. */
  cpu: number;
  /** CPU time of the whole host, ns (the denominator, as Docker). */
  system: number;
  mem: number;
  limit: number;
  pids: number;
  rx: number;
  tx: number;
  read: number;
  write: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The first readable file of that name in the container's payload cgroup, across hierarchies. */
function cg(name: string, file: string): string | undefined {
  for (const h of hierarchies()) {
    const t = read(join(h, `lxc.payload.${name}`, file));
    if (t !== undefined) return t;
  }
  return undefined;
}

const statKey = (text: string | undefined, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text ?? '')?.[1] ?? 0);

function hostCpuNs(): number {
  const line = read('/proc/stat')?.split('\n')[0] ?? '';
  const ticks = line
    .split(/\s+/)
    .slice(1, 8)
    .map(Number)
    .reduce((a, b) => a + (b || 0), 0);
  return ticks * 1e7; // USER_HZ is 100 on Linux: 1 tick = 10 ms
}

export function sample(c: ContainerView): Sample {
  const id = c.id;
  const v1cpu = cg(id, 'cpuacct.usage');
  const cpu = v1cpu !== undefined ? Number(v1cpu) : statKey(cg(id, 'cpu.stat'), 'usage_usec') * 1000;
  let mem: number;
  let limit: number;
  const v1mem = cg(id, 'memory.usage_in_bytes');
  if (v1mem !== undefined) {
    mem = Number(v1mem) - statKey(cg(id, 'memory.stat'), 'total_inactive_file');
    limit = Number(cg(id, 'memory.limit_in_bytes') ?? 0);
  } else {
    mem = Number(cg(id, 'memory.current') ?? 0) - statKey(cg(id, 'memory.stat'), 'inactive_file');
    const max = cg(id, 'memory.max')?.trim();
    limit = max && max !== 'max' ? Number(max) : 0;
  }
  if (!limit || limit > totalmem()) limit = totalmem();
  const pids = Number(cg(id, 'pids.current') ?? 0);
  let rx = 0;
  let tx = 0;
  const init = c.state.pid ? children(c.state.pid)[0] : undefined;
  for (const l of (init ? read(`/proc/${init}/net/dev`) : undefined)?.split('\n').slice(2) ?? []) {
    const [iface, rest] = l.split(':');
    if (!rest || iface.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0];
    tx += f[8];
  }
  let rd = 0;
  let wr = 0;
  const blk = cg(id, 'blkio.throttle.io_service_bytes_recursive') ?? cg(id, 'blkio.throttle.io_service_bytes');
  if (blk !== undefined) {
    for (const l of blk.split('\n')) {
      const [, op, n] = l.split(' ');
      if (op === 'Read') rd += Number(n);
      if (op === 'Write') wr += Number(n);
    }
  } else {
    for (const l of cg(id, 'io.stat')?.split('\n') ?? []) {
      rd += Number(/rbytes=(\d+)/.exec(l)?.[1] ?? 0);
      wr += Number(/wbytes=(\d+)/.exec(l)?.[1] ?? 0);
    }
  }
  return { at: Date.now(), cpu, system: hostCpuNs(), mem: Math.max(0, mem), limit, pids, rx, tx, read: rd, write: wr };
}

/** CPU % between two samples, as Docker computes it: share of the host's CPU time, times the number of CPUs. */
export function cpuPercent(a: Sample, b: Sample): number {
  const dc = b.cpu - a.cpu;
  const ds = b.system - a.system;
  return ds > 0 && dc > 0 ? (dc / ds) * cpus().length * 100 : 0;
}
