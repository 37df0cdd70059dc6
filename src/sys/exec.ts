// The only importer of node:child_process. Every external program runs from
// an argument array (never a shell string), and debug mode traces it.
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { closeSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { constants } from 'node:os';
import { ExecError, Unavailable } from '../errors.js';
import { lazyBuiltin } from '../util/lazy.js';
import { addon } from './addon.js';

export type { ChildProcess, StdioOptions };

// Loaded at the first spawn.
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
function spawn(cmd: string, args: readonly string[], o: SpawnOptions): ChildProcess {
  return childProcess().spawn(cmd, args, o);
}

/** native/spawn.node.c: posix_spawn, where libuv forks the whole CLI (10 to 20 ms a program here). */
interface NativeSpawn {
  socketpair(): [number, number];
  /** flags: 1 setsid, 2 do not hold node's event loop for the child. */
  spawn(
    file: string,
    argv: string[],
    env: string[],
    cwd: string | null,
    fds: number[],
    flags: number,
    onExit: (status: number, signal: number) => void,
  ): number;
  /** Our end of a detached program's fd 3, read by a thread of the addon: onData per chunk, null at the end. */
  channel(fd: number, onData: (chunk: Buffer | null) => void): object;
  channelWrite(handle: object, text: string): boolean;
  channelClose(handle: object): void;
  channelUnref(handle: object): void;
  /** Run to the end with input on stdin (null: /dev/null), collecting stdout and stderr; status -1: signal; -2: out of memory. */
  run(
    file: string,
    argv: string[],
    env: string[],
    cwd: string | null,
    input: Buffer | null,
    onDone: (status: number, signal: number, stdout: Buffer, stderr: Buffer) => void,
  ): number;
}
/** The addon, or null where it is not built (then child_process serves). */
export function nativeSpawn(): NativeSpawn | null {
  return addon<NativeSpawn>('spawn');
}

// Off until the front end turns it on from its Config (config.ts is the one reader of DOCKERLITE_DEBUG).
let debug = false;

export function setDebug(on: boolean): void {
  debug = on;
}

function trace(cmd: string, args: readonly string[]): void {
  if (!debug) return;
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  process.stderr.write(`+ ${[cmd, ...args].map(q).join(' ')}\n`);
}

export interface RunOptions {
  input?: string | Buffer;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolve with the status instead of throwing when the program exits non-zero. */
  allowFail?: boolean;
  /** Kill the program after this many ms. */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** A failure to start cmd, as the caller sees it: a program that is not installed gets one clear line. */
function startError(cmd: string, e: unknown): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return e;
  return new Unavailable(`${cmd}: command not found; run ./install.sh to install dockerlite's dependencies`);
}

/** A finished program's result, for both ways of running it: resolved on status 0 (any status with allowFail), else an ExecError. */
function settle(
  cmd: string,
  args: readonly string[],
  opts: RunOptions,
  status: number | null,
  signal: NodeJS.Signals | null,
  out: Buffer,
  err: Buffer,
  resolve: (r: RunResult) => void,
  reject: (e: unknown) => void,
): void {
  const res = { stdout: out.toString('utf8'), stderr: err.toString('utf8'), status: status ?? 128 };
  if ((status === 0 && !signal) || (opts.allowFail && !signal)) resolve(res);
  else reject(new ExecError(cmd, args, status, signal, res.stderr));
}

/** Run a program to completion and collect its output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  trace(cmd, args);
  const n = nativeSpawn();
  if (n) return runNative(n, cmd, args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(startError(cmd, e)));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // the program may exit without reading all of it
      child.stdin!.end(opts.input);
    }
    child.on('close', (status, signal) => settle(cmd, args, opts, status, signal, Buffer.concat(out), Buffer.concat(err), resolve, reject));
  });
}

/** run() through the addon: the same contract as through child_process; its thread collects the output, so no streams are loaded. */
function runNative(n: NativeSpawn, cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let pid: number;
    const input = opts.input === undefined ? null : Buffer.from(opts.input);
    try {
      pid = n.run(cmd, [cmd, ...args], environment(opts.env ?? process.env), opts.cwd ?? null, input, (status, sig, out, err) => {
        clearTimeout(timer);
        if (status === -2) return reject(new ExecError(cmd, args, null, null, 'its output did not fit in memory'));
        settle(cmd, args, opts, status < 0 ? null : status, status < 0 ? signalName(sig) : null, out, err, resolve, reject);
      });
    } catch (e) {
      return reject(startError(cmd, e));
    }
    if (opts.timeoutMs) timer = setTimeout(() => process.kill(pid, 'SIGTERM'), opts.timeoutMs);
  });
}

