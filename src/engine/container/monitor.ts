// The per-container monitor (the role conmon plays for podman): a small
// detached process that owns the container's lxc-start and outlives the
// CLI that started it. It
//   - writes stdout and stderr to containers/<id>/log.jsonl, one JSON object
//     per line with the stream and a timestamp (Docker's json-file format);
//   - serves attach clients on containers/<id>/attach.sock (frames.ts);
//   - records the start, the exit code, the finish time and OOM kills;
//   - runs the afterStart/afterStop hooks (networking joins there);
//   - applies the restart policy, and removes an --rm container at the end.
// dl-run (lxc-start -F) runs under setpriv --pdeathsig KILL: if the monitor is killed,
// the container dies with it instead of running on with no one to record it,
// and the next dockerlite to look finds the stale state and recovers.
//
// It imports as little as it can: there is one per running container.
import { nowRfc3339Nano } from '../../util/human.js';
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  openSync,
  read,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  unlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../../config.js';
import type { ContainerRecord, ContainerState } from '../../store/types.js';
import { Paths } from '../../store/paths.js';
import { withLock } from '../../store/lock.js';
import { parseState, readJsonOr, writeJson } from '../../store/json.js';
import { logLimits } from './logconfig.js';
import { setDebug, start, wait, type ChildProcess } from '../../sys/exec.js';
import { children, identify, isAlive, nsPid, sleep, type ProcId } from '../../sys/proc.js';
import { withParentDeathSignal } from '../../sys/setpriv.js';
import { inPty } from '../../sys/script.js';
import { setSize } from '../../sys/stty.js';
import { executeArgv, findOwner, lxcEnv, OWNER_COMM, procName } from '../../runtime/lxc.js';
import { removeContainerCgroups } from '../../runtime/cgroups.js';
import { backoff, shouldRestart, FIRST_BACKOFF_MS } from './restart.js';
import { oomKillCount, oomKillLogged } from '../../runtime/oom.js';
import { decoder, encode, Frame, shortSocketPath } from '../../runtime/frames.js';
import { containerRecord, containerState } from '../../store/schema.js';
import { containerEvent, volumeMountEvents } from '../../store/events.js';

export interface MonitorArgs {
  cfg: Config;
  id: string;
  /**
   * Started early, before the container is ready (so node's start-up overlaps
   * create and prepare): wait for a "go {json}" line on fd 3 with the rest of
   * these fields; anything else, or EOF, means "not needed": exit.
   */
  early?: boolean;
  /** With early: where our stdout/stderr point until we move the file into the container's directory. */
  earlyLog?: string;
  /** The command of the first run (later runs use the recorded one). */
  argv: string[];
  /** Env values lxc-execute passes on (the config names their keys alone); a restart gets them from prepare again. */
  passEnv?: Record<string, string>;
  /** An attached run: wait for a client's Go frame before starting. */
  waitAttach: boolean;
  /** The attaching terminal's size, for a tty container. */
  size?: { rows: number; cols: number };
}

const args = JSON.parse(process.argv[2]) as MonitorArgs;
setDebug(args.cfg.debug);
const paths = new Paths(args.cfg.root);
const id = args.id;
const dir = paths.container(id);
const me = identify(process.pid)!;
const READY_FD = 3;
// Our own stderr is a file in the store: on a full disk a write to it must not end us (and the container).
process.stderr.on('error', () => {});
process.stdout.on('error', () => {});

/** One line from the CLI on fd 3 (a socket pair: it talks both ways), or undefined at EOF. */
function readLine(fd: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const buf = Buffer.alloc(64 * 1024);
    const more = () =>
      read(fd, buf, 0, buf.length, null, (err, n) => {
        if (err || n === 0) return resolve(undefined);
        text += buf.toString('utf8', 0, n);
        const nl = text.indexOf('\n');
        if (nl === -1) more();
        else resolve(text.slice(0, nl));
      });
    more();
  });
}

if (args.early) {
  const line = await readLine(READY_FD);
  if (!line?.startsWith('go ')) {
    if (args.earlyLog) rmSync(args.earlyLog, { force: true });
    process.exit(0);
  }
  Object.assign(args, JSON.parse(line.slice(3)));
  // Our output file moves in with the container (the fds stay valid); the previous one is kept as .1.
  if (args.earlyLog) {
    const log = join(dir, 'monitor.log');
    if (existsSync(log)) renameSync(log, `${log}.1`);
    renameSync(args.earlyLog, log);
  }
}

function ready(line: string): void {
  try {
    writeSync(READY_FD, line + '\n');
  } catch {
    // the CLI is gone; nothing to tell
  }
}

function readRecord(): ContainerRecord {
  return parseState(paths.containerConfig(id), readFileSync(paths.containerConfig(id), 'utf8'), containerRecord);
}

