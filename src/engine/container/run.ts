// Starting a container: prepare its LXC config here, in the caller (so a
// missing command or a bad mount is reported at once, with Docker's exit
// codes), then hand it to a detached monitor (monitor.ts) that
// owns it from then on. An attached run is the same plus an attach session:
// the monitor waits for it before starting, so no output is missed, and the
// logs hold what an attached run printed too.
import { openSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../store/store.js';
import { Conflict, SystemError } from '../../errors.js';
import { spawnDetached } from '../../sys/exec.js';
import { identify, sleep, type ProcId } from '../../sys/proc.js';
import { DL_MON, startArgv } from '../../runtime/lxc.js';
import { oomCounterFile } from '../../runtime/oom.js';
import { logLimits } from './logconfig.js';
import { monitorEnv, recordStart } from './started.js';
import { exitWork } from './exitwork.js';
import { prepare } from './spec/prepare.js';
import * as hooks from './hooks.js';
import {
  exitFileTellsAll,
  getContainer,
  isRunning,
  readState,
  setCommand,
  signalOwner,
  updateState,
  waitGone,
  type ContainerView,
} from '../../store/containers.js';
import { openSession, type AttachStreams, type Session } from './attach.js';
import { startProber } from './health.js';

/** State writes of a start need no fsync (see updateState). */
const RUNTIME = { durable: false };

/** The store side of the monitor: dl-mon runs it at each exit (the "hook"), from its bundle (monitor.ts). */
const MONITOR_HOOK = [fileURLToPath(new URL('../../../../bin/dockerlite', import.meta.url)), '--dl-monitor-hook'];

export interface AttachOptions {
  /** Connect our stdin to the container (-i). */
  interactive: boolean;
  /** Replace the recorded command for this run (the original's runc CONTAINER CMD...). */
  argv?: string[];
  /** Remove the container when it exits (--rm); recorded as HostConfig.AutoRemove at create. */
  autoRemove?: boolean;
  /** Docker's --detach-keys. */
  detachKeys?: string;
}

interface Launched {
  /** The next line the monitor writes on fd 3 while it starts: listening, started PID, exited STATUS, error MESSAGE. */
  next: () => Promise<string | undefined>;
  /** Close our end of fd 3: dl-mon may now run the exit hook. */
  release: () => void;
  /** Tell dl-mon the start is recorded. */
  ack: () => void;
  monitor: ProcId | undefined;
}

/**
 * dl-mon -d DIR [-l log.jsonl -s MAX -n FILES] [-i] [-t -r ROWS -c COLS] [-w] [-o OOMFILE]
 *        -x node -x bin/dockerlite -x --dl-monitor-hook -x CFG -x ID -- lxc-start -F ... -- ARGV...
 * Detached, with fd 3 a socket pair to us, its own output in monitor.log.
 */
function spawnMonitor(
  store: Store,
  c: ContainerView,
  argv: string[],
  passEnv: Record<string, string>,
  o: { waitAttach: boolean; size?: { rows: number; cols: number } },
): Launched {
  const dir = store.paths.container(c.id);
  const tty = !!c.config.Tty;
  const args = ['-d', dir];
  const limits = logLimits(c.hostConfig.LogConfig);
  if (limits) args.push('-l', 'log.jsonl', '-s', String(limits.maxSize), '-n', String(limits.maxFiles));
  if (c.config.OpenStdin || tty) args.push('-i');
  if (tty) args.push('-t');
  if (tty && o.size && o.size.rows > 0 && o.size.cols > 0) args.push('-r', String(o.size.rows | 0), '-c', String(o.size.cols | 0));
  if (o.waitAttach) args.push('-w');
  const oomFile = c.hostConfig.Memory ? oomCounterFile(c.id) : undefined;
  if (oomFile) args.push('-o', oomFile);
  if (exitFileTellsAll(c.hostConfig)) args.push('-e');
  for (const w of [process.execPath, ...MONITOR_HOOK, JSON.stringify(store.cfg), c.id]) args.push('-x', w);
  const lxcLog = join(dir, 'lxc.log');
  writeFileSync(lxcLog, '');
  args.push('--', ...startArgv({ lxcPath: store.paths.lxc, name: c.id, configFile: store.paths.lxcConf(c.id), argv, logFile: lxcLog }));
  const logFd = openSync(join(dir, 'monitor.log'), 'a', 0o640);
  let child;
  try {
    child = spawnDetached(DL_MON, args, { stdio: [-1, logFd, logFd], cwd: '/', env: monitorEnv(passEnv) });
  } finally {
    closeSync(logFd);
  }
  const fd3 = child.channel;
  return {
    next: fd3.next,
    release: () => {
      fd3.close();
      child.unref();
    },
    ack: () => fd3.write('ok\n'),
    monitor: child.pid ? identify(child.pid) : undefined,
  };
}

/** Prepare the container and hand it to its monitor; resolves once the monitor listens. */
async function launch(store: Store, c: ContainerView, o: { argv?: string[]; waitAttach: boolean; size?: { rows: number; cols: number } }): Promise<Launched> {
  if (isRunning(c.state)) throw new Conflict(`container ${c.name} is already running; stop it first, or attach to it with 'dockerlite attach ${c.name}'`);
  if (c.corrupt) throw new Conflict(`cannot start container ${c.id.slice(0, 12)}: ${c.corrupt}; remove it with 'dockerlite rm -f ${c.id.slice(0, 12)}'`);
  // Just ended: its monitor may still be recording the exit (the exit file shows it first). Its afterStop must not undo this start's set-up.
  const previous = { pid: c.state.monitorPid ?? 0, pidStart: c.state.monitorStart ?? 0 };
  if (c.state.status === 'exited' && previous.pid && !(await waitGone({ ...c.state, ...previous }))) {
    throw new Conflict(`container ${c.name} is still being stopped; try again`);
  }
  // Killed during the set-up below (port rules, endpoints), the starter leaves a record the
  // next command recognises by it and undoes (recover.ts); a failed set-up undoes itself.
  // The same write resets what a new start resets (one state write fewer per start).
  const me = identify(process.pid);
  await updateState(
    store,
    c.id,
    (s) => ({ ...s, starterPid: me?.pid, starterStart: me?.start, restartCount: 0, stopRequested: false, error: undefined }),
    RUNTIME,
  );
  let prepared;
  try {
    prepared = await prepare(store, c, o.argv);
  } catch (e) {
    await updateState(store, c.id, (s) => ({ ...s, starterPid: undefined, starterStart: undefined }), RUNTIME).catch(() => {});
    throw e;
  }
  const { argv, passEnv } = prepared;
  let mon: Launched;
  try {
    // As the original's runc, a new command becomes the container's recorded command.
    if (o.argv) await setCommand(store, c.id, o.argv);
    mon = spawnMonitor(store, c, argv, passEnv, o);
    // Known before the start is: rm -f and deinit can then end a container whose starter dies in between.
    const m = mon.monitor;
    if (m) await updateState(store, c.id, (s) => ({ ...s, monitorPid: m.pid, monitorStart: m.start }), RUNTIME).catch(() => {});
  } catch (e) {
    await hooks.afterStop(store, c).catch(() => {});
    throw e;
  }
  const first = await mon.next();
  if (first !== 'listening') {
    // No monitor will ever run afterStop for what prepare()'s beforeStart set up.
    await hooks.afterStop(store, c).catch(() => {});
    throw new SystemError(
      `the monitor of container ${c.name} failed to start${first ? `: ${first.replace(/^error /, '')}` : ''} (see ${join(store.paths.container(c.id), 'monitor.log')})`,
    );
  }
  return mon;
}

/**
 * Wait for the monitor to say the container runs, and record it (then the
 * monitor may record its end); an LXC failure becomes an error (exit 125).
 * "exited": it ran and ended already, and the exit hook recorded it all.
 */
async function started(store: Store, l: Launched, c: ContainerView): Promise<void> {
  const line = await l.next();
  try {
    const m = /^started (\d+)$/.exec(line ?? '');
    if (m) {
      await recordStart(store, c, identify(Number(m[1])), l.monitor);
      return l.ack();
    }
    if (line?.startsWith('exited ')) return;
  } finally {
    l.release();
  }
  throw new SystemError(`cannot start container ${c.name}: ${line?.replace(/^error /, '') ?? 'its monitor ended unexpectedly'}`);
}

/** Start detached: returns once the container's command runs. */
export async function startDetached(store: Store, c: ContainerView, argv?: string[]): Promise<void> {
  await started(store, await launch(store, c, { argv, waitAttach: false }), c);
  await startProber(store, c.id, c.config).catch((e: Error) => store.warn(`cannot start the health checks of ${c.name}: ${e.message}`));
}

/** Pass the signals the user sends to the front end on to the container (not with a tty: there the keys travel as bytes). Returns the undo. */
function proxySignals(store: Store, c: ContainerView, tty: boolean, io: AttachStreams): () => void {
  if (tty || !io.onSignal) return () => {};
  return io.onSignal((sig) => {
    // A signal can come before the monitor has recorded the start: wait for it a little.
    void (async () => {
      for (let i = 0; i < 250; i++) {
        const s = await readState(store, c.id).catch(() => undefined);
        if (!s || (s.status !== 'created' && !isRunning(s))) return;
        if (s.status === 'running' && signalOwner(s, sig)) return;
        await sleep(20);
      }
    })();
  });
}

/** Stream a session until the container exits or the user detaches; returns the exit status (0 on detach). */
async function follow(store: Store, c: ContainerView, session: Session, unproxy: () => void, io: AttachStreams): Promise<number> {
  try {
    const r = await session.done;
    if (r === 'detached') {
      io.stderr.write(`\nread escape sequence: container ${c.name} keeps running (dockerlite attach ${c.name} to come back)\n`);
      return 0;
    }
    if (r !== undefined) return r;
    // The monitor went away without saying: the recorded state has the truth.
    const s = await readState(store, c.id).catch(() => undefined);
    return s?.exitCode ?? 125;
  } finally {
    unproxy();
  }
}

/** Start attached: stdout/stderr (and stdin with -i) are connected; returns the exit status. */
export async function runAttached(store: Store, c: ContainerView, o: AttachOptions, io: AttachStreams): Promise<number> {
  return (await startAttached(store, c, o, io)).exit;
}

/**
 * Start attached, resolving once the container runs (the API answers its start
 * request then) with its exit to follow; an attach made before the start misses nothing.
 */
export async function startAttached(store: Store, c: ContainerView, o: AttachOptions, io: AttachStreams): Promise<{ exit: Promise<number> }> {
  const tty = !!c.config.Tty;
  const size = tty ? io.size?.() : undefined;
  const l = await launch(store, c, { argv: o.argv, waitAttach: true, size });
  let session: Session;
  try {
    // This process does the exit work when the container ends: no second node start-up for it.
    const finish = (words: string[]) => exitWork(store, c.id, words, (m) => store.warn(m));
    session = await openSession(store, c.id, { stdin: o.interactive, tty, detachKeys: o.detachKeys, finish }, io);
  } catch (e) {
    l.release();
    throw e;
  }
  const unproxy = proxySignals(store, c, tty, io);
  session.go();
  try {
    await started(store, l, c);
  } catch (e) {
    unproxy();
    session.close();
    throw e;
  }
  await startProber(store, c.id, c.config).catch((e: Error) => store.warn(`cannot start the health checks of ${c.name}: ${e.message}`));
  return { exit: follow(store, c, session, unproxy, io) };
}

/** Attach to a running container (dockerlite attach). */
export async function attachRunning(store: Store, query: string, o: { stdin: boolean; detachKeys?: string }, io: AttachStreams): Promise<number> {
  const c = await getContainer(store, query);
  if (!isRunning(c.state)) throw new Conflict(`cannot attach to container ${c.name}: it is not running; start it with 'dockerlite start -a ${c.name}'`);
  const tty = !!c.config.Tty;
  const session = await openSession(store, c.id, { stdin: o.stdin && !!c.config.OpenStdin, tty, detachKeys: o.detachKeys }, io);
  return follow(store, c, session, proxySignals(store, c, tty, io), io);
}

export async function runById(store: Store, id: string, o: AttachOptions, io: AttachStreams): Promise<number> {
  return runAttached(store, await getContainer(store, id), o, io);
}
