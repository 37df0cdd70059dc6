// Docker's restart policies, shared by the monitor (a container that exited)
// and the store's opener (a container whose monitor was killed).
import type { ContainerRecord, ContainerState } from '../../store/types.js';

/** Docker's restart policies: no, always, unless-stopped, on-failure[:N]. */
export function shouldRestart(rec: ContainerRecord, s: ContainerState, status: number): boolean {
  const p = rec.hostConfig.RestartPolicy;
  if (!p || !p.Name || p.Name === 'no' || s.stopRequested) return false;
  if (p.Name === 'always' || p.Name === 'unless-stopped') return true;
  if (p.Name === 'on-failure') return status !== 0 && (!p.MaximumRetryCount || (s.restartCount ?? 0) < p.MaximumRetryCount);
  return false;
}