/** Read-modify-write state.json under the container's lock (the same lock the CLI takes). */
async function patchState(fn: (s: ContainerState) => ContainerState): Promise<ContainerState | undefined> {
  return withLock(paths.locks, `container-${id}`, async () => {
    if (!existsSync(dir)) return undefined; // removed meanwhile (rm -f)
    const next = fn(await readJsonOr(paths.containerState(id), containerState, {} as ContainerState));
    await writeJson(paths.containerState(id), next);
    return next;
  });
}

// ---- logging: Docker's json-file lines, split at newlines per stream ----

// A write that fails (ENOSPC, EIO) drops the line and counts it: the
// container keeps running and attach clients still get everything. The
// count goes to state.json (logDropped) once a write works again, and at exit.
// The file rotates (log.jsonl -> log.jsonl.1 ...) before it would pass max-size.
const logPath = join(dir, 'log.jsonl');
const limits = logLimits(readRecord().hostConfig.LogConfig);
let logFd: number | undefined;
let logBytes = 0;
let dropped = 0;
let droppedRecorded = 0;
let recording = false;
const partial: Record<string, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
const MAX_LINE = 16 * 1024;

function openLog(): number {
  const fd = openSync(logPath, 'a', 0o640);
  logBytes = fstatSync(fd).size;
  return fd;
}

// As Docker's json-file driver: the file exists from the start, output or not.
if (limits) {
  try {
    logFd = openLog();
  } catch {
    // a full store: it is opened at the first line that can be written
  }
}

