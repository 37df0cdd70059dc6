// A container's health prober: its own small process, started with the
// container only when a health check is configured (health.ts startProber),
// ended by stopProber (stop, rm, recover) or by itself once the container has
// stopped for good. It follows restarts by the restart policy: each new run
// starts over at "starting", as Docker does. Probes go through the exec path
// (lxc-attach), as the container's user, in its working directory.
import type { Readable } from 'node:stream';
import { Store } from '../../store/store.js';
import { getContainer, isRunning, type ContainerView } from '../../store/containers.js';
import * as lxc from '../../runtime/lxc.js';
import type { ChildProcess } from '../../sys/exec.js';
import { describe } from '../../errors.js';
import {
  DEFAULT_INTERVAL_NS,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_NS,
  MAX_LOG_ENTRIES,
  MAX_OUTPUT_LEN,
  goDuration,
  readHealth,
  writeHealth,
  type HealthResult,
  type HealthState,
  type ProberArgs,
} from './health.js';
import { execSpec } from './exec.js';

const args = JSON.parse(process.argv[2]) as ProberArgs;
const store = new Store(args.cfg);
let stopping = false;
let wake: () => void = () => {};
/** The probe running now: ended with us, so no lxc-attach outlives its prober. */
let probing: ChildProcess | undefined;
process.on('SIGTERM', () => {
  stopping = true;
  probing?.kill('SIGKILL');
  wake();
});

/** Sleep, but wake at once on SIGTERM. */
function nap(ms: number): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(r, ms);
    wake = () => {
      clearTimeout(t);
      r();
    };
  });
}

async function current(): Promise<ContainerView | undefined> {
  return getContainer(store, args.id).catch(() => undefined);
}

/** One probe: exit status and the first 4096 bytes of stdout and stderr together; -1 when it timed out or could not run. */
async function probe(c: ContainerView, timeoutNs: number): Promise<HealthResult> {
  const started = new Date();
  const t = c.config.Healthcheck!.Test!;
  const argv = t[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', t[1]] : t.slice(1);
  const done = (ExitCode: number, Output: string): HealthResult => ({ Start: started.toISOString(), End: new Date().toISOString(), ExitCode, Output });
  let spec;
  try {
    spec = await execSpec(store, c, { argv });
  } catch (e) {
    return done(-1, describe(e));
  }
  const child = (probing = lxc.attach({ lxcPath: store.paths.lxc, name: c.id, ...spec, stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = Buffer.alloc(0);
  const take = (d: Buffer) => {
    if (out.length < MAX_OUTPUT_LEN) out = Buffer.concat([out, d]).subarray(0, MAX_OUTPUT_LEN);
  };
  (child.stdout as Readable).on('data', take);
  (child.stderr as Readable).on('data', take);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutNs / 1e6);
  const status = await new Promise<number>((r) => {
    child.on('error', (e) => {
      out = Buffer.from(e.message);
      r(-1);
    });
    child.on('close', (code) => r(code ?? -1));
  });
  clearTimeout(timer);
  probing = undefined;
  if (timedOut) return done(-1, `Health check exceeded timeout (${goDuration(timeoutNs)})`);
  return done(status, out.toString('utf8'));
}

/** Docker's handleProbeResult: a failure within the start period does not count until the first success. */
function record(h: HealthState, r: HealthResult, startedAt: string, startPeriodNs: number, retries: number): HealthState {
  const next: HealthState = { ...h, Log: [...h.Log, r].slice(-MAX_LOG_ENTRIES) };
  if (r.ExitCode === 0) return { ...next, Status: 'healthy', FailingStreak: 0 };
  const inStartPeriod = h.Status === 'starting' && (Date.parse(r.Start) - Date.parse(startedAt)) * 1e6 < startPeriodNs;
  if (inStartPeriod) return next;
  const streak = h.FailingStreak + 1;
  return { ...next, FailingStreak: streak, Status: streak >= retries ? 'unhealthy' : h.Status };
}

async function main(): Promise<void> {
  let run: string | undefined;
  for (;;) {
    const c = await current();
    if (stopping || !c || !isRunning(c.state)) return;
    if (c.state.status === 'restarting') {
      await nap(250);
      continue;
    }
    if (run !== undefined && c.state.startedAt !== run) {
      // A restart by the policy: a new run starts over, keeping the log.
      const h = await readHealth(store, c.id);
      await writeHealth(store, c.id, { Status: 'starting', FailingStreak: 0, Log: h?.Log ?? [] });
    }
    run = c.state.startedAt;
    const hc = c.config.Healthcheck!;
    const interval = hc.Interval || DEFAULT_INTERVAL_NS;
    // The first probe comes one interval after the start, the next one interval after each result.
    const due = Date.now() + interval / 1e6;
    let again = false;
    while (Date.now() < due) {
      await nap(Math.min(250, due - Date.now()));
      const now = await current();
      if (stopping || !now || !isRunning(now.state)) return;
      if (now.state.startedAt !== run || now.state.status !== 'running') {
        again = true;
        break;
      }
    }
    if (again) continue;
    const result = await probe(c, hc.Timeout || DEFAULT_TIMEOUT_NS);
    const after = await current();
    // A probe cut short by the container's end says nothing about its health.
    if (stopping || !after || after.state.status !== 'running' || after.state.startedAt !== run) continue;
    const h = (await readHealth(store, c.id)) ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    await writeHealth(store, c.id, record(h, result, run, hc.StartPeriod ?? 0, hc.Retries || DEFAULT_RETRIES));
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`dockerlite prober: ${describe(e)}\n`);
    process.exit(1);
  },
);
