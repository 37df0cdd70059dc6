// What follows a container's start, once its monitor (native/dl-mon) says
// the command runs: the running state, the events and the afterStart hooks.
// The process that started the run does it (the CLI or API server for the
// first run, the monitor's restart hook for later ones), then closes its
// channel to dl-mon, which runs the exit hook only after that: the start and
// the exit are never recorded out of order.
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/types.js';
import type { ProcId } from '../../sys/proc.js';
import { nowRfc3339Nano } from '../../util/human.js';
import { updateState } from '../../store/containers.js';
import { containerEvent, volumeMountEvents } from '../../store/events.js';
import * as hooks from './hooks.js';
import { lxcEnv } from '../../runtime/lxc.js';

/** The environment lxc-start gets under dl-mon: the container's passed values and a plain PATH, nothing of ours. */
export function monitorEnv(passEnv: Record<string, string>): Record<string, string> {
  return { ...(lxcEnv(passEnv) as Record<string, string>), TERM: 'xterm' };
}

export async function recordStart(store: Store, rec: ContainerRecord, owner: ProcId | undefined, monitor: ProcId | undefined): Promise<void> {
  // Not recorded (a full store): it runs on all the same, and a reader recovers the state.
  await updateState(
    store,
    rec.id,
    (s) => ({
      ...s,
      status: 'running',
      pid: owner?.pid ?? 0,
      pidStart: owner?.start ?? 0,
      startedAt: nowRfc3339Nano(),
      exitCode: 0,
      error: undefined,
      oomKilled: false,
      monitorPid: monitor?.pid,
      monitorStart: monitor?.start,
      starterPid: undefined,
      starterStart: undefined,
      // No fsync: after a power cut it is not running, whatever this says (see updateState).
    }),
    { durable: false },
  ).catch((e: Error) => store.warn(`recording the start of ${rec.id.slice(0, 12)}: ${e.message}`));
  volumeMountEvents(store.paths.root, 'mount', rec);
  containerEvent(store.paths.root, 'start', rec);
  await hooks.afterStart(store, rec).catch((e: Error) => store.warn(`afterStart of ${rec.id.slice(0, 12)}: ${e.message}`));
}
