// Docker's rule: a container ends when its main process ends. LXC's init
// instead waits for every process in the container, so a backgrounded
// `sleep 1000 &` would keep it alive. The main process is always pid 2 in
// the container's pid namespace (init is 1, and starts it first), so when no
// process of the container is pid 2 any more, the rest are killed and init
// exits with the main process's status.
import { isAlive, nsPid, type ProcId } from '../sys/proc.js';
import { containerPids } from './cgroups.js';

const POLL_MS = 100;

export interface Reaper {
  stop(): void;
}

/** Watch container `name`, owned by lxc-execute process `owner`. */
export function reapOnMainExit(owner: ProcId, name: string, onTick?: () => void): Reaper {
  const timer = setInterval(() => {
    if (!isAlive(owner)) return clearInterval(timer);
    onTick?.();
    const procs = containerPids(name).map((pid) => ({ pid, ns: nsPid(pid) }));
    if (procs.some((p) => p.ns === 2)) return; // the main process still runs
    for (const p of procs) {
      if (p.ns === 1 || p.ns === undefined) continue;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }, POLL_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
