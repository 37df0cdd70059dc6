// ps --filter, as Docker: key=value pairs; values of one key are ORed,
// different keys ANDed.
import { InvalidArgument } from '../../errors.js';
import type { ContainerView } from '../../store/containers.js';

const KEYS = ['status', 'name', 'id', 'label', 'exited', 'ancestor', 'before', 'since', 'volume', 'network', 'health'] as const;
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export type Filters = Map<string, string[]>;

export function parseFilters(list: string[] = []): Filters {
  const out: Filters = new Map();
  for (const f of list) {
    const eq = f.indexOf('=');
    const k = eq === -1 ? f : f.slice(0, eq);
    const v = eq === -1 ? '' : f.slice(eq + 1);
    if (!(KEYS as readonly string[]).includes(k)) throw new InvalidArgument(`invalid filter '${k}' (supported: ${KEYS.join(', ')})`);
    if (k === 'status' && !STATUSES.includes(v)) throw new InvalidArgument(`invalid filter 'status=${v}' (one of ${STATUSES.join(', ')})`);
    if (k === 'exited' && !/^-?\d+$/.test(v)) throw new InvalidArgument(`invalid filter 'exited=${v}': give an exit code`);
    // Docker's words (daemon/list.go).
    if (k === 'health' && !HEALTH.includes(v)) throw new InvalidArgument(`Unrecognised filter value for health: ${v}`);
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
}

/** What some filters need beyond the record, looked up by the caller (ps.ts). */
export interface Facts {
  /** Health status, or 'none'. */
  health?: string;
  /** Names and ids of the networks it is on. */
  networks?: string[];
  /** Volume names and mount destinations. */
  volumes?: string[];
  /** before=/since=: the created time of the container each value names. */
  created?: (ref: string) => string;
}

function one(c: ContainerView, k: string, v: string, x: Facts): boolean {
  switch (k) {
    case 'health':
      return (x.health ?? 'none') === v;
    case 'network':
      return !!x.networks?.includes(v);
    case 'volume':
      return !!x.volumes?.includes(v);
    case 'before':
      return !!x.created && c.created < x.created(v);
    case 'since':
      return !!x.created && c.created > x.created(v);
    case 'status':
      return c.state.status === v;
    case 'name':
      // Docker matches names as a regular expression; an invalid one matches literally.
      try {
        return new RegExp(v).test(c.name);
      } catch {
        return c.name.includes(v);
      }
    case 'id':
      return c.id.startsWith(v);
    case 'label': {
      const i = v.indexOf('=');
      const labels = c.config.Labels ?? {};
      return i === -1 ? v in labels : labels[v.slice(0, i)] === v.slice(i + 1);
    }
    case 'exited':
      return c.state.status === 'exited' && c.state.exitCode === Number(v);
    case 'ancestor':
      return c.imageRef === v || c.imageRef === `${v}:latest` || c.image.startsWith(v.replace(/^sha256:/, ''));
    default:
      return false;
  }
}

export function matches(c: ContainerView, f: Filters, x: Facts = {}): boolean {
  // As dockerd: the values of one key are alternatives, except labels, which must all match
  // (compose asks project=P and oneoff=False together).
  for (const [k, vs] of f) if (!(k === 'label' ? vs.every((v) => one(c, k, v, x)) : vs.some((v) => one(c, k, v, x)))) return false;
  return true;
}
