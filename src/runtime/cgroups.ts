// The cgroups LXC makes for a container: lxc.payload.<name> and
// lxc.monitor.<name> in each hierarchy. LXC removes them itself when a
// container ends normally; this removes what an abnormal end left behind.
import { readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

/** Every hierarchy root: the unified one (v2), or each v1 controller directory. */
export function hierarchies(): string[] {
  try {
    const entries = readdirSync(ROOT);
    if (entries.includes('cgroup.controllers')) return [ROOT];
    return entries
      .map((e) => join(ROOT, e))
      .filter((p) => {
        try {
          return statSync(p).isDirectory();
        } catch {
          return false;
        }
      });
  } catch {
    return [];
  }
}

function rmdirTree(dir: string): void {
  let kids: string[];
  try {
    kids = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return; // gone already
  }
  for (const k of kids) rmdirTree(join(dir, k));
  try {
    rmdirSync(dir);
  } catch {
    // still has processes: leave it
  }
}

/** Paths of a container's cgroup in each hierarchy (they may not exist). */
export function payloadCgroups(name: string): string[] {
  return hierarchies().map((h) => join(h, `lxc.payload.${name}`));
}

export async function removeContainerCgroups(name: string): Promise<void> {
  for (const h of hierarchies()) {
    rmdirTree(join(h, `lxc.payload.${name}`));
    rmdirTree(join(h, `lxc.monitor.${name}`));
  }
}

/** Every process in a container's payload cgroup (and below it), from the first hierarchy that has it. */
export function containerPids(name: string): number[] {
  for (const dir of payloadCgroups(name)) {
    const pids: number[] = [];
    const walk = (d: string): boolean => {
      let procs: string;
      try {
        procs = readFileSync(join(d, 'cgroup.procs'), 'utf8');
      } catch {
        return false;
      }
      pids.push(...procs.split('\n').filter(Boolean).map(Number));
      let kids;
      try {
        kids = readdirSync(d, { withFileTypes: true });
      } catch {
        return true; // the cgroup went away between the two reads: the container just ended
      }
      for (const k of kids) if (k.isDirectory()) walk(join(d, k.name));
      return true;
    };
    if (walk(dir)) return pids;
  }
  return [];
}
