// Running a container attached to the caller's terminal: the CLI process
// owns lxc-execute, records the state around it and passes signals on.
import type { Store } from '../store/store.js';
import { Conflict, NotFound } from '../errors.js';
import { identify } from '../sys/proc.js';
import { wait } from '../sys/exec.js';
import * as lxc from '../runtime/lxc.js';
import { reapOnMainExit } from '../runtime/reaper.js';
import { prepare } from './prepare.js';
import * as hooks from './hooks.js';
import { getContainer, isRunning, removeContainer, setCommand, updateState, type ContainerView } from './containers.js';

export interface AttachOptions {
  /** Connect our stdin to the container (-i). */
  interactive: boolean;
  /** Replace the recorded command for this run (the original's runc CONTAINER CMD...). */
  argv?: string[];
  /** Remove the container when it exits (--rm). */
  autoRemove?: boolean;
}

/** Signals a user sends to `dockerlite run` that belong to the container. */
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

export async function runAttached(store: Store, c: ContainerView, o: AttachOptions): Promise<number> {
  if (isRunning(c.state)) throw new Conflict(`container ${c.name} is already running`);
  const prep = await prepare(store, c, o.argv);
  // As the original's runc, a new command becomes the container's recorded command.
  if (o.argv) await setCommand(store, c.id, o.argv);
  const child = lxc.execute({
    lxcPath: store.paths.lxc,
    name: c.id,
    configFile: prep.configFile,
    argv: prep.argv,
    stdio: [o.interactive ? 'inherit' : 'ignore', 'inherit', 'inherit'],
  });
  const done = wait(child, 'lxc-execute');
  const owner = child.pid ? identify(child.pid) : undefined;
  const reaper = owner ? reapOnMainExit(owner, c.id) : undefined;
  // Ctrl-C on a terminal already reaches lxc-execute (same process group);
  // forward only what was sent to us alone, or it would arrive twice.
  const fromTty = process.stdin.isTTY;
  const handlers = FORWARDED.map((sig) => {
    const h = () => {
      if (sig === 'SIGINT' && fromTty) return;
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  try {
    if (owner) {
      await updateState(store, c.id, (s) => ({ ...s, status: 'running', pid: owner.pid, pidStart: owner.start, startedAt: new Date().toISOString(), exitCode: 0, error: undefined }));
      await hooks.afterStart(store, c, owner.pid);
    }
    const { status } = await done;
    await hooks.afterStop(store, c);
    try {
      await updateState(store, c.id, (s) => ({ ...s, status: 'exited', pid: 0, pidStart: 0, exitCode: status, finishedAt: new Date().toISOString() }));
    } catch (e) {
      // Removed meanwhile (rm -f): there is nothing left to record the exit in.
      if (!(e instanceof NotFound)) throw e;
    }
    return status;
  } finally {
    reaper?.stop();
    for (const [sig, h] of handlers) process.off(sig, h);
    if (o.autoRemove) await removeContainer(store, c.id, { force: true }).catch(() => {});
  }
}

export async function runById(store: Store, id: string, o: AttachOptions): Promise<number> {
  return runAttached(store, await getContainer(store, id), o);
}