/** log.jsonl.(n-2) -> .(n-1), ..., log.jsonl -> .1, and a new log.jsonl; with one file, start it over. */
function rotate(fd: number, maxFiles: number): number {
  if (maxFiles <= 1) {
    ftruncateSync(fd, 0);
    logBytes = 0;
    return fd;
  }
  for (let i = maxFiles - 1; i >= 1; i--) {
    try {
      renameSync(i === 1 ? logPath : `${logPath}.${i - 1}`, `${logPath}.${i}`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  closeSync(fd);
  logFd = undefined;
  return openLog();
}

function noteDropped(): void {
  if (recording || dropped === droppedRecorded) return;
  recording = true;
  const n = dropped;
  patchState((s) => ({ ...s, logDropped: n }))
    .then(
      () => (droppedRecorded = n),
      () => {},
    )
    .finally(() => (recording = false));
}

function logLine(stream: string, text: string): void {
  if (!limits) return; // --log-driver none
  const buf = Buffer.from(JSON.stringify({ log: text, stream, time: new Date().toISOString() }) + '\n');
  try {
    logFd ??= openLog();
    if (logBytes > 0 && logBytes + buf.length > limits.maxSize) logFd = rotate(logFd, limits.maxFiles);
    const n = writeSync(logFd, buf);
    logBytes += n;
    if (n < buf.length) {
      // Cut short by a full disk: end the line, so the next one parses.
      dropped++;
      logBytes += writeSync(logFd, '\n');
      return;
    }
  } catch {
    dropped++;
    return;
  }
  if (dropped > droppedRecorded) noteDropped();
}

function logChunk(stream: 'stdout' | 'stderr', chunk: Buffer): void {
  let buf = partial[stream].length ? Buffer.concat([partial[stream], chunk]) : chunk;
  for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
    logLine(stream, buf.toString('utf8', 0, nl + 1));
    buf = buf.subarray(nl + 1);
  }
  while (buf.length >= MAX_LINE) {
    logLine(stream, buf.toString('utf8', 0, MAX_LINE));
    buf = buf.subarray(MAX_LINE);
  }
  partial[stream] = Buffer.from(buf);
}

function flushLog(): void {
  for (const stream of ['stdout', 'stderr']) {
    if (partial[stream].length) logLine(stream, partial[stream].toString('utf8'));
    partial[stream] = Buffer.alloc(0);
  }
}

// ---- attach clients ----

const clients = new Set<Socket>();
const early: Buffer[] = [];
let earlyEof = false;
let child: ChildProcess | undefined;
let ownerPid = 0;
let size = args.size;
let go: () => void = () => {};
const gone = new Promise<void>((r) => (go = r));
const rec0 = readRecord();
const stdinOpen = !!rec0.config.OpenStdin || !!rec0.config.Tty;

function broadcast(type: Frame, payload: Buffer | string): void {
  const frame = encode(type, payload);
  for (const c of clients) if (!c.destroyed) c.write(frame);
}

async function resize(rows: number, cols: number): Promise<void> {
  size = { rows, cols };
  if (!rec0.config.Tty || !ownerPid) return;
  try {
    const tty = (await import('node:fs')).readlinkSync(`/proc/${ownerPid}/fd/0`);
    if (tty.startsWith('/dev/pts/')) await setSize(tty, rows, cols);
  } catch {
    // it ended meanwhile
  }
}

const dirFd = openSync(dir, 'r');
const sockPath = shortSocketPath(dirFd, 'attach.sock');
try {
  unlinkSync(sockPath);
} catch {
  // none left over
}
const server = createServer((sock) => {
  clients.add(sock);
  sock.on('error', () => {});
  sock.on('close', () => clients.delete(sock));
  sock.on(
    'data',
    decoder((type, payload) => {
      if (type === Frame.Stdin && stdinOpen) {
        // Input that comes before the container started waits for it.
        if (child?.stdin) child.stdin.write(payload);
        else early.push(Buffer.from(payload));
      } else if (type === Frame.StdinEof && !rec0.config.Tty) {
        if (child?.stdin) child.stdin.end();
        else earlyEof = true;
      } else if (type === Frame.Resize) {
        const [rows, cols] = payload.toString().split(' ').map(Number);
        if (rows > 0 && cols > 0) void resize(rows, cols);
      } else if (type === Frame.Go) go();
    }),
  );
});
server.listen(sockPath);
await new Promise<void>((r) => server.once('listening', () => r()));

// ---- one run of the container ----

interface RunResult {
  status: number;
  /** lxc-execute could not start it (bad mount, missing cgroup...): its log says why. */
  startError?: string;
  oomKilled: boolean;
}

/** Until the command runs as the container's pid 1 (LXC's child has exec'd it), or lxc-start ends. */
async function mainStarted(owner: ProcId | undefined, exited: () => boolean): Promise<boolean> {
  for (let i = 0; i < 5000 && owner && isAlive(owner) && !exited(); i++) {
    if (children(owner.pid).some((p) => nsPid(p) === 1 && procName(p) !== OWNER_COMM)) return true;
    await sleep(2);
  }
  return false;
}

async function runOnce(rec: ContainerRecord, argv: string[], passEnv: Record<string, string>, first: boolean): Promise<RunResult> {
  const lxcLog = join(dir, 'lxc.log');
  writeFileSync(lxcLog, '');
  const tty = !!rec.config.Tty;
  let full = withParentDeathSignal(executeArgv({ lxcPath: paths.lxc, name: id, configFile: paths.lxcConf(id), argv, logFile: lxcLog }));
  if (tty) full = withParentDeathSignal(inPty(full, size));
  const c = start(full[0], full.slice(1), {
    stdio: [stdinOpen ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...lxcEnv(passEnv), TERM: 'xterm', SHELL: '/bin/sh' },
  });
  child = c;
  const done = wait(c, full[0]);
  let exited = false;
  void done.then(
    () => (exited = true),
    () => (exited = true),
  );
  c.stdin?.on('error', () => {});
  for (const b of early.splice(0)) c.stdin?.write(b);
  if (earlyEof) c.stdin?.end();
  c.stdout!.on('data', (b: Buffer) => {
    broadcast(Frame.Stdout, b);
    logChunk('stdout', b);
  });
  c.stderr!.on('data', (b: Buffer) => {
    broadcast(Frame.Stderr, b);
    logChunk('stderr', b);
  });

  const owner = await findOwner(c.pid, () => c.exitCode !== null || c.signalCode !== null);
  ownerPid = owner?.pid ?? 0;
  const seen = await mainStarted(owner, () => exited);
  const memLimited = !!rec.hostConfig.Memory;
  let oom = 0;
  // LXC removes the cgroup as soon as the container ends: sample its OOM counter while it runs.
  const sampler = memLimited && owner ? setInterval(() => (oom = Math.max(oom, oomKillCount(id))), 100) : undefined;

  if (owner) {
    // Not recorded (a full store): it runs on all the same, and a reader recovers the state.
    await patchState((s) => ({
      ...s,
      status: 'running',
      pid: owner.pid,
      pidStart: owner.start,
      startedAt: nowRfc3339Nano(),
      exitCode: 0,
      error: undefined,
      oomKilled: false,
      monitorPid: me.pid,
      monitorStart: me.start,
    })).catch((e: Error) => process.stderr.write(`recording the start: ${e.message}\n`));
    volumeMountEvents(args.cfg.root, 'mount', rec);
    containerEvent(args.cfg.root, 'start', rec);
    try {
      const { storeOf } = await import('../system/subsystems.js');
      const hooks = await import('./hooks.js');
      await hooks.afterStart(storeOf(args.cfg), rec);
    } catch (e) {
      process.stderr.write(`afterStart: ${(e as Error).message}\n`);
    }
  }
  if (first) ready(`started ${ownerPid}`);

  let { status } = await done.catch(() => ({ status: 255 }));
  if (sampler) clearInterval(sampler);
  flushLog();
  const why = readFileSync(lxcLog, 'utf8').trim();
  // LXC logged errors and the command never ran: the container could not start.
  const startError =
    !seen && why && status !== 0
      ? why
          .split('\n')
          .slice(-3)
          .map((l) => l.replace(/^.*? - /, ''))
          .join('; ')
      : undefined;
  // As Docker: any OOM kill in the container counts, a child's too (the main process may live on).
  // The kernel log is only consulted for a SIGKILLed end, when sampling may have missed it.
  const oom2 = memLimited ? Math.max(oom, oomKillCount(id)) : 0;
  const oomKilled = memLimited && (oom2 > 0 || (status === 137 && oomKillLogged(id)));
  if (startError) status = 128;
  return { status, startError, oomKilled };
}

async function afterStop(rec: ContainerRecord): Promise<void> {
  try {
    const { storeOf } = await import('../system/subsystems.js');
    const hooks = await import('./hooks.js');
    await hooks.afterStop(storeOf(args.cfg), rec);
  } catch (e) {
    process.stderr.write(`afterStop: ${(e as Error).message}\n`);
  }
  await removeContainerCgroups(id);
}

async function main(): Promise<number> {
  await patchState((s) => ({ ...s, monitorPid: me.pid, monitorStart: me.start, stopRequested: false }));
  ready('listening');
  if (args.waitAttach) await Promise.race([gone, sleep(10_000)]);

  let argv = args.argv;
  let passEnv = args.passEnv ?? {};
  let first = true;
  let delay = FIRST_BACKOFF_MS;
  for (;;) {
    const rec = readRecord();
    const t0 = Date.now();
    const r = await runOnce(rec, argv, passEnv, first);
    const finishedAt = nowRfc3339Nano();
    // The exit and the restart decision are one write: `stop` never sees a gap between them.
    const s = await patchState((st) => {
      // The record as it is now: `update --restart` may have changed the policy during the run.
      const restart = !r.startError && shouldRestart(readRecordOr() ?? rec, st, r.status);
      return {
        ...st,
        status: restart ? 'restarting' : 'exited',
        pid: 0,
        pidStart: 0,
        exitCode: r.status,
        finishedAt,
        oomKilled: r.oomKilled,
        ...(dropped ? { logDropped: dropped } : {}),
        ...(restart ? { restartCount: (st.restartCount ?? 0) + 1 } : {}),
        ...(r.startError ? { error: r.startError } : {}),
      };
    });
    if (r.oomKilled) containerEvent(args.cfg.root, 'oom', rec);
    containerEvent(args.cfg.root, 'die', rec, { exitCode: String(r.status), execDuration: String(Math.round((Date.parse(finishedAt) - t0) / 1000)) });
    await afterStop(rec);
    volumeMountEvents(args.cfg.root, 'unmount', rec);
    if (first && r.startError) {
      ready(`error ${r.startError}`);
      return r.status;
    }
    first = false;
    ownerPid = 0;
    if (s?.status !== 'restarting') return r.status;
    const b = backoff(delay, Date.now() - t0);
    delay = b.next;
    await sleep(b.wait);
    const again = await readJsonOr(paths.containerState(id), containerState, {} as ContainerState);
    if (again.stopRequested || !existsSync(dir)) {
      await patchState((st) => ({ ...st, status: 'exited' }));
      return r.status;
    }
    try {
      const { storeOf } = await import('../system/subsystems.js');
      const { prepare } = await import('./spec/prepare.js');
      ({ argv, passEnv } = await prepare(storeOf(args.cfg), rec));
    } catch (e) {
      await patchState((st) => ({ ...st, status: 'exited', error: (e as Error).message }));
      return 125;
    }
  }
}

let code = 125;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`monitor: ${(e as Error).stack}\n`);
  ready(`error ${(e as Error).message}`);
}
try {
  closeSync(READY_FD);
} catch {
  // already closed
}
server.close();
try {
  unlinkSync(sockPath);
} catch {
  // gone with the container
}
const rec = readRecordOr();
if (rec?.hostConfig.AutoRemove) {
  try {
    const { storeOf } = await import('../system/subsystems.js');
    const { removeContainer } = await import('./remove.js');
    await removeContainer(storeOf(args.cfg), id, { force: true, volumes: true });
  } catch (e) {
    process.stderr.write(`auto-remove: ${(e as Error).message}\n`);
  }
}
broadcast(Frame.Exit, String(code));
for (const c of clients) c.end();
if (logFd !== undefined) closeSync(logFd);
setTimeout(() => process.exit(0), 50).unref();

function readRecordOr(): ContainerRecord | undefined {
  try {
    return readRecord();
  } catch {
    return undefined;
  }
}
