// RUN: the command runs in a real (short-lived) container whose rootfs is a
// writable snapshot of the step's parent layer, so it gets what any container
// gets from the hooks (network, volumes' absence, limits) and shows in `ps`
// while it runs, as Docker's intermediate containers do. On success the
// caller freezes the rootfs into a layer (an O(1) snapshot); whatever
// happens, the container is removed before this returns.
import { writeFile, unlink, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { ContainerRecord, HostConfig } from '../../store/types.js';
import { createContainer } from '../container/create.js';
import { freshState, listContainers, signalOwner, updateState } from '../../store/containers.js';
import { removeContainer } from '../container/remove.js';
import { prepare } from '../container/spec/prepare.js';
import * as hooks from '../container/hooks.js';
import * as lxc from '../../runtime/lxc.js';
import { containerPids } from '../../runtime/cgroups.js';
import { identify, isAlive } from '../../sys/proc.js';
import { wait } from '../../sys/exec.js';
import { shortId } from '../../store/ids.js';
import { removeMountPoints } from '../../store/mountpoints.js';

/** Label on build containers: the builder that owns them (pid:start), so a later build can sweep a crashed one's. */
export const OWNER_LABEL = 'dockerlite.build.owner';
const me = identify(process.pid);

export interface RunStepOptions {
  /** Image id for the container record (the stage's base; the empty image for scratch). */
  image: string;
  /** The layer to run on. */
  layer: string;
  env: string[];
  user: string;
  workdir: string;
  argv: string[];
  /** A heredoc script with a #! line: written into the rootfs, run, and removed before the snapshot. */
  script?: string;
  hostConfig?: HostConfig;
  output: (chunk: Buffer) => void;
  /** Called as the container starts, with its id (for " ---> Running in <id>"). */
  started?: (c: ContainerRecord) => void;
  signal?: AbortSignal;
}

/**
 * Run one RUN command. keep(rootfs) runs after a zero exit, before the
 * container is removed, to freeze its rootfs. Returns the exit status and keep's result.
 */
export async function runStep<T>(store: Store, o: RunStepOptions, keep: (rootfs: string) => Promise<T>): Promise<{ status: number; kept?: T }> {
  const scriptName = o.script !== undefined ? `.dockerlite-heredoc-${randomBytes(6).toString('hex')}` : undefined;
  const argv = scriptName ? [`/${scriptName}`] : o.argv;
  const c = await createContainer(store, {
    image: o.image,
    layer: o.layer,
    baseConfig: { Env: o.env, User: o.user, WorkingDir: o.workdir },
    cmd: argv,
    entrypoint: null,
    labels: { [OWNER_LABEL]: `${me?.pid}:${me?.start}` },
    hostConfig: o.hostConfig ?? {},
  });
  const rootfs = store.paths.rootfs(c.id);
  try {
    o.started?.(c);
    let scriptPath: string | undefined;
    let rootTimes: { atime: Date; mtime: Date } | undefined;
    if (scriptName) {
      // Run the script from a file in the rootfs, removed again before the snapshot.
      scriptPath = join(rootfs, scriptName);
      rootTimes = await stat(rootfs);
      await writeFile(scriptPath, o.script!, { mode: 0o755 });
    }
    const status = await execute(store, c, argv, o);
    if (scriptPath) {
      await unlink(scriptPath).catch(() => {});
      if (rootTimes) await utimes(rootfs, rootTimes.atime, rootTimes.mtime).catch(() => {});
    }
    if (status !== 0) return { status };
    await removeMountPoints(store, c.id); // the managed /etc files are not the step's doing
    return { status, kept: await keep(rootfs) };
  } finally {
    await removeContainer(store, c.id, { force: true });
  }
}

async function execute(store: Store, c: ContainerRecord, argv: string[], o: RunStepOptions): Promise<number> {
  const prep = await prepare(store, c, argv);
  const child = lxc.execute({
    lxcPath: store.paths.lxc,
    name: c.id,
    configFile: prep.configFile,
    argv: prep.argv,
    env: prep.passEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (b: Buffer) => o.output(b));
  child.stderr!.on('data', (b: Buffer) => o.output(b));
  let ended = false;
  const done = wait(child, 'lxc-start').finally(() => (ended = true));
  const owner = await lxc.findOwner(child.pid, () => ended);
  // Interrupted (Ctrl-C, or the API client went away): stop the command.
  const abort = () => {
    if (owner) signalOwner({ ...freshState(), status: 'running', pid: owner.pid, pidStart: owner.start }, 'SIGKILL');
  };
  o.signal?.addEventListener('abort', abort);
  try {
    if (owner) {
      await updateState(store, c.id, (s) => ({
        ...s,
        status: 'running',
        pid: owner.pid,
        pidStart: owner.start,
        startedAt: new Date().toISOString(),
        exitCode: 0,
      }));
      await hooks.afterStart(store, c);
      if (o.signal?.aborted) abort();
    }
    const { status } = await done;
    await hooks.afterStop(store, c);
    await updateState(store, c.id, (s) => ({ ...s, status: 'exited', pid: 0, pidStart: 0, exitCode: status, finishedAt: new Date().toISOString() }));
    return status;
  } finally {
    o.signal?.removeEventListener('abort', abort);
  }
}

/** Remove build containers whose builder died (SIGKILL, power loss) before it could. */
export async function sweepBuildContainers(store: Store): Promise<string[]> {
  const swept: string[] = [];
  for (const c of await listContainers(store)) {
    const owner = c.config.Labels?.[OWNER_LABEL];
    if (!owner) continue;
    const [pid, start] = owner.split(':').map(Number);
    if (isAlive({ pid, start })) continue;
    // Its reaper died with the builder: end every process of the container, not just the main one.
    for (const p of containerPids(c.id)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await removeContainer(store, c.id, { force: true }).catch(() => {});
    swept.push(shortId(c.id));
  }
  return swept;
}