/** An environment object as the NAME=value list a program gets (unset values left out, as child_process does). */
function environment(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
}

function signalName(n: number): NodeJS.Signals | null {
  return (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals | undefined) ?? null;
}

export interface SpawnOpts {
  stdio?: StdioOptions;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  detached?: boolean;
}

/** Start a program whose streams the caller handles (send streams, attached containers). */
export function start(cmd: string, args: readonly string[], opts: SpawnOpts = {}): ChildProcess {
  trace(cmd, args);
  const o: SpawnOptions = { stdio: opts.stdio ?? 'pipe', env: opts.env ?? process.env, cwd: opts.cwd, detached: opts.detached };
  return spawn(cmd, args, o);
}

/** A line protocol with a detached program over its fd 3. */
export interface Channel {
  /** Its next line (without the newline), or undefined once its end is closed. */
  next: () => Promise<string | undefined>;
  /** A few bytes to the program; nothing once the channel is closed. */
  write: (text: string) => void;
  /** Close our end: the program reads its end of file. */
  close: () => void;
}

export interface Detached {
  pid: number | undefined;
  channel: Channel;
  /** Stop holding node's event loop for the program and its channel. */
  unref(): void;
}

/** Lines out of chunks: push each chunk, null at the end. */
function lines(): { push: (chunk: string | null) => void; next: () => Promise<string | undefined> } {
  let buf = '';
  const ready: string[] = [];
  let waiting: ((l: string | undefined) => void) | undefined;
  let ended = false;
  return {
    push: (chunk) => {
      if (chunk === null) ended = true;
      else {
        buf += chunk;
        for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
          ready.push(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      }
      if (waiting && (ready.length || ended)) {
        const w = waiting;
        waiting = undefined;
        w(ready.shift());
      }
    },
    next: () => (ready.length ? Promise.resolve(ready.shift()) : ended ? Promise.resolve(undefined) : new Promise((r) => (waiting = r))),
  };
}

/**
 * Start a program that outlives us (a container's monitor): in a session of
 * its own, fds 0 to 2 as given (-1: /dev/null), fd 3 a socket to us that the
 * addon's thread reads, so that neither node:net nor streams are loaded for it.
 */
export function spawnDetached(cmd: string, args: readonly string[], o: { stdio: [number, number, number]; env: NodeJS.ProcessEnv; cwd: string }): Detached {
  trace(cmd, args);
  const n = nativeSpawn();
  const l = lines();
  if (!n) {
    const stdio = [...o.stdio.map((fd) => (fd < 0 ? 'ignore' : fd)), 'pipe'] as StdioOptions;
    const child = spawn(cmd, args, { stdio, env: o.env, cwd: o.cwd, detached: true });
    child.on('error', () => {});
    const socket = child.stdio[3] as Duplex;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => l.push(d));
    for (const ev of ['end', 'error', 'close']) socket.on(ev, () => l.push(null));
    return { pid: child.pid, channel: { next: l.next, write: (t) => void socket.write(t), close: () => socket.destroy() }, unref: () => child.unref() };
  }
  const [ours, theirs] = n.socketpair();
  let pid: number;
  try {
    // Reaped when it ends while we run; never waited for.
    pid = n.spawn(cmd, [cmd, ...args], environment(o.env), o.cwd, [...o.stdio, theirs], 1 | 2, () => {});
  } catch (e) {
    closeSync(ours);
    throw startError(cmd, e);
  } finally {
    closeSync(theirs);
  }
  const decoder = new TextDecoder();
  const handle = n.channel(ours, (chunk) => l.push(chunk ? decoder.decode(chunk, { stream: true }) : null));
  return {
    pid,
    channel: { next: l.next, write: (t) => void n.channelWrite(handle, t), close: () => n.channelClose(handle) },
    unref: () => n.channelUnref(handle),
  };
}

/** Wait for a started program; resolve with its status, or 128+n when a signal ended it. */
export function wait(child: ChildProcess, cmd: string): Promise<{ status: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', (e) => reject(startError(cmd, e)));
    child.on('close', (status, signal) => {
      const n = signal ? 128 + (signalNumber(signal) ?? 0) : (status ?? 0);
      resolve({ status: n, signal });
    });
  });
}

export function signalNumber(sig: string): number | undefined {
  return (constants.signals as Record<string, number>)[sig];
}
