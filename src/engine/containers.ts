// Containers: containers/<id>/ holds a writable snapshot of the image
// (rootfs), config.json (fixed at create) and state.json (changes as it
// runs). A container being made or removed lives under a scratch name, so a
// crash never leaves half of one in the listing.
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { removeContainerCgroups } from '../runtime/cgroups.js';
import * as hooks from './hooks.js';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { ContainerRecord, ContainerState, HostConfig, NetworkingConfig, RunConfig } from '../store/types.js';
import { ZERO_TIME } from '../store/types.js';
import { readJson, readJsonOr, writeJson } from '../store/json.js';
import { resolve, type Named } from '../store/resolve.js';
import { randomId, shortId } from '../store/ids.js';
import { scratchName, isAbandoned } from '../store/scratch.js';
import { children, isAlive, sleep } from '../sys/proc.js';
import { Conflict, NotFound } from '../errors.js';
import * as btrfs from '../snapshots/btrfs.js';
import { getImage, imageRootfs, topLayer, layersInUse } from './images.js';
import { gcLayers } from './layers.js';
import { checkName, randomName } from './names.js';
import { commandLine, mergeEnv, DEFAULT_PATH, envValue } from './spec.js';

export interface ContainerView extends ContainerRecord, Named {
  state: ContainerState;
}

export function freshState(): ContainerState {
  return { status: 'created', pid: 0, pidStart: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME };
}

/**
 * The state on disk, checked against the host: a container recorded as
 * running whose owning process is gone (or was replaced by another process
 * with the same pid) is reported as exited. Readers never write this back;
 * the owner records the real exit.
 */
export function trueState(s: ContainerState): ContainerState {
  if ((s.status === 'running' || s.status === 'paused' || s.status === 'restarting') && !isAlive({ pid: s.pid, start: s.pidStart })) {
    return { ...s, status: 'exited', pid: 0, exitCode: s.exitCode || 255, error: s.error ?? 'the container process ended without recording its exit' };
  }
  return s;
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
    out.push({ ...rec, names: [rec.name], state: await readState(store, id) });
  }
  return out;
}

export async function getContainer(store: Store, query: string): Promise<ContainerView> {
  return resolve('container', query.replace(/^\//, ''), await listContainers(store));
}

export interface CreateOptions {
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
  networkingConfig?: NetworkingConfig;
  /** --expose: ports (80/tcp) added to the image's ExposedPorts. */
  exposedPorts?: string[];
}

export async function createContainer(store: Store, o: CreateOptions): Promise<ContainerRecord> {
  const img = await getImage(store, o.image);
  const imgCfg = img.config.config ?? {};
  const id = randomId();
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
  };
  const rec: ContainerRecord = {
    id, name: name ?? '', created: new Date().toISOString(), image: img.id, imageRef: o.image, layer: topLayer(img),
    path: argv[0], args: argv.slice(1), config, hostConfig: o.hostConfig ?? {},
    ...(o.networkingConfig ? { networkingConfig: o.networkingConfig } : {}),
  };
  await hooks.beforeCreate(store, rec);

  // Build it under a scratch name; only a complete container is renamed into place.
  const scratch = join(store.paths.containers, scratchName());
  await mkdir(scratch);
  try {
    await btrfs.snapshot(imageRootfs(store, img), join(scratch, 'rootfs'), { readonly: false });
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
 * Send a signal to a running container. SIGKILL goes to the main process;
 * when it is gone the reaper kills the rest and init exits with 137, as
 * Docker reports. Other signals go to lxc-execute, which forwards them to
 * init, which forwards them to the main process.
 */
export function signalOwner(state: ContainerState, signal: NodeJS.Signals | number): boolean {
  if (!isRunning(state) || !isAlive({ pid: state.pid, start: state.pidStart })) return false;
  // SIGKILL goes to the main process (init's child): init then ends with its status, 137.
  const init = signal === 'SIGKILL' || signal === 9 ? children(state.pid)[0] : undefined;
  const main = init !== undefined ? children(init)[0] : undefined;
  try {
    process.kill(main ?? init ?? state.pid, signal);
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

export async function removeContainer(store: Store, query: string, opts: { force: boolean }): Promise<ContainerRecord> {
  const c = await getContainer(store, query);
  if (isRunning(c.state)) {
    if (!opts.force) throw new Conflict(`container ${c.name} is running; stop it first, or use rm -f`);
    signalOwner(c.state, 'SIGKILL');
    if (!(await waitGone(c.state))) throw new Conflict(`container ${c.name} did not stop after SIGKILL`);
  }
  await hooks.beforeRemove(store, c);
  // Take it out of the listing in one step (under its lock, so no state write
  // races with it), then delete at leisure.
  const doomed = join(store.paths.containers, scratchName());
  await store.lock(`container-${c.id}`, () => rename(store.paths.container(c.id), doomed));
  await removeContainerCgroups(c.id);
  await destroyContainerDir(store, doomed, c.id);
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
