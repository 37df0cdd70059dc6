// Docker's restart policies as pure decisions, shared by the monitor (a
// container that exited) and the store's opener (a container whose monitor
// was killed), and unit-tested: no, always, unless-stopped, on-failure[:N].
import type { ContainerRecord, ContainerState } from '../../store/types.js';

/** Should the monitor start the container again after it exited with status? */
export function shouldRestart(rec: ContainerRecord, s: ContainerState, status: number): boolean {
  const p = rec.hostConfig.RestartPolicy;
  if (!p || !p.Name || p.Name === 'no' || s.stopRequested) return false;
  if (p.Name === 'always' || p.Name === 'unless-stopped') return true;
  if (p.Name === 'on-failure') return status !== 0 && (!p.MaximumRetryCount || (s.restartCount ?? 0) < p.MaximumRetryCount);
  return false;
}

export const FIRST_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 60_000;
/** A run at least this long counts as a success: the back-off starts over. */
export const RESET_AFTER_MS = 10_000;

/**
 * Docker's back-off between restarts: 100 ms, doubling up to a minute, and
 * back to 100 ms after a run of 10 s or more. Returns the wait before this
 * restart and the one to use next time.
 */
export function backoff(current: number, ranMs: number): { wait: number; next: number } {
  const wait = ranMs >= RESET_AFTER_MS ? FIRST_BACKOFF_MS : current;
  return { wait, next: Math.min(wait * 2, MAX_BACKOFF_MS) };
}
