// After a reboot: bring back the containers whose restart policy says so
// (`dockerlite start --restartable`, run by dockerlite-restart.service).
// Opening the store has already recovered every container whose monitor died
// with the host (recover.ts records the exit and applies the policy, which
// restarts `always` and `unless-stopped` ones that were running). This pass
// adds what Docker's daemon does at its start: an `always` container comes
// back even if a user had stopped it; an `unless-stopped` one only if no one
// did.
import type { Store } from '../../store/store.js';
import { isRunning, listContainers, type ContainerView } from '../../store/containers.js';
import { startDetached } from './run.js';

/** Would Docker start this container when the daemon starts? */
export function startsAtBoot(c: Pick<ContainerView, 'hostConfig' | 'state'>): boolean {
  if (isRunning(c.state)) return false;
  const p = c.hostConfig.RestartPolicy?.Name;
  if (p === 'always') return true;
  return p === 'unless-stopped' && !c.state.stopRequested;
}

export interface BootResult {
  started: string[];
  failed: Array<{ name: string; error: string }>;
}

export async function startRestartable(store: Store): Promise<BootResult> {
  const res: BootResult = { started: [], failed: [] };
  for (const c of await listContainers(store)) {
    if (!startsAtBoot(c)) continue;
    try {
      await startDetached(store, c);
      res.started.push(c.name);
    } catch (e) {
      res.failed.push({ name: c.name, error: (e as Error).message });
    }
  }
  return res;
}
