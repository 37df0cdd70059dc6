// The store side of a container's monitor. The monitor itself is
// native/dl-mon (C, one per running container, stays alive with lxc-start
// under it: stdio, log, attach socket, exit status, OOM count). What needs
// the store runs here, as a short-lived node process that dl-mon starts at
// the edges of a run (the "hook"; protocol in native/dl-mon.c's header):
//
//   node monitor.js CFG-JSON ID exit STATUS OOMKILLS DROPPED STARTED LASTWAIT
//     records the exit (code, OOM flag, dropped log lines, a start error from
//     lxc.log), the events, afterStop, the restart decision; removes an --rm
//     container. Prints "done [START-ERROR]" or "restart WAIT_MS".
//   node monitor.js CFG-JSON ID restart
//     after the back-off: unless stopped meanwhile, prepares the next run,
//     writes restart.argv for dl-mon and prints "go"; then reads "started
//     PID" and records the start (started.ts). Prints "done" if stopped.
//
// Each is idempotent per run: it may be killed at any point and a later
// reader recovers the store (recover.ts).
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { ContainerRecord, ContainerState } from '../../store/types.js';
import { ZERO_TIME } from '../../store/types.js';
import { nowRfc3339Nano } from '../../util/human.js';
import { containerEvent, volumeMountEvents } from '../../store/events.js';
import { readContainer, readState, updateState } from '../../store/containers.js';
import { identify } from '../../sys/proc.js';
import { startArgv } from '../../runtime/lxc.js';
import { monitorEnv, recordStart } from './started.js';
import { oomKillCount, oomKillLogged } from '../../runtime/oom.js';
import { removeContainerCgroups } from '../../runtime/cgroups.js';
import { storeOf } from '../system/subsystems.js';
import { backoff, shouldRestart, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from './restart.js';
import * as hooks from './hooks.js';

const [cfgJson, id, mode, ...rest] = process.argv.slice(2);
const store = storeOf(JSON.parse(cfgJson) as Config);
const dir = store.paths.container(id);
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});

/** LXC logged errors and the command never ran: the container could not start. */
function startError(started: boolean, status: number): string | undefined {
  let why = '';
  try {
    why = readFileSync(join(dir, 'lxc.log'), 'utf8').trim();
  } catch {
    // no log
  }
  if (started || !why || status === 0) return undefined;
  return why
    .split('\n')
    .slice(-3)
    .map((l) => l.replace(/^.*? - /, ''))
    .join('; ');
}

async function onExit(rec: ContainerRecord): Promise<string> {
  const [statusS, oomS, droppedS, startedS, lastWaitS] = rest;
  let status = Number(statusS);
  const started = startedS === '1';
  const err = startError(started, status);
  if (err) status = 128;
  // As Docker: any OOM kill in the container counts, a child's too. The kernel log is only
  // consulted for a SIGKILLed end, when sampling may have missed it.
  const memLimited = !!rec.hostConfig.Memory;
  const oomKilled = memLimited && (Number(oomS) > 0 || oomKillCount(id) > 0 || (status === 137 && oomKillLogged(id)));
  const dropped = Number(droppedS);
  const finishedAt = nowRfc3339Nano();
  let ranMs = 0;
  let unrecordedStart = false;
  // The exit and the restart decision are one write: `stop` never sees a gap between them.
  const s = await updateState(store, id, (st: ContainerState) => {
    // It ran and ended before the starter could record it: the start is recorded here.
    unrecordedStart = !err && st.status !== 'running' && st.status !== 'paused';
    const startedAt = unrecordedStart || st.startedAt === ZERO_TIME ? finishedAt : st.startedAt;
    ranMs = Date.now() - Date.parse(startedAt);
    // The record as it is now: `update --restart` may have changed the policy during the run.
    const restart = !err && shouldRestart(rec, st, status);
    return {
      ...st,
      status: restart ? 'restarting' : 'exited',
      pid: 0,
      pidStart: 0,
      startedAt,
      exitCode: status,
      finishedAt,
      oomKilled,
      ...(dropped ? { logDropped: dropped } : {}),
      ...(restart ? { restartCount: (st.restartCount ?? 0) + 1 } : {}),
      ...(err ? { error: err } : {}),
    };
  }).catch(() => undefined);
  if (unrecordedStart) {
    volumeMountEvents(store.paths.root, 'mount', rec);
    containerEvent(store.paths.root, 'start', rec);
  }
  if (oomKilled) containerEvent(store.paths.root, 'oom', rec);
  containerEvent(store.paths.root, 'die', rec, { exitCode: String(status), execDuration: String(Math.round(ranMs / 1000)) });
  await hooks.afterStop(store, rec).catch((e: Error) => process.stderr.write(`afterStop: ${e.message}\n`));
  await removeContainerCgroups(id);
  volumeMountEvents(store.paths.root, 'unmount', rec);
  if (s?.status === 'restarting') {
    const last = Number(lastWaitS) || 0;
    return `restart ${backoff(last ? Math.min(last * 2, MAX_BACKOFF_MS) : FIRST_BACKOFF_MS, ranMs).wait}`;
  }
  if (rec.hostConfig.AutoRemove) {
    const { removeContainer } = await import('./remove.js');
    await removeContainer(store, id, { force: true, volumes: true }).catch((e: Error) => process.stderr.write(`auto-remove: ${e.message}\n`));
  }
  return err ? `done ${err.replace(/\n/g, ' ')}` : 'done';
}

/** One line of stdin (dl-mon's answer), or '' at its end. */
function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.slice(0, text.indexOf('\n')));
    });
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', () => resolve(''));
  });
}

async function onRestart(rec: ContainerRecord): Promise<string | undefined> {
  const st = await readState(store, id).catch(() => undefined);
  if (!st || st.stopRequested || !existsSync(dir)) {
    await updateState(store, id, (s) => ({ ...s, status: 'exited' })).catch(() => {});
    return 'done';
  }
  let words: string[];
  try {
    const { prepare } = await import('./spec/prepare.js');
    const { argv, passEnv } = await prepare(store, rec);
    const lxc = startArgv({ lxcPath: store.paths.lxc, name: id, configFile: store.paths.lxcConf(id), argv, logFile: join(dir, 'lxc.log') });
    writeFileSync(join(dir, 'lxc.log'), '');
    words = [...lxc, '', ...Object.entries(monitorEnv(passEnv)).map(([k, v]) => `${k}=${v}`)];
  } catch (e) {
    await updateState(store, id, (s) => ({ ...s, status: 'exited', error: (e as Error).message })).catch(() => {});
    return 'done';
  }
  writeFileSync(join(dir, 'restart.argv.tmp'), words.map((w) => w + '\0').join(''));
  renameSync(join(dir, 'restart.argv.tmp'), join(dir, 'restart.argv'));
  process.stdout.write('go\n');
  const line = await readLine();
  process.stdin.destroy(); // dl-mon waits for our end of the pipe to close
  const m = /^started (\d+)$/.exec(line);
  if (m) {
    await recordStart(store, rec, identify(Number(m[1])), identify(process.ppid));
  }
  return undefined;
}

let answer: string | undefined = 'done';
try {
  const rec = await readContainer(store, id);
  answer = mode === 'restart' ? await onRestart(rec) : await onExit(rec);
} catch (e) {
  process.stderr.write(`monitor hook ${mode}: ${(e as Error).stack}\n`);
}
if (answer) process.stdout.write(answer + '\n');
