// Containers: containers/<id>/ holds a writable snapshot of the image
// (rootfs), config.json (fixed at create) and state.json (changes as it
// runs). A container being made or removed lives under a scratch name, so a
// crash never leaves half of one in the listing.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { removeContainerCgroups } from '../../runtime/cgroups.js';
import { thaw } from '../../runtime/freezer.js';
import { nsPid } from '../../runtime/reaper.js';
import * as hooks from './hooks.js';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ContainerRecord, ContainerState, HostConfig, NetworkingConfig, RunConfig } from '../../store/types.js';
import { ZERO_TIME } from '../../store/types.js';
import { readJson, readJsonOr, writeJson } from '../../store/json.js';
import { resolve, type Named } from '../../store/resolve.js';
import { randomId, shortId } from '../../store/ids.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { children, isAlive, sleep } from '../../sys/proc.js';
import { Conflict, NotFound } from '../../errors.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { getImage, imageRootfs, topLayer, layersInUse } from '../image/images.js';
import { gcLayers, layerPath } from '../content/layers.js';
import { checkName, randomName } from './names.js';
import { removeAnonymousVolumes, resolveVolumes } from '../volume/volumes.js';
import { commandLine, mergeEnv, DEFAULT_PATH, envValue } from './spec/command.js';

export interface ContainerView extends ContainerRecord, Named {
  state: ContainerState;
}

export function freshState(): ContainerState {
  return { status: 'created', pid: 0, pidStart: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME };
}

/**
 * The state on disk, checked against the host: a container recorded as
 * running whose owning process is gone (or was replaced by another process
 * with the same pid) is reported as exited. Between two runs of a restart
 * policy ('restarting') there is no LXC process; its monitor must be alive.
 */
export function trueState(s: ContainerState): ContainerState {
  if (!isRunning(s)) return s;
  const monitor = { pid: s.monitorPid ?? 0, start: s.monitorStart ?? 0 };
  // A live monitor records the exit itself within moments; until then its record stands (so wait gets the real code).
  if (isAlive(s.status === 'restarting' ? monitor : { pid: s.pid, start: s.pidStart }) || isAlive(monitor)) return s;
  return { ...s, status: 'exited', pid: 0, exitCode: s.exitCode || 255, error: s.error || 'the container ended without its exit being recorded (its monitor was killed, or the host restarted)' };
}

/** A stale record whose monitor is gone too: nobody will ever record the exit, so a reader must. */
function abandoned(disk: ContainerState): boolean {
  return isRunning(disk) && !isRunning(trueState(disk)) && !isAlive({ pid: disk.monitorPid ?? 0, start: disk.monitorStart ?? 0 });
}

/**
 * Record the exit a dead monitor could not, and undo what the container's
 * start did (hooks.afterStop, cgroups). Under the container's lock, so only
 * one reader does it.
 */
async function recoverAbandoned(store: Store, rec: ContainerRecord): Promise<void> {
  let recovered = false;
  await store.lock(`container-${rec.id}`, async () => {
    const disk = await readJsonOr<ContainerState>(store.paths.containerState(rec.id), freshState());
    if (!abandoned(disk)) return;
    await writeState(store, rec.id, { ...trueState(disk), finishedAt: new Date().toISOString() });
    recovered = true;
  });
  if (!recovered) return;
  await hooks.afterStop(store, rec).catch(() => {});
  await removeContainerCgroups(rec.id);
}

export function isRunning(s: ContainerState): boolean {
  return s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
}

export async function readState(store: Store, id: string): Promise<ContainerState> {
  return trueState(await readJsonOr<ContainerState>(store.paths.containerState(id), freshState()));
}

export async function writeState(store: Store, id: string, state: ContainerState): Promise<void> {
  await writeJson(store.paths.containerState(id), state);
}

/** Read-modify-write of state.json under the container's lock. */
export async function updateState(store: Store, id: string, fn: (s: ContainerState) => ContainerState): Promise<ContainerState> {
  return store.lock(`container-${id}`, async () => {
    if (!existsSync(store.paths.container(id))) throw new NotFound(`no such container: ${id} (it was removed)`);
    const next = fn(await readJsonOr<ContainerState>(store.paths.containerState(id), freshState()));
    await writeState(store, id, next);
    return next;
  });
}

