// stop, restart, wait, pause/unpause and rename of a container. Starting is
// in run.ts; the monitor records every exit, so these only signal and wait.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import * as hooks from './hooks.js';
import type { Store } from '../../store/store.js';
import type { ContainerState } from '../../store/types.js';
import { constants } from 'node:os';
import { Conflict, InvalidArgument } from '../../errors.js';
import { isAlive, sleep } from '../../sys/proc.js';
import { setFrozen, thaw } from '../../runtime/freezer.js';
import { shortId } from '../../store/ids.js';
import { writeJson } from '../../store/json.js';
import { containerEvent } from '../../store/events.js';
import { containerNames, getContainer, isRunning, readContainer, readState, signalOwner, updateState, type ContainerView } from '../../store/containers.js';
import { parseSignal } from './signal.js';
import { checkName } from './names.js';
import { stopProber } from './health.js';

function monitorOf(s: ContainerState) {
  return { pid: s.monitorPid ?? 0, start: s.monitorStart ?? 0 };
}

/**
 * Docker's stop: the image's STOPSIGNAL (or SIGTERM) to the main process,
 * then SIGKILL after the grace period. The restart policy does not bring a
 * stopped container back.
 */
export async function stopContainer(store: Store, query: string, o: { timeoutSec?: number; signal?: string } = {}): Promise<ContainerView> {
  const c = await getContainer(store, query);
  try {
    return await stopRuns(store, c, o);
  } finally {
    await stopProber(store, c.id);
  }
}

async function stopRuns(store: Store, c: ContainerView, o: { timeoutSec?: number; signal?: string }): Promise<ContainerView> {
  if (!isRunning(c.state) && !isAlive(monitorOf(c.state))) return c; // already stopped: nothing to do, as Docker
  await updateState(store, c.id, (st) => ({ ...st, stopRequested: true }));
  const sig = parseSignal(o.signal ?? c.config.StopSignal ?? 'SIGTERM');
  const deadline = Date.now() + (o.timeoutSec ?? Number(c.config.StopTimeout ?? 10)) * 1000;
  // Signal each run it finds (a restart may have begun a new one just now), SIGKILL after the grace period.
  let signalled = 0;
  let killed = 0;
  for (;;) {
    const s = await readState(store, c.id).catch(() => undefined);
    if (!s || (!isRunning(s) && !isAlive(monitorOf(s)))) {
      containerEvent(store.paths.root, 'stop', c);
      return c;
    }
    if ((s.status === 'running' || s.status === 'paused') && s.pid !== signalled && signalOwner(s, sig)) {
      containerEvent(store.paths.root, 'kill', c, { signal: String(constants.signals[sig]) });
      signalled = s.pid;
      thaw(c.id); // a paused container must run to handle the signal
    }
    if (Date.now() > deadline && s.status !== 'restarting' && s.pid && s.pid !== killed) {
      signalOwner(s, 'SIGKILL');
      containerEvent(store.paths.root, 'kill', c, { signal: '9' });
      thaw(c.id);
      killed = s.pid;
    }
    if (Date.now() > deadline + 30_000) throw new Conflict(`container ${c.name} did not stop`);
    await sleep(25);
  }
}

export async function restartContainer(store: Store, query: string, o: { timeoutSec?: number; signal?: string } = {}): Promise<void> {
  const c = await stopContainer(store, query, o);
  const { startDetached } = await import('./run.js'); // not loaded for stop, wait, pause or rename
  await startDetached(store, await getContainer(store, c.id));
  containerEvent(store.paths.root, 'restart', c);
}

/** Docker's wait conditions: stopped now or later (the default), the next exit even if not yet started, or removal. */
export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

/** Block until the container stops (or its next exit, if it restarts); its exit status. An aborted signal gives up (undefined). */
/**
 * Wakes on every change in a directory (inotify: state.json is replaced by a
 * rename there, and the directory itself goes at rm), with a timer as well
 * for what no file shows: a monitor killed before it could record the exit.
 */
class DirWatch {
  private watcher?: FSWatcher;
  private changed = false;
  private wake?: () => void;

  constructor(dir: string) {
    const poke = () => {
      this.changed = true;
      this.wake?.();
    };
    try {
      // Output appended to log.jsonl says nothing about the state: not a wake-up per line.
      this.watcher = watch(dir, (_, name) => void (name?.startsWith('log.jsonl') || poke()));
      this.watcher.on('error', poke);
    } catch {
      // gone already, or no inotify: the timer still looks
    }
  }

  /** Until something changed since the last call, ms passed, or signal aborts. */
  async next(ms: number, signal?: AbortSignal): Promise<void> {
    if (!this.changed && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener('abort', done);
        this.wake = done;
      });
    }
    this.changed = false;
  }

  close(): void {
    this.watcher?.close();
  }
}

export async function waitContainer(store: Store, query: string, condition: WaitCondition = 'not-running', signal?: AbortSignal): Promise<number> {
  const c = await getContainer(store, query);
  const finished = c.state.finishedAt;
  let last = c.state;
  // Watching starts before the first look, so no change between the two is missed.
  const changes = new DirWatch(store.paths.container(c.id));
  try {
    for (;;) {
      // A removed container's state reads as fresh: its directory tells. Its last exit seen is what we know.
      if (!existsSync(store.paths.container(c.id))) return last.exitCode;
      const s = await readState(store, c.id).catch(() => undefined);
      if (!s) return last.exitCode;
      last = s;
      const exitedSince = s.finishedAt !== finished && !isRunning(s);
      if (condition === 'not-running' && (!isRunning(s) || (s.finishedAt !== finished && s.status !== 'running'))) return s.exitCode;
      if (condition === 'next-exit' && exitedSince) return s.exitCode;
      if (signal?.aborted) return s.exitCode;
      // An --rm container is removed soon after its exit is recorded: look often enough to see that exit.
      await changes.next(condition === 'removed' ? 20 : 250, signal);
    }
  } finally {
    changes.close();
  }
}

export async function pauseContainer(store: Store, query: string, pause: boolean): Promise<void> {
  const c = await getContainer(store, query);
  if (pause) {
    if (c.state.status === 'paused') throw new Conflict(`container ${c.name} is already paused`);
    if (c.state.status !== 'running') throw new Conflict(`container ${c.name} is not running`);
  } else if (c.state.status !== 'paused') throw new Conflict(`container ${c.name} is not paused`);
  await setFrozen(c.id, pause);
  await updateState(store, c.id, (s) => (isRunning(s) ? { ...s, status: pause ? 'paused' : 'running' } : s));
  containerEvent(store.paths.root, pause ? 'pause' : 'unpause', c);
}

export async function renameContainer(store: Store, query: string, newName: string): Promise<void> {
  const name = checkName(newName);
  let old = '';
  await store.lock('names', async () => {
    const c = await getContainer(store, query);
    old = c.name;
    if (c.name === name) throw new InvalidArgument(`renaming container ${c.name} to the same name`);
    const other = containerNames(store).get(name);
    if (other) throw new Conflict(`the container name "${name}" is already in use by container ${shortId(other)}; choose another name`);
    await store.lock(`container-${c.id}`, async () => {
      const rec = await readContainer(store, c.id);
      await writeJson(store.paths.containerConfig(c.id), { ...rec, name });
    });
  });
  const c = await getContainer(store, name);
  containerEvent(store.paths.root, 'rename', c, { oldName: old });
  await hooks.afterRename(store, c, isRunning(c.state));
}
