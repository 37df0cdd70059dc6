// Facts about host processes from /proc. A pid alone is never trusted: it is
// paired with its start time so a recycled pid is detected.
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcId {
  pid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  start: number;
}

function statFields(pid: number): string[] | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: split after the last ')'.
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

export function startTime(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined; // field 22 overall; fields here start at 3
}

export function procState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

export function identify(pid: number): ProcId | undefined {
  const start = startTime(pid);
  return start === undefined ? undefined : { pid, start };
}

/** True when the process still exists, is the same one (same start time), and is not a zombie. */
export function isAlive(p: ProcId | undefined | null): boolean {
  if (!p || !p.pid) return false;
  const f = statFields(p.pid);
  if (!f) return false;
  if (f[0] === 'Z' || f[0] === 'X') return false;
  return Number(f[19]) === p.start;
}

/** Direct children of a process (needs CONFIG_PROC_CHILDREN, else scans /proc). */
export function children(pid: number): number[] {
  try {
    const t = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return t ? t.split(/\s+/).map(Number) : [];
  } catch {
    const out: number[] = [];
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const f = statFields(Number(d));
      if (f && Number(f[1]) === pid) out.push(Number(d));
    }
    return out;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A process's pid in the innermost pid namespace it belongs to. */
export function nsPid(pid: number): number | undefined {
  try {
    const m = /^NSpid:\s+(.+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1].trim().split(/\s+/).pop()) : undefined;
  } catch {
    return undefined;
  }
}
