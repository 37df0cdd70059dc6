// Health checks, as Docker's: the --health-* flags and the image's
// HEALTHCHECK merged into the container's Config.Healthcheck, and the state a
// prober (prober.ts, its own small process started with the container only
// when a check is configured) keeps in containers/<id>/health.json:
// starting -> healthy / unhealthy, the failing streak and the last 5 probes.
import { openSync, closeSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../store/store.js';
import type { RunConfig } from '../../store/types.js';
import { InvalidArgument } from '../../errors.js';
import { readJsonOr, readJsonSyncOr, writeJson } from '../../store/json.js';
import { start } from '../../sys/exec.js';
import { identify, isAlive, sleep } from '../../sys/proc.js';
import { arr, int, nonNegInt, obj, oneOf, str } from '../../util/schema.js';

export type HealthConfig = NonNullable<RunConfig['Healthcheck']>;
export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthResult {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** containers/<id>/health.json: State.Health of inspect. */
export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthResult[];
}

const healthSchema = obj({
  Status: oneOf('starting', 'healthy', 'unhealthy'),
  FailingStreak: nonNegInt,
  Log: arr(obj({ Start: str, End: str, ExitCode: int, Output: str })),
});

/** Docker's defaults (daemon/health.go). */
export const DEFAULT_INTERVAL_NS = 30e9;
export const DEFAULT_TIMEOUT_NS = 30e9;
export const DEFAULT_RETRIES = 3;
/** Docker keeps the last 5 probes, and at most 4096 bytes of each one's output. */
export const MAX_LOG_ENTRIES = 5;
export const MAX_OUTPUT_LEN = 4096;

const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** A Go duration ("30s", "1m30s", "500ms", "0") in nanoseconds, as Docker's flags take them. */
export function parseGoDuration(flag: string, v: string): number {
  const s = v.trim();
  const bad = () => new InvalidArgument(`invalid argument "${v}" for "${flag}" flag: time: invalid duration "${v}"`);
  if (s === '0' || s === '-0' || s === '+0') return 0;
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
  if (!m) throw bad();
  let total = 0;
  for (const [, n, u] of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += Number(n) * UNITS[u];
  return Math.round(m[1] === '-' ? -total : total);
}

/** Go's Duration.String() for the values health checks use: "30s", "500ms", "1m30s". */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${+(ns / 1e3).toFixed(3)}µs`;
  if (ns < 1e9) return `${+(ns / 1e6).toFixed(6)}ms`;
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const sec = +((ns % 60e9) / 1e9).toFixed(9);
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${sec}s`;
}

export interface HealthFlags {
  cmd?: string;
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  retries?: string;
  none?: boolean;
}

/** The docker CLI's rules for the --health-* flags; undefined when none is given. */
export function healthFromFlags(f: HealthFlags): HealthConfig | undefined {
  const given = f.cmd !== undefined || f.interval !== undefined || f.timeout !== undefined || f.startPeriod !== undefined || f.retries !== undefined;
  if (f.none) {
    if (given) throw new InvalidArgument('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!given) return undefined;
  const hc: HealthConfig = {};
  if (f.cmd) hc.Test = ['CMD-SHELL', f.cmd];
  const dur = (flag: string, v: string | undefined, key: 'Interval' | 'Timeout' | 'StartPeriod') => {
    if (v === undefined) return;
    const ns = parseGoDuration(flag, v);
    if (ns < 0) throw new InvalidArgument(`${flag} cannot be negative`);
    if (ns) hc[key] = ns;
  };
  dur('--health-interval', f.interval, 'Interval');
  dur('--health-timeout', f.timeout, 'Timeout');
  dur('--health-start-period', f.startPeriod, 'StartPeriod');
  if (f.retries !== undefined) {
    if (!/^-?\d+$/.test(f.retries))
      throw new InvalidArgument(`invalid argument "${f.retries}" for "--health-retries" flag: strconv.ParseInt: parsing "${f.retries}": invalid syntax`);
    const n = Number(f.retries);
    if (n < 0) throw new InvalidArgument('--health-retries cannot be negative');
    if (n) hc.Retries = n;
  }
  return hc;
}

/** The daemon's checks (daemon/container.go validateHealthCheck). */
export function checkHealthConfig(hc: HealthConfig | undefined): void {
  if (!hc) return;
  for (const k of ['Interval', 'Timeout', 'StartPeriod'] as const) {
    const v = hc[k] ?? 0;
    if (v !== 0 && v < 1e6) throw new InvalidArgument(`${k} in Healthcheck cannot be less than 1ms`);
  }
  if ((hc.Retries ?? 0) < 0) throw new InvalidArgument('Retries in Healthcheck cannot be negative');
}

/** The container's check: what the user gave, the image's for whatever is left unset (as Docker merges them). */
export function mergeHealth(user: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!user) return image ? { ...image } : undefined;
  if (!image) return user;
  const out: HealthConfig = { ...user };
  if (!out.Test?.length) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'Retries'] as const) if (!out[k] && image[k]) out[k] = image[k];
  return out;
}

