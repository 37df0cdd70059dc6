// docker ps's STATUS column, apart from inspect.ts so that ps and the
// format views load it without the whole inspect document's dependencies.
import type { ContainerState } from '../../store/types.js';
import { healthSuffix, type HealthState } from './health.js';
import { ago, humanDuration } from '../../util/human.js';

/** "Up 3 minutes", "Exited (1) 2 seconds ago", "Created": docker ps's STATUS. */
export function statusText(s: ContainerState, now = Date.now(), health?: HealthState): string {
  switch (s.status) {
    case 'running':
      return `Up ${humanDuration(now - Date.parse(s.startedAt))}${healthSuffix(health)}`;
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(s.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${ago(s.finishedAt, now)}`;
    case 'exited':
      return `Exited (${s.exitCode}) ${ago(s.finishedAt, now)}`;
    case 'dead':
      return 'Dead';
    case 'removing':
      return 'Removal In Progress';
    default:
      return 'Created';
  }
}
