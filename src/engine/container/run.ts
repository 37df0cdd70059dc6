// Starting a container: prepare its LXC config here, in the caller (so a
// missing command or a bad mount is reported at once, with Docker's exit
// codes), then hand it to a detached monitor (monitor.ts) that
// owns it from then on. An attached run is the same plus an attach session:
// the monitor waits for it before starting, so no output is missed, and the
// logs hold what an attached run printed too.
import { openSync, closeSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../store/store.js';
import type { Duplex, Readable } from 'node:stream';
import { Conflict, SystemError } from '../../errors.js';
import { start } from '../../sys/exec.js';
import { sleep } from '../../sys/proc.js';
import type { MonitorArgs } from './monitor.js';
import { prepare } from './spec/prepare.js';
import * as hooks from './hooks.js';
import { getContainer, isRunning, readState, setCommand, signalOwner, updateState, type ContainerView } from '../../store/containers.js';
import { openSession, type AttachStreams, type Session } from './attach.js';
import { startProber } from './health.js';

const MONITOR = fileURLToPath(new URL('./monitor.js', import.meta.url));
/** Keep each monitor's heap small and its threads few: there is one per running container. */
export const MONITOR_NODE_FLAGS = ['--max-old-space-size=24', '--max-semi-space-size=1', '--single-threaded', '--v8-pool-size=0'];

export interface AttachOptions {
  /** Connect our stdin to the container (-i). */
  interactive: boolean;
  /** Replace the recorded command for this run (the original's runc CONTAINER CMD...). */
  argv?: string[];
  /** Remove the container when it exits (--rm); recorded as HostConfig.AutoRemove at create. */
  autoRemove?: boolean;
  /** Docker's --detach-keys. */
  detachKeys?: string;
  /** A monitor already started for this container (spawnMonitor). */
  monitor?: EarlyMonitor;
}

/** Lines the monitor writes on fd 3 while it starts: listening, started PID, error MESSAGE. */
function lineReader(stream: Readable): () => Promise<string | undefined> {
  let buf = '';
  const lines: string[] = [];
  let waiting: ((l: string | undefined) => void) | undefined;
  let ended = false;
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      lines.push(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
    }
    while (waiting && lines.length) {
      const w = waiting;
      waiting = undefined;
      w(lines.shift());
    }
  });
  const end = () => {
    ended = true;
    waiting?.(undefined);
    waiting = undefined;
  };
  stream.on('end', end);
  stream.on('error', end);
  stream.on('close', end);
  return () => (lines.length ? Promise.resolve(lines.shift()) : ended ? Promise.resolve(undefined) : new Promise((r) => (waiting = r)));
}

interface Launched {
  next: () => Promise<string | undefined>;
  release: () => void;
}

/** A monitor started before its container is ready: node's start-up overlaps create and prepare. */
export interface EarlyMonitor extends Launched {
  /** Hand it the container: it starts from here. */
  go(args: Pick<MonitorArgs, 'argv' | 'passEnv' | 'waitAttach' | 'size'>): void;
  /** Not needed after all (create or prepare failed): it exits. */
  abort(): void;
}

/** Start a container's monitor now; it waits for go(). The container need not exist yet. */
export function spawnMonitor(store: Store, id: string): EarlyMonitor {
  // Its output goes to a file in tmp/ that it renames into the container's directory on go.
  const earlyLog = join(store.paths.tmp, `monitor-${id}.log`);
  const args: MonitorArgs = { cfg: store.cfg, id, argv: [], waitAttach: false, early: true, earlyLog };
  const logFd = openSync(earlyLog, 'a', 0o640);
  let child;
  try {
    child = start(process.execPath, [...MONITOR_NODE_FLAGS, MONITOR, JSON.stringify(args)], {
      stdio: ['ignore', logFd, logFd, 'pipe'],
      detached: true,
      cwd: '/',
    });
  } finally {
    closeSync(logFd);
  }
  child.on('error', () => {});
  const pipe = child.stdio[3] as Duplex;
  pipe.on('error', () => {});
  const release = () => {
    pipe.destroy();
    child.unref();
  };
  return {
    next: lineReader(pipe),
    release,
    go: (a) => void pipe.write(`go ${JSON.stringify(a)}\n`),
    abort: () => {
      pipe.end();
      child.unref();
      rmSync(earlyLog, { force: true });
    },
  };
}

/** Prepare the container and hand it to its monitor (started here unless given); resolves once the monitor listens. */
async function launch(
  store: Store,
  c: ContainerView,
  o: { argv?: string[]; waitAttach: boolean; size?: { rows: number; cols: number } },
  early?: EarlyMonitor,
): Promise<Launched> {
  const mon = early ?? spawnMonitor(store, c.id);
  let argv: string[];
  let passEnv: Record<string, string>;
  try {
    if (isRunning(c.state)) throw new Conflict(`container ${c.name} is already running; stop it first, or attach to it with 'dockerlite attach ${c.name}'`);
    if (c.corrupt) throw new Conflict(`cannot start container ${c.id.slice(0, 12)}: ${c.corrupt}; remove it with 'dockerlite rm -f ${c.id.slice(0, 12)}'`);
    ({ argv, passEnv } = await prepare(store, c, o.argv));
  } catch (e) {
    mon.abort();
    throw e;
  }
  try {
    // As the original's runc, a new command becomes the container's recorded command.
    if (o.argv) await setCommand(store, c.id, o.argv);
    await updateState(store, c.id, (s) => ({ ...s, restartCount: 0, stopRequested: false, error: undefined }));
  } catch (e) {
    mon.abort();
    await hooks.afterStop(store, c).catch(() => {});
    throw e;
  }
  mon.go({ argv, passEnv, waitAttach: o.waitAttach, size: o.size });
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

/** Wait for the monitor to say the container runs; an LXC failure becomes an error (exit 125). */
async function started(l: Launched, c: ContainerView): Promise<void> {
  const line = await l.next();
  l.release();
  if (line?.startsWith('started')) return;
  throw new SystemError(`cannot start container ${c.name}: ${line?.replace(/^error /, '') ?? 'its monitor ended unexpectedly'}`);
}

/** Start detached: returns once the container's command runs. */
export async function startDetached(store: Store, c: ContainerView, argv?: string[], early?: EarlyMonitor): Promise<void> {
  await started(await launch(store, c, { argv, waitAttach: false }, early), c);
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
  const l = await launch(store, c, { argv: o.argv, waitAttach: true, size }, o.monitor);
  let session: Session;
  try {
    session = await openSession(store, c.id, { stdin: o.interactive, tty, detachKeys: o.detachKeys }, io);
  } catch (e) {
    l.release();
    throw e;
  }
  const unproxy = proxySignals(store, c, tty, io);
  session.go();
  try {
    await started(l, c);
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