/** True when the container has a check to run (not absent, not NONE). */
export function hasHealthcheck(cfg: RunConfig): boolean {
  const t = cfg.Healthcheck?.Test;
  return !!t?.length && t[0] !== 'NONE' && (t[0] !== 'CMD' || t.length > 1) && (t[0] !== 'CMD-SHELL' || t.length > 1);
}

export function healthPath(store: Store, id: string): string {
  return join(store.paths.container(id), 'health.json');
}
function proberPath(store: Store, id: string): string {
  return join(store.paths.container(id), 'prober.json');
}

export async function readHealth(store: Store, id: string): Promise<HealthState | undefined> {
  return readJsonOr(healthPath(store, id), healthSchema, undefined).catch(() => undefined);
}

/** State.Health as Docker shows it: a container that is not running reads unhealthy, as Docker sets it at stop. */
export async function healthOf(store: Store, c: { id: string; config: RunConfig; state: { status: string } }): Promise<HealthState | undefined> {
  if (!hasHealthcheck(c.config)) return undefined;
  const h = await readHealth(store, c.id);
  // Docker has no State.Health before the first start.
  if (c.state.status === 'created' || !h) return h;
  const live = c.state.status === 'running' || c.state.status === 'paused';
  return live ? h : { ...h, Status: 'unhealthy' };
}

export async function writeHealth(store: Store, id: string, h: HealthState): Promise<void> {
  await writeJson(healthPath(store, id), h);
}

const PROBER = fileURLToPath(new URL('./prober.js', import.meta.url));
const PROBER_NODE_FLAGS = ['--max-old-space-size=16', '--max-semi-space-size=1', '--single-threaded', '--v8-pool-size=0'];

export interface ProberArgs {
  cfg: Store['cfg'];
  id: string;
}

const proberRecord = obj({ pid: nonNegInt, start: nonNegInt });

/**
 * Start the container's prober if it has a check (after the container has
 * started): a detached node process, `node prober.js '{"cfg":…,"id":…}'`,
 * whose pid and start time go to containers/<id>/prober.json. It resets the
 * health to starting (keeping the log, as Docker does), probes every
 * interval, follows restarts by its restart policy, and ends by itself once
 * the container has stopped for good; stopProber ends it at once.
 */
export async function startProber(store: Store, id: string, cfg: RunConfig): Promise<void> {
  await stopProber(store, id);
  if (!hasHealthcheck(cfg)) return;
  try {
    await launchProber(store, id);
  } catch (e) {
    // Removed meanwhile (a short --rm run): nothing to check.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(store.paths.container(id))) return;
    throw e;
  }
}

async function launchProber(store: Store, id: string): Promise<void> {
  const old = await readHealth(store, id);
  await writeHealth(store, id, { Status: 'starting', FailingStreak: 0, Log: old?.Log ?? [] });
  const logFd = openSync(join(store.paths.container(id), 'prober.log'), 'a', 0o640);
  try {
    const child = start(process.execPath, [...PROBER_NODE_FLAGS, PROBER, JSON.stringify({ cfg: store.cfg, id } satisfies ProberArgs)], {
      stdio: ['ignore', logFd, logFd],
      detached: true,
      cwd: '/',
    });
    child.on('error', () => {});
    child.unref();
    const me = child.pid ? identify(child.pid) : undefined;
    if (me) await writeJson(proberPath(store, id), me);
  } finally {
    closeSync(logFd);
  }
}

/** End the container's prober, if one runs (stop, rm, recover, and before a new one starts). */
export async function stopProber(store: Store, id: string): Promise<void> {
  const p = readJsonSyncOr(proberPath(store, id), proberRecord, undefined);
  if (!p || !isAlive(p)) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && isAlive(p); i++) await sleep(20);
  if (isAlive(p)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** "(healthy)", "(unhealthy)", "(health: starting)" for ps's STATUS, as Docker. */
export function healthSuffix(h: HealthState | undefined): string {
  if (!h) return '';
  return h.Status === 'starting' ? ' (health: starting)' : ` (${h.Status})`;
}

/** For tests and tools: the prober's pid, if one runs. */
export function proberPid(store: Store, id: string): number | undefined {
  try {
    const p = proberRecord(JSON.parse(readFileSync(proberPath(store, id), 'utf8')), 'prober.json');
    return isAlive(p) ? p.pid : undefined;
  } catch {
    return undefined;
  }
}
