// Was a container killed for memory? The kernel counts OOM kills per memory
// cgroup, but LXC removes the container's cgroup as soon as it ends, so the
// monitor samples the counter while it runs and, when the container ends
// with SIGKILL, also looks for the kill in the kernel log, which names the
// cgroup whose limit was hit.
import { closeSync, constants, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { hierarchies } from './cgroups.js';

/** OOM kills recorded in the container's memory cgroup (v1 memory.oom_control, v2 memory.events). */
export function oomKillCount(name: string): number {
  for (const h of hierarchies()) {
    for (const [file, key] of [
      ['memory.oom_control', 'oom_kill'],
      ['memory.events', 'oom_kill'],
    ] as const) {
      try {
        const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(readFileSync(join(h, `lxc.payload.${name}`, file), 'utf8'));
        if (m) return Number(m[1]);
      } catch {
        // not this hierarchy
      }
    }
  }
  return 0;
}

/** The file that counts the container's OOM kills (it exists while the container runs), for dl-mon to sample. */
export function oomCounterFile(name: string): string | undefined {
  for (const h of hierarchies()) {
    // v1: the memory controller's own hierarchy; v2: the unified one.
    if (existsSync(join(h, 'memory.oom_control'))) return join(h, `lxc.payload.${name}`, 'memory.oom_control');
    if (existsSync(join(h, 'cgroup.controllers')) && readFileSync(join(h, 'cgroup.controllers'), 'utf8').includes('memory')) {
      return join(h, `lxc.payload.${name}`, 'memory.events');
    }
  }
  return undefined;
}

/** Does /dev/kmsg hold an OOM kill charged to this container's cgroup? */
export function oomKillLogged(name: string): boolean {
  let fd: number;
  try {
    fd = openSync('/dev/kmsg', constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  const needle = `oom_memcg=/lxc.payload.${name}`;
  const buf = Buffer.alloc(8192);
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EPIPE') continue; // records were overwritten while reading: go on
        return false; // EAGAIN: the end of the log
      }
      if (n <= 0) return false;
      if (buf.toString('utf8', 0, n).includes(needle)) return true;
    }
  } finally {
    closeSync(fd);
  }
}
