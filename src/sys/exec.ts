// The only importer of node:child_process. Every external program runs from
// an argument array (never a shell string), and debug mode traces it.
import type { ChildProcess, SpawnOptions, StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { ExecError, Unavailable } from '../errors.js';
import { lazyBuiltin } from '../util/lazy.js';

export type { ChildProcess, StdioOptions };

// Loaded at the first spawn.
const childProcess = lazyBuiltin<typeof import('node:child_process')>('node:child_process');
function spawn(cmd: string, args: readonly string[], o: SpawnOptions): ChildProcess {
  return childProcess().spawn(cmd, args, o);
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

function missing(cmd: string): Unavailable {
  return new Unavailable(`${cmd}: command not found; run ./install.sh to install dockerlite's dependencies`);
}

/** Run a program to completion and collect its output. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  trace(cmd, args);
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
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missing(cmd) : e));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {}); // the program may exit without reading all of it
      child.stdin!.end(opts.input);
    }
    child.on('close', (status, signal) => {
      const res = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), status: status ?? 128 };
      if ((status === 0 && !signal) || (opts.allowFail && !signal)) resolve(res);
      else reject(new ExecError(cmd, args, status, signal, res.stderr));
    });
  });
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

/** Wait for a started program; resolve with its status, or 128+n when a signal ended it. */
export function wait(child: ChildProcess, cmd: string): Promise<{ status: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' ? missing(cmd) : e));
    child.on('close', (status, signal) => {
      const n = signal ? 128 + (signalNumber(signal) ?? 0) : (status ?? 0);
      resolve({ status: n, signal });
    });
  });
}

export function signalNumber(sig: string): number | undefined {
  return (constants.signals as Record<string, number>)[sig];
}
