// dockerlite update: change a container's limits and restart policy. The
// record is changed under the container's lock; a running (or paused)
// container gets the new limits in its cgroup at once, before the record
// says so, so a limit the kernel refuses (memory below what is in use) is
// an error and nothing is recorded. Docker's checks and messages.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import type { HostConfig } from '../../store/types.js';
import { getContainer, isRunning, readContainer, type ContainerView } from '../../store/containers.js';
import { writeJson } from '../../store/json.js';
import { InvalidArgument, SystemError } from '../../errors.js';
import { cgroupVersion } from '../../runtime/host.js';
import { readSetting, writeSettings } from '../../runtime/cgroupset.js';
import { cgroupSettings, checkResources, parseBytes, parseLimits, parseRestart } from './spec/limits.js';

export interface UpdateFlags {
  memory?: string;
  memorySwap?: string;
  memoryReservation?: string;
  cpus?: string;
  cpuShares?: string;
  cpuQuota?: string;
  cpuPeriod?: string;
  cpusetCpus?: string;
  pidsLimit?: string;
  restart?: string;
}

/** Parse the flags into the HostConfig fields they change; refuses an empty update as Docker does. */
export function parseUpdate(f: UpdateFlags): Partial<HostConfig> {
  const { memorySwap, ...rest } = f;
  const ch: Partial<HostConfig> = parseLimits({ ...rest });
  if (memorySwap !== undefined) ch.MemorySwap = memorySwap === '-1' ? -1 : parseBytes(memorySwap, 'memory-swap');
  if (f.restart !== undefined) ch.RestartPolicy = parseRestart(f.restart);
  if (!Object.keys(ch).length) throw new InvalidArgument('you must provide one or more flags when using this command');
  return ch;
}

/** The checks that need the container's current settings (Docker's messages). */
function checkAgainst(cur: HostConfig, ch: Partial<HostConfig>): void {
  if (ch.RestartPolicy && ch.RestartPolicy.Name !== 'no' && cur.AutoRemove)
    throw new InvalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
  if (ch.NanoCpus && cur.CpuQuota && ch.CpuQuota === undefined)
    throw new InvalidArgument('Conflicting options: NanoCPUs cannot be updated as CPU Quota has already been set');
  if (ch.CpuQuota && cur.NanoCpus && ch.NanoCpus === undefined)
    throw new InvalidArgument('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  const mem = ch.Memory ?? cur.Memory;
  if (ch.Memory && ch.MemorySwap === undefined && cur.MemorySwap && cur.MemorySwap > 0 && ch.Memory > cur.MemorySwap)
    throw new InvalidArgument('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  if (ch.MemorySwap !== undefined && ch.MemorySwap !== -1) {
    if (!mem) throw new InvalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (ch.MemorySwap < mem) throw new InvalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
}

/** v1 hosts without swap accounting have no memory.memsw.* files. */
const hasMemsw = () => existsSync('/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes');

/** The cgroup writes for a running container, in an order the kernel accepts. */
function liveSettings(id: string, next: HostConfig, ch: Partial<HostConfig>): Array<[string, string]> {
  const version = cgroupVersion();
  let out = cgroupSettings(next, version, { memsw: hasMemsw() });
  // Lifting a limit: cgroupSettings leaves it out, so write the kernel's "none".
  if (ch.PidsLimit !== undefined && ch.PidsLimit <= 0) out.push(['pids.max', 'max']);
  if (version === 1) {
    // Raising memory above the current memory+swap cap needs the cap raised first.
    const memsw = Number(readSetting(id, 'memory.memsw.limit_in_bytes', 1));
    const mem = out.find(([k]) => k === 'memory.limit_in_bytes');
    if (mem && Number.isFinite(memsw) && Number(mem[1]) > memsw) {
      const sw = out.filter(([k]) => k === 'memory.memsw.limit_in_bytes');
      out = [...sw, ...out.filter(([k]) => k !== 'memory.memsw.limit_in_bytes')];
    }
  }
  return out;
}

export async function updateContainer(store: Store, query: string, ch: Partial<HostConfig>): Promise<ContainerView> {
  const c = await getContainer(store, query);
  checkAgainst(c.hostConfig, ch);
  await store.lock(`container-${c.id}`, async () => {
    const rec = await readContainer(store, c.id);
    checkAgainst(rec.hostConfig, ch);
    const next: HostConfig = { ...rec.hostConfig, ...ch };
    checkResources(next, availableParallelism());
    const now = await getContainer(store, c.id);
    if (isRunning(now.state)) {
      try {
        writeSettings(c.id, liveSettings(c.id, next, ch), cgroupVersion());
      } catch (e) {
        const key = (e as { key?: string }).key;
        if (key === 'memory.limit_in_bytes' || key === 'memory.max' || key === 'memory.memsw.limit_in_bytes') {
          const usage = readSetting(c.id, cgroupVersion() === 2 ? 'memory.current' : 'memory.usage_in_bytes', cgroupVersion());
          const peak = readSetting(c.id, cgroupVersion() === 2 ? 'memory.peak' : 'memory.max_usage_in_bytes', cgroupVersion());
          throw new InvalidArgument(
            `Cannot update container ${c.id}: unable to set memory limit to ${next.Memory} (current usage: ${usage ?? '?'}, peak usage: ${peak ?? '?'})`,
          );
        }
        throw e instanceof SystemError ? new SystemError(`Cannot update container ${c.id}: ${e.message}`) : e;
      }
    }
    await writeJson(store.paths.containerConfig(c.id), { ...rec, hostConfig: next });
  });
  return getContainer(store, c.id);
}
