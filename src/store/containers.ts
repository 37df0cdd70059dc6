// The container record: containers/<id>/ holds a writable snapshot of the
// image (rootfs), config.json (fixed at create) and state.json (changes as
// it runs). Reading it is all this module does, plus the state writes that
// every part of dockerlite shares; creating and removing containers is the
// engine's (engine/container/create.ts, remove.ts). Depends on store/ and sys/ only.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store.js';
import type { ContainerRecord, ContainerState } from './types.js';
import { ZERO_TIME } from './types.js';
import { readJson, readJsonOrSync, writeJson, type WriteOptions } from './json.js';
import { resolve, type Named } from './resolve.js';
import { children, isAlive, nsPid, sleep } from '../sys/proc.js';
import { Conflict, CorruptState, NotFound } from '../errors.js';
import { containerRecord, containerState, named } from './schema.js';

export interface ContainerView extends ContainerRecord, Named {
  state: ContainerState;
  /** Set when its config.json or state.json is corrupt: what is wrong (the state then reads as dead). */
  corrupt?: string;
}

/** One container as read from disk; a corrupt file makes a placeholder that still lists and removes. */
export interface DiskRecord {
  rec: ContainerRecord;
  disk: ContainerState;
  corrupt?: string;
  /** The monitor's exit file, when the record still says running. */
  exit?: ExitFile;
}

/**
 * containers/<id>/exit: dl-mon writes it (-e) the moment the command ends,
 * before its hook, a node start-up later, records the exit in state.json.
 * Readers take it as the exit meanwhile. Only the run it names (lxc-start's
 * pid) counts; the hook removes it once the record holds the exit.
 */
export interface ExitFile {
  pid: number;
  status: number;
  finishedAt: string;
}

export function readExitFile(store: Store, id: string): ExitFile | undefined {
  const file = store.paths.containerExit(id);
  // Every read of a running record looks: a missing file must not cost a thrown error (a listing of many running containers).
  if (!existsSync(file)) return undefined;
  let text;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const m = /^(\d{1,10}) (\d{1,3}) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z)\n$/.exec(text);
  return m ? { pid: Number(m[1]), status: Number(m[2]), finishedAt: m[3] } : undefined;
}

/** The exit file, if it names this running record's run (not an earlier run's leftover). */
export function exitFor(s: ContainerState, exit?: ExitFile): ExitFile | undefined {
  return exit && s.status === 'running' && exit.pid === s.pid ? exit : undefined;
}

