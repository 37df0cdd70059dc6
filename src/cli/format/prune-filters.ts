// The --filter of container prune and image prune (and images' label=), as
// Docker's: until=TIMESTAMP|DURATION (created before), label=KEY[=VALUE]
// and label!=KEY[=VALUE]. Values of one key are ORed for label=, ANDed for
// label!=, as Docker does.
import { InvalidArgument } from '../../errors.js';

export interface PruneFilters {
  /** Only objects created before this (ms since the epoch). */
  until?: number;
  labels: string[];
  notLabels: string[];
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** Docker's timestamp forms: RFC 3339 (or a prefix of it), Unix seconds[.nanos], or a Go duration before now. */
export function parseTimestamp(v: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.test(v)
    ? [...v.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)].reduce((t, [, n, u]) => t + Number(n) * UNITS[u], 0)
    : undefined;
  if (d !== undefined) return now - d;
  const t = Date.parse(/^\d{4}-\d\d-\d\d$/.test(v) ? `${v}T00:00:00Z` : /[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new InvalidArgument(`failed to parse value as time or duration: "${v}"`);
  return t;
}

export function parsePruneFilters(list: string[] = [], keys: readonly string[] = ['until', 'label', 'label!']): PruneFilters {
  const out: PruneFilters = { labels: [], notLabels: [] };
  for (const f of list) {
    const m = /^(label!|[^=]+)=(.*)$/.exec(f);
    if (!m || !keys.includes(m[1])) throw new InvalidArgument(`Invalid filter '${m?.[1] ?? f}'`);
    const [, k, v] = m;
    if (k === 'until') {
      if (out.until !== undefined) throw new InvalidArgument('more than one until filter specified');
      out.until = parseTimestamp(v);
    } else (k === 'label' ? out.labels : out.notLabels).push(v);
  }
  return out;
}

function hasLabel(labels: Record<string, string>, spec: string): boolean {
  const i = spec.indexOf('=');
  return i === -1 ? spec in labels : labels[spec.slice(0, i)] === spec.slice(i + 1);
}

/** Whether an object created at `created` with `labels` passes the filters. */
export function pruneMatch(f: PruneFilters, created: string, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  if (f.until !== undefined && !(Date.parse(created) < f.until)) return false;
  if (f.labels.length && !f.labels.every((s) => hasLabel(l, s))) return false;
  if (f.notLabels.some((s) => hasLabel(l, s))) return false;
  return true;
}
