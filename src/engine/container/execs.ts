// The records of a container's exec sessions (containers/<id>/execs/): one
// JSON file per exec while it runs, so inspect lists their ids (ExecIDs) and
// a detached exec's exit status can be read back after it ends (the API's
// GET /exec/{id}/json). dockerlite has no daemon: a record names the process
// that runs the exec (lxc-attach, or for -d the shell that waits for it and
// writes <id>.exit), and the container run it belongs to. Docker drops exec
// records when the container stops: records of an earlier run, or of a
// container that is not running, are stale and swept when read.
import { join } from 'node:path';
import { readdir, readFile, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import type { ContainerView } from '../../store/containers.js';
import { readJsonOr, writeJson } from '../../store/json.js';
import { isAlive, type ProcId } from '../../sys/proc.js';
import { matching, nonNegInt, obj, str, type Schema } from '../../util/schema.js';

export interface ExecRecord {
  id: string;
  /** The process whose life is the exec's (with its start time, so a reused pid is not mistaken for it). */
  pid: number;
  pidStart: number;
  /** The container run (its state's startedAt) the exec was started in. */
  run: string;
}

const execRecord: Schema<ExecRecord> = obj({ id: matching(/^[a-f0-9]{64}$/, 'a 64-digit hex id'), pid: nonNegInt, pidStart: nonNegInt, run: str });

export function execsDir(store: Store, containerId: string): string {
  return join(store.paths.container(containerId), 'execs');
}

/** Where the shell that waits for a detached exec writes its status (its directory made now: the exec may end at once). */
export function exitFile(store: Store, containerId: string, execId: string): string {
  mkdirSync(execsDir(store, containerId), { recursive: true });
  return join(execsDir(store, containerId), `${execId}.exit`);
}

export async function addExec(store: Store, c: ContainerView, id: string, proc: ProcId): Promise<void> {
  mkdirSync(execsDir(store, c.id), { recursive: true });
  await writeJson(join(execsDir(store, c.id), `${id}.json`), { id, pid: proc.pid, pidStart: proc.start, run: c.state.startedAt } satisfies ExecRecord);
}

export async function removeExec(store: Store, containerId: string, id: string): Promise<void> {
  const dir = execsDir(store, containerId);
  await Promise.all([rm(join(dir, `${id}.json`), { force: true }), rm(join(dir, `${id}.exit`), { force: true })]);
}

export interface ExecStatus {
  running: boolean;
  /** Known once a detached exec has ended; null while it runs or when its waiter was lost. */
  exitCode: number | null;
  pid: number;
}

async function readExitCode(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return /^\d+\n?$/.test(text) ? Number(text) : null;
}

/** What became of one exec of c; undefined when there is no record (never made, or swept with its container's run). */
export async function execStatus(store: Store, c: ContainerView, id: string): Promise<ExecStatus | undefined> {
  const r = await readJsonOr(join(execsDir(store, c.id), `${id}.json`), execRecord, undefined);
  if (!r || r.id !== id) return undefined;
  const exitCode = await readExitCode(exitFile(store, c.id, id));
  const running = exitCode === null && r.run === c.state.startedAt && isAlive({ pid: r.pid, start: r.pidStart });
  return { running, exitCode, pid: r.pid };
}

/**
 * The ids of the execs running in c, oldest first, as Docker's ExecIDs (an
 * exec leaves the list when it ends). Records of ended execs are kept only
 * while their container run lasts (for their exit status); the rest are removed.
 */
export async function runningExecs(store: Store, c: ContainerView): Promise<string[]> {
  const dir = execsDir(store, c.id);
  const names = await readdir(dir).catch(() => [] as string[]);
  if (!names.length) return [];
  const live = c.state.status === 'running' || c.state.status === 'paused';
  const out: Array<{ id: string; start: number }> = [];
  for (const n of names.filter((f) => f.endsWith('.json'))) {
    const id = n.slice(0, -'.json'.length);
    const r = await readJsonOr(join(dir, n), execRecord, undefined);
    if (!r || !live || r.run !== c.state.startedAt) {
      await removeExec(store, c.id, id).catch(() => {});
      continue;
    }
    const s = await execStatus(store, c, id);
    if (s?.running) out.push({ id, start: r.pidStart });
    // An attached exec whose client was killed leaves a record with no status: nothing will read it.
    else if (s && s.exitCode === null) await removeExec(store, c.id, id).catch(() => {});
  }
  return out.sort((a, b) => a.start - b.start).map((e) => e.id);
}
