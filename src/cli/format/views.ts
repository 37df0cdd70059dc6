// How containers look in lists: docker ps's rows (for tables, templates and
// --format json). The inspect documents live in the engine
// (engine/container/inspect.ts, engine/image/inspect.ts) so the Engine API
// serves the same ones; they are not re-exported here, so that ps and images
// do not load them.
import type { ContainerView } from '../../store/containers.js';
import { ago, dockerCommand, ellipsis } from '../../util/human.js';
import { shortId } from '../../store/ids.js';
import { statusText } from '../../engine/container/status.js';
import type { HealthState } from '../../engine/container/health.js';
import { goType } from './template.js';

/** Go's time.Time.String() of a whole second, as the CLI prints CreatedAt: "2026-12-01 22:59:31 +0000 UTC". */
export function goTimeString(iso: string): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  return new Date(Math.floor(t / 1000) * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' +0000 UTC');
}

function labelList(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export interface RowOptions {
  now?: number;
  ports?: string;
  /** --no-trunc: full id and command. */
  noTrunc?: boolean;
  networks?: string;
  /** State.Health, for the STATUS suffix. */
  health?: HealthState;
}

/**
 * One docker ps row: the fields of the CLI's ContainerContext (sorted, as
 * its {{json .}} prints them) and its Label method. Not enumerable: the
 * method, so --format json leaves it out.
 */
export function containerRow(c: ContainerView, o: RowOptions = {}): Record<string, unknown> {
  const now = o.now ?? Date.now();
  const command = dockerCommand(c.path, c.args);
  const labels = c.config.Labels ?? {};
  // Getters for the columns the default table does not show: ps -a of 500 containers need not compute them.
  const row: Record<string, unknown> = {
    Command: JSON.stringify(o.noTrunc ? command : ellipsis(command, 20)),
    get CreatedAt() {
      return goTimeString(c.created);
    },
    ID: o.noTrunc ? c.id : shortId(c.id),
    Image: c.imageRef,
    get Labels() {
      return labelList(labels);
    },
    get LocalVolumes() {
      return String((c.hostConfig.Binds ?? []).filter((b) => !b.startsWith('/')).length);
    },
    get Mounts() {
      return (c.hostConfig.Binds ?? [])
        .map((b) => {
          const src = b.split(':')[0];
          return src.startsWith('/') ? src : ellipsis(src, 15);
        })
        .join(',');
    },
    Names: c.name,
    Networks: o.networks ?? (c.hostConfig.NetworkMode && c.hostConfig.NetworkMode !== 'default' ? c.hostConfig.NetworkMode : 'bridge'),
    Ports: o.ports ?? '',
    RunningFor: ago(c.created, now),
    State: c.state.status,
    Status: statusText(c.state, now, o.health),
  };
  Object.defineProperty(row, 'Label', { value: (k: unknown) => labels[String(k)] ?? '', enumerable: false });
  Object.defineProperty(row, goType, { value: '*formatter.ContainerContext', enumerable: false });
  return row;
}

export { shortId };