export async function listContainers(store: Store): Promise<ContainerView[]> {
  const out: ContainerView[] = [];
  for (const id of await readdir(store.paths.containers)) {
    if (id.startsWith('.')) continue;
    const rec = await readJsonOr<ContainerRecord | null>(store.paths.containerConfig(id), null);
    if (!rec) continue;
    let disk = await readJsonOr<ContainerState>(store.paths.containerState(id), freshState());
    if (abandoned(disk)) {
      await recoverAbandoned(store, rec).catch(() => {});
      disk = await readJsonOr<ContainerState>(store.paths.containerState(id), disk);
    }
    out.push({ ...rec, names: [rec.name], state: trueState(disk) });
  }
  return out;
}

export async function getContainer(store: Store, query: string): Promise<ContainerView> {
  return resolve('container', query.replace(/^\//, ''), await listContainers(store));
}

export interface CreateOptions {
  /** The id to use (run chooses it first, to start the monitor meanwhile); random by default. */
  id?: string;
  image: string;
  name?: string;
  /** Command line after the image name (replaces the image's Cmd). */
  cmd: string[];
  /** --entrypoint: undefined keeps the image's; '' (empty array) clears it. */
  entrypoint?: string[] | null;
  env?: string[];
  workdir?: string;
  hostname?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
  labels?: Record<string, string>;
  hostConfig?: HostConfig;
  /** --stop-signal and --stop-timeout (seconds). */
  stopSignal?: string;
  stopTimeout?: number;
  /** A build step: snapshot this layer instead of the image's top one... */
  layer?: string;
  /** ...and start from these run settings instead of the image's. */
  baseConfig?: RunConfig;
  networkingConfig?: NetworkingConfig;
  /** --expose: ports (80/tcp) added to the image's ExposedPorts. */
  exposedPorts?: string[];
}

export async function createContainer(store: Store, o: CreateOptions): Promise<ContainerRecord> {
  const img = await getImage(store, o.image);
  const imgCfg = o.baseConfig ?? img.config.config ?? {};
  const id = o.id ?? randomId();
  const name = o.name !== undefined ? checkName(o.name) : undefined;
  const { entrypoint, cmd } = commandLine(imgCfg, o.cmd, o.entrypoint);
  const argv = [...entrypoint, ...cmd];
  const hostname = o.hostname ?? shortId(id);
  let env = mergeEnv(imgCfg.Env, o.env);
  if (envValue(env, 'PATH') === undefined) env = [`PATH=${DEFAULT_PATH}`, ...env];
  const config: RunConfig = {
    Hostname: hostname,
    User: o.user ?? imgCfg.User ?? '',
    Env: env,
    Cmd: cmd,
    Entrypoint: entrypoint.length ? entrypoint : null,
    WorkingDir: o.workdir ?? imgCfg.WorkingDir ?? '',
    Image: o.image,
    Labels: { ...(imgCfg.Labels ?? {}), ...(o.labels ?? {}) },
    Tty: !!o.tty,
    OpenStdin: !!o.interactive,
    AttachStdin: !!o.interactive,
    AttachStdout: true,
    AttachStderr: true,
    ...(imgCfg.ExposedPorts || o.exposedPorts?.length ? { ExposedPorts: { ...imgCfg.ExposedPorts, ...Object.fromEntries((o.exposedPorts ?? []).map((p) => [p, {}])) } } : {}),
    ...(imgCfg.Volumes ? { Volumes: imgCfg.Volumes } : {}),
    ...(imgCfg.StopSignal ? { StopSignal: imgCfg.StopSignal } : {}),
    ...(o.stopSignal ? { StopSignal: o.stopSignal } : {}),
    ...(o.stopTimeout !== undefined ? { StopTimeout: o.stopTimeout } : {}),
  };
  const hostConfig: HostConfig = { ...(o.hostConfig ?? {}) };
  hostConfig.Binds = await resolveVolumes(store, hostConfig.Binds, imgCfg.Volumes);
  const rec: ContainerRecord = {
    id, name: name ?? '', created: new Date().toISOString(), image: img.id, imageRef: o.image, layer: o.layer ?? topLayer(img),
    path: argv[0], args: argv.slice(1), config, hostConfig,
    ...(o.networkingConfig ? { networkingConfig: o.networkingConfig } : {}),
  };
  await hooks.beforeCreate(store, rec);

  // Build it under a scratch name; only a complete container is renamed into place.
  const scratch = join(store.paths.containers, scratchName());
  await mkdir(scratch);
  try {
    await btrfs.snapshot(o.layer ? layerPath(store, o.layer) : imageRootfs(store, img), join(scratch, 'rootfs'), { readonly: false });
    await writeJson(join(scratch, 'state.json'), freshState());
    await store.lock('names', async () => {
      const taken = new Set((await listContainers(store)).map((c) => c.name));
      if (name !== undefined && taken.has(name)) {
        const other = (await listContainers(store)).find((c) => c.name === name)!;
        throw new Conflict(`the container name "${name}" is already in use by container ${shortId(other.id)}; remove or rename that container, or choose another name`);
      }
      let n = name;
      for (let i = 0; n === undefined || taken.has(n); i++) n = randomName() + (i > 5 ? `_${i}` : '');
      rec.name = n;
      await writeJson(join(scratch, 'config.json'), rec);
      await rename(scratch, store.paths.container(id));
    });
  } catch (e) {
    await btrfs.remove(join(scratch, 'rootfs')).catch(() => {});
    await rm(scratch, { recursive: true, force: true });
    throw e;
  }
  return rec;
}

/**
 * The container's main process on the host: the child of LXC's init (which
 * is lxc-execute's child) that is pid 2 inside.
 */
export function mainPid(state: ContainerState): number | undefined {
  const init = children(state.pid)[0];
  if (init === undefined) return undefined;
  return children(init).find((p) => nsPid(p) === 2);
}

/**
 * Send a signal to a running container's main process, as Docker sends it
 * to the container's pid 1. When the main process ends, the reaper kills the
 * rest and init exits with its status (137 for SIGKILL). Before the main
 * process exists the signal goes to lxc-execute, which forwards it to init.
 */
export function signalOwner(state: ContainerState, signal: NodeJS.Signals | number): boolean {
  if (!isRunning(state) || !isAlive({ pid: state.pid, start: state.pidStart })) return false;
  try {
    process.kill(mainPid(state) ?? state.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Wait until the owning process is gone. */
export async function waitGone(state: ContainerState, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive({ pid: state.pid, start: state.pidStart })) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

export async function removeContainer(store: Store, query: string, opts: { force: boolean; volumes?: boolean }): Promise<ContainerRecord> {
  const c = await getContainer(store, query);
  if (isRunning(c.state)) {
    if (!opts.force) throw new Conflict(`container ${c.name} is running; stop it first, or use rm -f`);
    await updateState(store, c.id, (s) => ({ ...s, stopRequested: true }));
    signalOwner(c.state, 'SIGKILL');
    thaw(c.id);
    if (!(await waitGone(c.state))) throw new Conflict(`container ${c.name} did not stop after SIGKILL`);
  }
  // Let its monitor finish recording the exit and running afterStop (unless we are that monitor, removing --rm).
  const monitor = { pid: c.state.monitorPid ?? 0, start: c.state.monitorStart ?? 0 };
  if (monitor.pid !== process.pid) await waitGone({ ...c.state, pid: monitor.pid, pidStart: monitor.start });
  await hooks.beforeRemove(store, c);
  // Take it out of the listing in one step (under its lock, so no state write
  // races with it), then delete at leisure.
  const doomed = join(store.paths.containers, scratchName());
  await store.lock(`container-${c.id}`, () => rename(store.paths.container(c.id), doomed));
  await removeContainerCgroups(c.id);
  await destroyContainerDir(store, doomed, c.id);
  if (opts.volumes) await removeAnonymousVolumes(store, c.hostConfig.Binds);
  await gcLayers(store, () => layersInUse(store));
  return c;
}

async function destroyContainerDir(store: Store, dir: string, id: string): Promise<void> {
  await btrfs.remove(join(dir, 'rootfs'));
  await rm(dir, { recursive: true, force: true });
  await rm(join(store.paths.lxc, id), { recursive: true, force: true });
}

/** Finish removals and creations a crashed process left half done. */
export async function removeAbandonedContainers(store: Store): Promise<void> {
  for (const n of await readdir(store.paths.containers)) {
    if (isAbandoned(n)) await destroyContainerDir(store, join(store.paths.containers, n), n);
  }
}

export async function readContainer(store: Store, id: string): Promise<ContainerRecord> {
  try {
    return await readJson<ContainerRecord>(store.paths.containerConfig(id));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFound(`no such container: ${id}`);
    throw e;
  }
}

/** Replace the command a container runs (path + args). */
export async function setCommand(store: Store, id: string, argv: string[]): Promise<void> {
  await store.lock(`container-${id}`, async () => {
    const rec = await readContainer(store, id);
    await writeJson(store.paths.containerConfig(id), { ...rec, path: argv[0], args: argv.slice(1), config: { ...rec.config, Cmd: argv, Entrypoint: null } });
  });
}
