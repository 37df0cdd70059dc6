// What the metadata instructions do to an image's run config, as Docker's
// builder does it. Pure functions of already-expanded values, unit-tested.
import { posix } from 'node:path';
import { constants } from 'node:os';
import type { ImageConfig, RunConfig } from '../../store/types.js';
import { DEFAULT_PATH } from '../container/spec/command.js';
import type { Command, HealthOptions } from './parser.js';

export const DEFAULT_SHELL = ['/bin/sh', '-c'];

/** ENV: replace a variable in place, or append it. */
export function setEnv(env: string[] | undefined, pairs: Array<[string, string]>): string[] {
  const out = [...(env ?? [])];
  for (const [k, v] of pairs) {
    const i = out.findIndex((e) => e.slice(0, e.indexOf('=') === -1 ? e.length : e.indexOf('=')) === k);
    if (i === -1) out.push(`${k}=${v}`);
    else out[i] = `${k}=${v}`;
  }
  return out;
}

export function envLookup(env: string[] | undefined, name: string): string | undefined {
  const hit = (env ?? []).findLast((e) => e.startsWith(name + '='));
  return hit?.slice(name.length + 1);
}

/** WORKDIR: relative paths are relative to the previous WORKDIR. */
export function workdir(current: string | undefined, path: string): string {
  return posix.resolve('/', current || '/', path);
}

/** The argv a RUN/CMD/ENTRYPOINT runs: the JSON form as is, the shell form through SHELL. */
export function commandArgv(cmd: Command, shell: string[] | undefined): string[] {
  return cmd.form === 'exec' ? cmd.argv : [...(shell?.length ? shell : DEFAULT_SHELL), cmd.text];
}

/** EXPOSE 80 8080/tcp 53/udp 7000-7002 -> {"80/tcp": {}, ...}. */
export function exposedPorts(values: string[]): Record<string, object> {
  const out: Record<string, object> = {};
  for (const v of values) {
    const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(v);
    if (!m) throw new Error(`invalid port "${v}": use PORT[/PROTOCOL] or a range START-END[/PROTOCOL]`);
    const lo = Number(m[1]);
    const hi = m[2] ? Number(m[2]) : lo;
    if (lo < 1 || hi > 65535 || hi < lo) throw new Error(`invalid port "${v}": ports go from 1 to 65535`);
    for (let p = lo; p <= hi; p++) out[`${p}/${(m[3] ?? 'tcp').toLowerCase()}`] = {};
  }
  return out;
}

/** STOPSIGNAL: a name (SIGTERM or TERM) or a number. */
export function checkSignal(v: string): string {
  if (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65) return v;
  const name = v.toUpperCase().startsWith('SIG') ? v.toUpperCase() : `SIG${v.toUpperCase()}`;
  if (/^SIGRTM(IN|AX)([+-]\d+)?$/.test(name) || name in constants.signals) return v;
  throw new Error(`invalid signal "${v}"`);
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("1m30s", "500ms") in nanoseconds. */
export function parseDuration(s: string): number {
  let total = 0;
  const re = /([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = re.exec(s))) {
    total += Number(m[1]) * UNITS[m[2]];
    at = re.lastIndex;
  }
  if (at !== s.length || !s) throw new Error(`invalid duration "${s}"`);
  return Math.round(total);
}

/** HEALTHCHECK: NONE, or CMD with options (Docker's minimums apply). */
export function healthcheck(cmd: Command | null, o: HealthOptions): NonNullable<RunConfig['Healthcheck']> {
  if (!cmd) return { Test: ['NONE'] };
  const hc: NonNullable<RunConfig['Healthcheck']> = { Test: cmd.form === 'exec' ? ['CMD', ...cmd.argv] : ['CMD-SHELL', cmd.text] };
  const dur = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const ns = parseDuration(v);
    if (ns !== 0 && ns < 1e6) throw new Error(`HEALTHCHECK --${name} cannot be less than 1ms`);
    return ns;
  };
  const interval = dur('interval', o.interval);
  const timeout = dur('timeout', o.timeout);
  const startPeriod = dur('start-period', o.startPeriod);
  const startInterval = dur('start-interval', o.startInterval);
  if (interval !== undefined) hc.Interval = interval;
  if (timeout !== undefined) hc.Timeout = timeout;
  if (startPeriod !== undefined) hc.StartPeriod = startPeriod;
  if (startInterval !== undefined) (hc as Record<string, unknown>).StartInterval = startInterval;
  if (o.retries !== undefined) hc.Retries = Number(o.retries);
  return hc;
}

/** Docker's builders give a stage a PATH at FROM when its base image has none. */
export function withDefaultPath(cfg: ImageConfig): ImageConfig {
  if (envLookup(cfg.config?.Env, 'PATH') !== undefined) return cfg;
  const out = structuredClone(cfg);
  out.config = { ...(out.config ?? {}), Env: [...(out.config?.Env ?? []), `PATH=${DEFAULT_PATH}`] };
  return out;
}
