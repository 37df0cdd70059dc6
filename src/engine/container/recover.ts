// A container whose monitor was killed: nobody will record its end, so the
// store's opener does. Whatever still runs in its cgroup is killed first (its
// lxc-execute dies with the monitor through pdeathsig, but a process that
// escaped it would run on unsupervised), then the exit is recorded, what its
// start did is undone (hooks.afterStop: ports, addresses, veths), and its
// --rm or restart policy is honoured as its monitor would have.
import type { Store } from '../../store/store.js';
import type { ContainerRecord, ContainerState } from '../../store/types.js';
import { readJsonOr } from '../../store/json.js';
import { containerEvent } from '../../store/events.js';
import { containerState } from '../../store/schema.js';
import {
  abandoned,
  exitFor,
  freshState,
  getContainer,
  listWatchedStates,
  readExitFile,
  readRecord,
  removeExitFile,
  trueState,
  updateState,
  writeState,
} from '../../store/containers.js';
import { containerPids, removeContainerCgroups } from '../../runtime/cgroups.js';
import { thaw } from '../../runtime/freezer.js';
import { sleep } from '../../sys/proc.js';
import * as hooks from './hooks.js';
import { removeContainer } from './remove.js';
import { shouldRestart } from './restart.js';
import { stopProber } from './health.js';

/** SIGKILL every process in the container's cgroup; true once none is left (5 s at most). */
async function killLeftovers(id: string): Promise<boolean> {
  thaw(id); // a frozen process cannot die
  for (let i = 0; i < 100; i++) {
    const pids = containerPids(id);
    if (!pids.length) return true;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    await sleep(50);
  }
  return false;
}

/** Under the container's lock, so only one reader records the exit and acts on it. */
async function recoverAbandoned(store: Store, rec: ContainerRecord): Promise<void> {
  let last: ContainerState | undefined;
  let halfStarted = false;
  await store.lock(`container-${rec.id}`, async () => {
    const disk = await readJsonOr(store.paths.containerState(rec.id), containerState, freshState());
    if (!abandoned(disk)) return;
    if (disk.status === 'created') {
      // Its starter died before a monitor took over: it never ran. Undo the set-up below, record nothing else.
      halfStarted = true;
      await writeState(store, rec.id, { ...disk, starterPid: undefined, starterStart: undefined }, { durable: false });
      return;
    }
    if (!(await killLeftovers(rec.id))) return; // try again at the next open rather than record a live container as exited
    // The monitor's exit file, if it got that far, has the real status and time.
    const exit = exitFor(disk, readExitFile(store, rec.id));
    last = exit ? trueState(disk, exit) : { ...trueState(disk), finishedAt: new Date().toISOString() };
    await writeState(store, rec.id, last);
    removeExitFile(store, rec.id);
  });
  if (halfStarted) {
    await hooks.afterStop(store, rec).catch(() => {});
    await removeContainerCgroups(rec.id);
    return;
  }
  if (!last) return;
  await stopProber(store, rec.id);
  containerEvent(store.paths.root, 'die', rec, { exitCode: String(last.exitCode) });
  await hooks.afterStop(store, rec).catch(() => {});
  await removeContainerCgroups(rec.id);
  if (rec.hostConfig.AutoRemove) {
    await removeContainer(store, rec.id, { force: true, volumes: true });
  } else if (shouldRestart(rec, last, last.exitCode)) {
    await updateState(store, rec.id, (s) => ({ ...s, restartCount: (s.restartCount ?? 0) + 1 }));
    // Loaded here: the run path is large, and every store open sweeps.
    const { startDetached } = await import('./run.js');
    await startDetached(store, await getContainer(store, rec.id)).catch((e: Error) =>
      store.warn(`could not restart container ${rec.id.slice(0, 12)}: ${e.message}`),
    );
  }
}

/** Recover every running record whose monitor died: done when the store opens, not on every read. */
export async function recoverAbandonedContainers(store: Store): Promise<void> {
  // state.json alone tells; the record is read only for the few that need recovering.
  for (const { id, disk } of listWatchedStates(store)) {
    if (!abandoned(disk)) continue;
    const rec = readRecord(store, id)?.rec;
    if (rec) await recoverAbandoned(store, rec).catch((e: Error) => store.warn(`recovering container ${rec.id.slice(0, 12)}: ${e.message}`));
  }
}