/** Once the record holds the exit. */
export function removeExitFile(store: Store, id: string): void {
  try {
    unlinkSync(store.paths.containerExit(id));
  } catch {
    // none, or the container is gone
  }
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
export function trueState(s: ContainerState, exit?: ExitFile): ContainerState {
  if (!isRunning(s)) return s;
  // Ended, its exit not yet in the record: as the hook will record it. Its monitor
  // (monitorPid) still runs the hook; rm, start and stop wait for it.
  const ended = exitFor(s, exit);
  if (ended) return { ...s, status: 'exited', pid: 0, pidStart: 0, exitCode: ended.status, finishedAt: ended.finishedAt };
  const monitor = { pid: s.monitorPid ?? 0, start: s.monitorStart ?? 0 };
  // A live monitor records the exit itself within moments; until then its record stands (so wait gets the real code).
  if (isAlive(s.status === 'restarting' ? monitor : { pid: s.pid, start: s.pidStart }) || isAlive(monitor)) return s;
  return {
    ...s,
    status: 'exited',
    pid: 0,
    exitCode: s.exitCode || 255,
    error: s.error || 'the container ended without its exit being recorded (its monitor was killed, or the host restarted)',
  };
}

/**
 * A stale record whose monitor is gone too: nobody will ever record the exit,
 * so the store's opener must. Or a start that died half-way: the starter
 * records itself before it sets anything up (port rules, endpoints), so a
 * killed one leaves a created record whose starter and monitor are gone, and
 * the opener undoes that set-up (recover.ts).
 */
export function abandoned(disk: ContainerState): boolean {
  const monitorGone = !isAlive({ pid: disk.monitorPid ?? 0, start: disk.monitorStart ?? 0 });
  if (disk.status === 'created') return !!disk.starterPid && monitorGone && !isAlive({ pid: disk.starterPid, start: disk.starterStart ?? 0 });
  return isRunning(disk) && !isRunning(trueState(disk)) && monitorGone;
}

export function isRunning(s: ContainerState): boolean {
  return s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
}

/** state.json as written (fresh when missing); a corrupt one reads as dead, with what is wrong. */
async function readDiskState(store: Store, id: string): Promise<{ state: ContainerState; corrupt?: string; exit?: ExitFile }> {
  return readDiskStateSync(store, id);
}

function readDiskStateSync(store: Store, id: string): { state: ContainerState; corrupt?: string; exit?: ExitFile } {
  const first = readStateFileSync(store, id);
  // The exit file is read after the record: a hook that recorded the exit and removed it in between leaves a running record without it, which the liveness check below covers.
  const exit = first.state.status === 'running' ? readExitFile(store, id) : undefined;
  if (exit) return { ...first, exit };
  // Running, but its processes are all gone: the monitor may have replaced the
  // record with the exit just after we read it, then ended. Its write came
  // before its end, so a second read after that liveness check sees it; else
  // a waiter could report trueState's stand-in 255 for an exit that was recorded.
  if (isRunning(first.state) && !isRunning(trueState(first.state))) return readStateFileSync(store, id);
  return first;
}

function readStateFileSync(store: Store, id: string): { state: ContainerState; corrupt?: string } {
  try {
    return { state: readJsonOrSync(store.paths.containerState(id), containerState, freshState(), store.textCache) };
  } catch (e) {
    if (e instanceof CorruptState) return { state: deadState(e.message), corrupt: e.message };
    throw e;
  }
}

function deadState(error: string): ContainerState {
  return { ...freshState(), status: 'dead', exitCode: 255, error };
}

export async function readState(store: Store, id: string): Promise<ContainerState> {
  const { state, exit } = await readDiskState(store, id);
  return trueState(state, exit);
}

/**
 * Every state write goes through here, under the container's lock. A state
 * that a crash could leave abandoned (abandoned(): running, paused,
 * restarting, or a start under way) is marked in active/ before it is
 * written, and the mark goes after a state that cannot be: so a store's open
 * reads the states of the marked containers alone (listWatchedStates), not
 * of every container.
 */
export async function writeState(store: Store, id: string, state: ContainerState, opts: WriteOptions = {}): Promise<void> {
  const watch = watched(state);
  if (watch) markActive(store, id);
  await writeJson(store.paths.containerState(id), state, opts);
  if (!watch) rmSync(join(store.paths.active, id), { force: true });
}

function watched(s: ContainerState): boolean {
  return isRunning(s) || !!s.starterPid;
}

function markActive(store: Store, id: string): void {
  mkdirSync(store.paths.active, { recursive: true, mode: 0o700 });
  writeFileSync(join(store.paths.active, id), '', { mode: 0o600 });
}

/** Set once every container's state that needs a mark has one (the first open by a dockerlite that keeps them). */
const COMPLETE = '.complete';

/**
 * The states that a crash could have left abandoned, for the store's open:
 * those of the marked containers. A store whose marks are not complete yet
 * (made by an older dockerlite) has every state read once, the marks made,
 * then the index declared complete: a writer marks before it writes, so one
 * that runs meanwhile is marked either way.
 */
export function listWatchedStates(store: Store): Array<{ id: string; disk: ContainerState }> {
  const dir = store.paths.active;
  if (!existsSync(join(dir, COMPLETE))) {
    const all = listDiskStates(store);
    for (const { id, disk } of all) if (watched(disk)) markActive(store, id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, COMPLETE), '', { mode: 0o600 });
    return all;
  }
  const out: Array<{ id: string; disk: ContainerState }> = [];
  for (const id of readdirSync(dir)) {
    if (id.startsWith('.')) continue;
    // A removed container's mark: no writer can bring it back.
    if (!existsSync(store.paths.container(id))) rmSync(join(dir, id), { force: true });
    else out.push({ id, disk: readDiskStateSync(store, id).state });
  }
  return out;
}

/**
 * Read-modify-write of state.json under the container's lock. The runtime
 * steps of a start (the monitor's pid, running) pass `durable: false`: a
 * power cut ends every container anyway, and a running record whose
 * processes are gone reads back as exited (trueState), so an fsync there
 * buys nothing; the rename still makes each write all-or-nothing.
 */
export async function updateState(store: Store, id: string, fn: (s: ContainerState) => ContainerState, opts: WriteOptions = {}): Promise<ContainerState> {
  return store.lock(`container-${id}`, async () => {
    if (!existsSync(store.paths.container(id))) throw new NotFound(`no such container: ${id} (it was removed)`);
    const next = fn((await readDiskState(store, id)).state);
    await writeState(store, id, next, opts);
    return next;
  });
}

/**
 * Every container's record with its state as written on disk (not yet
 * checked against the host). A container whose config.json or state.json is
 * corrupt is listed all the same, dead, with what is wrong: one bad record
 * must not take the others down, and `rm -f` must still find it.
 */
export async function listRecords(store: Store): Promise<DiskRecord[]> {
  // Sync reads: a few hundred small files read in a row cost far less without the thread pool.
  const out: DiskRecord[] = [];
  for (const id of readdirSync(store.paths.containers)) {
    if (id.startsWith('.')) continue;
    const r = readRecord(store, id);
    if (r) out.push(r);
  }
  return out;
}

/**
 * Every container's name and id, from config.json alone: what create and
 * rename check a name against, under the names lock. Reading the states too
 * (listContainers) cost about twice as much, and a create in a store of 500
 * containers paid it. A corrupt record keeps its id as its name, as listed.
 */
