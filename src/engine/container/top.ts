// top: the processes of a running container (its cgroup), shown by the host's ps.
import type { Store } from '../../store/store.js';
import { Conflict } from '../../errors.js';
import { containerPids } from '../../runtime/cgroups.js';
import { ps } from '../../sys/ps.js';
import { getContainer, isRunning } from '../../store/containers.js';

export interface TopResult {
  titles: string[];
  processes: string[][];
}

/** ps output split into columns; the last column (the command) keeps its spaces. */
function columns(text: string): TopResult {
  const lines = text.split('\n').filter(Boolean);
  const titles = (lines.shift() ?? '').trim().split(/\s+/);
  const processes = lines.map((l) => {
    const parts = l.trim().split(/\s+/);
    return [...parts.slice(0, titles.length - 1), parts.slice(titles.length - 1).join(' ')];
  });
  return { titles, processes };
}

export async function topContainer(store: Store, query: string, psArgs: string[] = []): Promise<TopResult> {
  const c = await getContainer(store, query);
  if (!isRunning(c.state)) throw new Conflict(`container ${c.name} is not running`);
  const pids = containerPids(c.id);
  if (!pids.length) return { titles: ['PID'], processes: [] };
  if (!psArgs.length) return columns(await ps(['-f', '-p', pids.join(',')]));
  // Docker's `top CONTAINER [ps OPTIONS]`: run ps as asked, keep the container's rows.
  const all = columns(await ps(psArgs));
  const at = all.titles.indexOf('PID');
  if (at === -1) throw new Conflict(`ps ${psArgs.join(' ')} gave no PID column, so the container's processes cannot be picked out`);
  const mine = new Set(pids.map(String));
  return { titles: all.titles, processes: all.processes.filter((p) => mine.has(p[at])) };
}
