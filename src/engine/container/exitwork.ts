// What follows each exit of a container, the store side of its monitor
// (native/dl-mon): done by the monitor's hook (monitor.ts), or by the
// attached client that started the run (a Finish frame asked for it; no
// second node start-up at the end of `run --rm`). Either may be killed at
// any point: dl-mon then runs the hook, which does it again (each step is
// idempotent per run), or a later reader recovers the store (recover.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ContainerState } from '../../store/types.js';
import { ZERO_TIME } from '../../store/types.js';
import { nowRfc3339Nano } from '../../util/human.js';
import { containerEvent, volumeMountEvents } from '../../store/events.js';
import { readContainer, readExitFile, removeExitFile, updateState } from '../../store/containers.js';
import { oomKillCount, oomKillLogged } from '../../runtime/oom.js';
import { removeContainerCgroups } from '../../runtime/cgroups.js';
import { backoff, shouldRestart, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from './restart.js';
import * as hooks from './hooks.js';

/** LXC logged errors and the command never ran: the container could not start. */
function startError(dir: string, started: boolean, status: number): string | undefined {
  let why = '';
  try {
    why = readFileSync(join(dir, 'lxc.log'), 'utf8').trim();
  } catch {
    // no log
  }
  if (started || !why || status === 0) return undefined;
  return why
    .split('\n')
    .slice(-3)
    .map((l) => l.replace(/^.*? - /, ''))
    .join('; ');
}

/**
 * words: dl-mon's "STATUS OOMKILLS DROPPED STARTED LASTWAIT". Records the
 * exit (code, OOM flag, dropped log lines, a start error from lxc.log), the
 * events, afterStop and the restart decision; removes an --rm container.
 * Returns dl-mon's answer: "done [START-ERROR]" or "restart WAIT_MS".
 */
export async function exitWork(store: Store, id: string, words: string[], warn: (m: string) => void): Promise<string> {
  const rec = await readContainer(store, id);
  const [statusS, oomS, droppedS, startedS, lastWaitS] = words;
  let status = Number(statusS);
  const err = startError(store.paths.container(id), startedS === '1', status);
  if (err) status = 128;
  // As Docker: any OOM kill in the container counts, a child's too. The kernel log is only
  // consulted for a SIGKILLed end, when sampling may have missed it.
  const memLimited = !!rec.hostConfig.Memory;
  const oomKilled = memLimited && (Number(oomS) > 0 || oomKillCount(id) > 0 || (status === 137 && oomKillLogged(id)));
  const dropped = Number(droppedS);
  // The time readers have shown since dl-mon's exit file (-e), so FinishedAt never moves.
  const exitFile = readExitFile(store, id);
  let finishedAt = nowRfc3339Nano();
  let ranMs = 0;
  let unrecordedStart = false;
  // The exit and the restart decision are one write: `stop` never sees a gap between them.
  // Durable, as Docker's, unless the container is removed next (--rm).
  const s = await updateState(
    store,
    id,
    (st: ContainerState) => {
      // It ran and ended before the starter could record it: the start is recorded here.
      unrecordedStart = !err && st.status !== 'running' && st.status !== 'paused';
      if (exitFile && exitFile.pid === st.pid) finishedAt = exitFile.finishedAt;
      const startedAt = unrecordedStart || st.startedAt === ZERO_TIME ? finishedAt : st.startedAt;
      ranMs = Date.now() - Date.parse(startedAt);
      const restart = !err && shouldRestart(rec, st, status);
      return {
        ...st,
        status: restart ? 'restarting' : 'exited',
        pid: 0,
        pidStart: 0,
        startedAt,
        exitCode: status,
        finishedAt,
        oomKilled,
        ...(dropped ? { logDropped: dropped } : {}),
        ...(restart ? { restartCount: (st.restartCount ?? 0) + 1 } : {}),
        ...(err ? { error: err } : {}),
      };
    },
    { durable: !rec.hostConfig.AutoRemove },
  ).catch(() => undefined);
  removeExitFile(store, id);
  if (unrecordedStart) {
    volumeMountEvents(store.paths.root, 'mount', rec);
    containerEvent(store.paths.root, 'start', rec);
  }
  if (oomKilled) containerEvent(store.paths.root, 'oom', rec);
  containerEvent(store.paths.root, 'die', rec, { exitCode: String(status), execDuration: String(Math.round(ranMs / 1000)) });
  await hooks.afterStop(store, rec).catch((e: Error) => warn(`afterStop: ${e.message}`));
  await removeContainerCgroups(id);
  volumeMountEvents(store.paths.root, 'unmount', rec);
  if (s?.status === 'restarting') {
    const last = Number(lastWaitS) || 0;
    return `restart ${backoff(last ? Math.min(last * 2, MAX_BACKOFF_MS) : FIRST_BACKOFF_MS, ranMs).wait}`;
  }
  if (rec.hostConfig.AutoRemove) {
    const { removeContainer } = await import('./remove.js');
    await removeContainer(store, id, { force: true, volumes: true, monitorDone: true }).catch((e: Error) => warn(`auto-remove: ${e.message}`));
  }
  return err ? `done ${err.replace(/\n/g, ' ')}` : 'done';
}