export function containerNames(store: Store): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of readdirSync(store.paths.containers)) {
    if (id.startsWith('.')) continue;
    const rec = readConfigSync(store, id);
    if (rec instanceof CorruptState) out.set(id, id);
    else if (rec) out.set(rec.name, id);
  }
  return out;
}

/** Every container's state.json as written, without the records (listWatchedStates' first pass over a store). */
function listDiskStates(store: Store): Array<{ id: string; disk: ContainerState }> {
  const out: Array<{ id: string; disk: ContainerState }> = [];
  for (const id of readdirSync(store.paths.containers)) if (!id.startsWith('.')) out.push({ id, disk: readDiskStateSync(store, id).state });
  return out;
}

/** A container's config.json: the record, null when there is none, or what is wrong with it. */
function readConfigSync(store: Store, id: string): ContainerRecord | null | CorruptState {
  try {
    return readJsonOrSync(store.paths.containerConfig(id), named(containerRecord, id), null, store.textCache);
  } catch (e) {
    if (e instanceof CorruptState) return e;
    throw e;
  }
}

export function readRecord(store: Store, id: string): DiskRecord | undefined {
  const rec = readConfigSync(store, id);
  if (rec instanceof CorruptState) {
    let created = ZERO_TIME;
    try {
      created = statSync(store.paths.container(id)).mtime.toISOString();
    } catch {
      // gone meanwhile
    }
    return { rec: placeholder(id, created), disk: deadState(rec.message), corrupt: rec.message };
  }
  if (!rec) return undefined; // being created, or a removal's leftovers
  const { state, corrupt, exit } = readDiskStateSync(store, id);
  return { rec, disk: state, ...(corrupt ? { corrupt } : {}), ...(exit ? { exit } : {}) };
}

/** What stands in for a container whose config.json cannot be read: enough to list, inspect and remove it. */
function placeholder(id: string, created: string): ContainerRecord {
  return { id, name: id, created, image: '', imageRef: '<corrupt>', layer: '', path: '', args: [], config: {}, hostConfig: {} };
}

/** A record as read, its state checked against the host. */
export function toView({ rec, disk, corrupt, exit }: DiskRecord): ContainerView {
  // `update` may have set a restart policy or a memory limit since the start: then the hook's record decides.
  const tells = exit && exitFileTellsAll(rec.hostConfig);
  return { ...rec, names: [rec.name], state: trueState(disk, tells ? exit : undefined), ...(corrupt ? { corrupt } : {}) };
}

/** The exit file is the whole exit only where the hook decides nothing more: no restart policy (restarting), no memory limit (OOMKilled). */
export function exitFileTellsAll(hc: ContainerRecord['hostConfig']): boolean {
  const policy = hc.RestartPolicy?.Name;
  return (!policy || policy === 'no') && !hc.Memory;
}

export async function listContainers(store: Store): Promise<ContainerView[]> {
  return (await listRecords(store)).map(toView);
}

export async function getContainer(store: Store, query: string): Promise<ContainerView> {
  // A full id wins over everything else (resolve's first rule): read just that record.
  if (/^[0-9a-f]{64}$/.test(query)) {
    const r = readRecord(store, query);
    if (r) return toView(r);
  }
  const q = query.replace(/^\//, '');
  // A name, else a unique id prefix (resolve's next rules), found from the names alone: then
  // only that container's state is read. LAST, no match or an ambiguous one go the whole way.
  if (q !== 'LAST') {
    const names = containerNames(store);
    let id = names.get(q);
    if (id === undefined && /^[0-9a-f]+$/.test(q)) {
      const prefixed = [...names.values()].filter((x) => x.startsWith(q));
      if (prefixed.length === 1) id = prefixed[0];
    }
    const r = id && readRecord(store, id);
    if (r) return toView(r);
  }
  return resolve('container', q, await listContainers(store));
}

/**
 * The container's main process on the host: its pid 1, the child of the
 * owning lxc-start (state.pid).
 */
export function mainPid(state: ContainerState): number | undefined {
  return children(state.pid).find((p) => nsPid(p) === 1);
}

/**
 * Send a signal to a running container's main process, its pid 1, as Docker
 * does: the kernel then ends the rest. Before it exists the signal goes to
 * lxc-start, which forwards it.
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

/** SIGKILL a container's monitor (dl-mon): its parent-death signal takes lxc-start and the container with it. */
export function killMonitor(state: ContainerState): void {
  if (!state.monitorPid) return;
  try {
    process.kill(state.monitorPid, 'SIGKILL');
  } catch {
    // ended meanwhile
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

/** Host pid of the container's pid 1 (its command): lxc-start's child. */
export function containerInitPid(c: ContainerView): number {
  if (!isRunning(c.state) || !isAlive({ pid: c.state.pid, start: c.state.pidStart })) throw new Conflict(`container ${c.name} is not running`);
  const kids = children(c.state.pid);
  if (!kids.length) throw new Conflict(`container ${c.name} is starting or stopping; try again`);
  return kids[0];
}

export async function readContainer(store: Store, id: string): Promise<ContainerRecord> {
  try {
    return await readJson(store.paths.containerConfig(id), named(containerRecord, id));
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
