// Log drivers and their rotation limits (HostConfig.LogConfig, --log-driver
// and --log-opt). json-file and local both write Docker's json-file lines,
// and both rotate with the `local` driver's default cap (20 MiB x 5 files),
// so no container can fill the store with its output; none writes nothing.
import { InvalidArgument } from '../../errors.js';

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

export interface LogLimits {
  /** Rotate before a write would take the file past this many bytes. */
  maxSize: number;
  /** log.jsonl plus log.jsonl.1 ... log.jsonl.<maxFiles-1>. */
  maxFiles: number;
}

export const LOG_DRIVERS = ['json-file', 'local', 'none'];
export const DEFAULT_LIMITS: LogLimits = { maxSize: 20 * 1024 * 1024, maxFiles: 5 };

/** Docker's sizes for max-size: a number with an optional k, m or g (binary units), or -1 for no cap. */
function parseSize(v: string): number {
  if (v === '-1') return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(v);
  const n = m ? Math.floor(Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase())) : NaN;
  if (!(n > 0)) throw new InvalidArgument(`invalid max-size '${v}': use a size such as 10m, 512k or 1g`);
  return n;
}

/** Check a driver and its options (from --log-driver and --log-opt KEY=VALUE, or an API request). */
export function parseLogConfig(driver: string | undefined, opts: string[] | Record<string, string> = {}): LogConfig {
  const type = driver ?? 'json-file';
  if (!LOG_DRIVERS.includes(type)) throw new InvalidArgument(`unknown log driver '${type}': use ${LOG_DRIVERS.join(', ')}`);
  const config: Record<string, string> = {};
  const entries = Array.isArray(opts)
    ? opts.map((o) => {
        const eq = o.indexOf('=');
        if (eq <= 0) throw new InvalidArgument(`invalid --log-opt '${o}': use KEY=VALUE`);
        return [o.slice(0, eq), o.slice(eq + 1)];
      })
    : Object.entries(opts);
  for (const [k, v] of entries) {
    // labels/env (and their -regex forms): the attributes `logs --details` shows, as Docker's json-file keeps them.
    if (type === 'none' || !['max-size', 'max-file', 'labels', 'env', 'labels-regex', 'env-regex'].includes(k))
      throw new InvalidArgument(`unknown log opt '${k}' for ${type} log driver`);
    config[k] = v;
  }
  const lc = { Type: type, Config: config };
  logLimits(lc); // refuse bad values now, not in the monitor
  return lc;
}

/** The attributes Docker's json-file driver adds to each line (logs --details): the labels and env named by the log opts, "k=v,k=v" sorted. */
export function logAttributes(lc: LogConfig | undefined, labels: Record<string, string> = {}, env: string[] = []): string {
  const c = lc?.Config ?? {};
  const attrs: Record<string, string> = {};
  const names = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()) : []);
  const re = (v: string | undefined) => (v ? new RegExp(v) : undefined);
  const labelRe = re(c['labels-regex']);
  for (const [k, v] of Object.entries(labels)) if (names(c.labels).includes(k) || labelRe?.test(k)) attrs[k] = v;
  const envRe = re(c['env-regex']);
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq === -1) continue;
    const k = e.slice(0, eq);
    if (names(c.env).includes(k) || envRe?.test(k)) attrs[k] = e.slice(eq + 1);
  }
  return Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrs[k]}`)
    .join(',');
}

/** The limits of a container's log, or undefined when it keeps none. */
export function logLimits(lc: LogConfig | undefined): LogLimits | undefined {
  if (lc?.Type === 'none') return undefined;
  const c = lc?.Config ?? {};
  const maxSize = c['max-size'] !== undefined ? parseSize(c['max-size']) : DEFAULT_LIMITS.maxSize;
  const f = c['max-file'];
  if (f !== undefined && !/^[1-9]\d{0,3}$/.test(f)) throw new InvalidArgument(`invalid max-file '${f}': give a whole number from 1`);
  return { maxSize, maxFiles: f !== undefined ? Number(f) : DEFAULT_LIMITS.maxFiles };
}
