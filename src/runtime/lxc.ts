// The LXC tools: lxc-start -F runs a container's command as its pid 1 (as
// Docker does), under native/dl-run, which gives it pipes for stdio and
// exits with its status (lxc-start itself always exits 0); lxc-attach
// enters a running container.
import { fileURLToPath } from 'node:url';
import { inPty } from '../sys/script.js';
import type { StdioOptions } from '../sys/exec.js';
import { start, run, type ChildProcess } from '../sys/exec.js';
import { readFileSync } from 'node:fs';
import { children, identify, sleep, type ProcId } from '../sys/proc.js';

/** The compiled native/dl-run.c (npm run build puts it in dist/native). */
export const DL_RUN = fileURLToPath(new URL('../../native/dl-run', import.meta.url));
/** The compiled native/dl-mon.c: a running container's monitor (see its header for the protocol). */
export const DL_MON = fileURLToPath(new URL('../../native/dl-mon', import.meta.url));
/** The compiled native/dl-init.c (static): the container's first program, which execs its command (or stays as --init). */
export const DL_INIT = fileURLToPath(new URL('../../native/dl-init', import.meta.url));

export interface ExecuteOptions {
  /** LXC's -P path: dockerlite's own, so names never clash with other LXC users. */
  lxcPath: string;
  name: string;
  configFile: string;
  argv: string[];
  stdio: StdioOptions;
  logFile?: string;
  detached?: boolean;
  /** Values of the env entries the config holds as a key alone (rcfile's envPassthrough). */
  env?: Record<string, string>;
}

/**
 * dl-run lxc-start -F -C -P PATH -n NAME -f CONFIG [-o LOG -l ERROR -q] -- ARGV...
 * (as an argv, for wrapping in setpriv/script). -C: lxc-start closes every fd
 * it inherits beyond stdio, so nothing of ours reaches the container.
 */
export function executeArgv(o: Omit<ExecuteOptions, 'stdio'>): string[] {
  return [DL_RUN, ...startArgv(o)];
}

/** lxc-start -F -C -P PATH -n NAME -f CONFIG [-o LOG -l ERROR -q] -- ARGV... (what dl-mon runs). */
export function startArgv(o: Omit<ExecuteOptions, 'stdio'>): string[] {
  const args = ['lxc-start', '-F', '-C', '-P', o.lxcPath, '-n', o.name, '-f', o.configFile];
  if (o.logFile) args.push('-o', o.logFile, '-l', 'ERROR', '-q');
  return [...args, '--', ...o.argv];
}

/** The process that owns a running container: lxc-start (its only child is the container's pid 1). */
export const OWNER_COMM = 'lxc-start';

/** The name a process runs under (comm), or '' once it is gone. */
export function procName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The lxc-start under dl-run process `pid` (its child, or with script in
 * between its grandchild): the container's owner. Undefined when it ended
 * before it could be seen (ended() says dl-run is gone).
 */
export async function findOwner(pid: number | undefined, ended: () => boolean): Promise<ProcId | undefined> {
  if (!pid) return undefined;
  for (let i = 0; i < 2500; i++) {
    const level1 = children(pid);
    for (const k of [...level1, ...level1.flatMap((p) => children(p))]) {
      if (procName(k) === OWNER_COMM) {
        const p = identify(k);
        if (p) return p;
      }
    }
    if (ended()) return undefined;
    await sleep(2);
  }
  return undefined;
}

/** dl-run lxc-start -F ... -- ARGV...: exits with the command's status. */
export function execute(o: ExecuteOptions): ChildProcess {
  const [cmd, ...args] = executeArgv(o);
  return start(cmd, args, { stdio: o.stdio, detached: o.detached, env: lxcEnv(o.env) });
}

/**
 * LXC tools get a plain environment: nothing of the caller's leaks into a
 * container. passed: the container's own values for keys its config names
 * alone (never PATH or LD_*: rcfile refuses those).
 */
export function lxcEnv(passed: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...passed, PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' };
}

export interface AttachOptions {
  lxcPath: string;
  name: string;
  argv: string[];
  env: string[];
  uid: number;
  gid: number;
  stdio: StdioOptions;
  detached?: boolean;
  /** exec --privileged: keep every capability (lxc-attach --elevated-privileges=CAP). */
  privileged?: boolean;
  /** Run lxc-attach inside a pty made by script(1): the caller's terminal is remote (the API), yet the command wants one. */
  pty?: { rows: number; cols: number } | true;
  /** exec -d: a shell waits for lxc-attach and writes its status here (temp then rename), as nobody else is left to. */
  exitFile?: string;
}

/** The waiter of a detached exec: $1 is the status file, the rest lxc-attach's arguments. */
const WAIT_AND_RECORD = 'f=$1; shift; lxc-attach "$@"; s=$?; echo "$s" > "$f.tmp" && mv -f "$f.tmp" "$f"';

/**
 * lxc-attach -P PATH -n NAME --clear-env -v K=V... -u UID -g GID -- ARGV...
 * Joins every namespace, the cgroup, the capability set, seccomp and LSM
 * profile of the running container. It gives the command a pty of the
 * container's own when its stdin is a terminal.
 */
export function attach(o: AttachOptions): ChildProcess {
  const args = ['-P', o.lxcPath, '-n', o.name, '--clear-env', '-q'];
  if (o.privileged) args.push('--elevated-privileges=CAP');
  // lxc-attach always sets container=lxc; a bare name is putenv(3)'s unset, and Docker's exec has no such variable.
  args.push('-v', 'container');
  for (const e of o.env) args.push('-v', e);
  args.push('-u', String(o.uid), '-g', String(o.gid), '--', ...o.argv);
  if (o.pty) {
    const [cmd, ...rest] = inPty(['lxc-attach', ...args], o.pty === true ? undefined : o.pty);
    return start(cmd, rest, { stdio: o.stdio, detached: o.detached, env: lxcEnv(), cwd: '/' });
  }
  if (o.exitFile)
    return start('/bin/sh', ['-c', WAIT_AND_RECORD, 'sh', o.exitFile, ...args], { stdio: o.stdio, detached: o.detached, env: lxcEnv(), cwd: '/' });
  return start('lxc-attach', args, { stdio: o.stdio, detached: o.detached, env: lxcEnv(), cwd: '/' });
}

/** lxc-info -P PATH -n NAME -p -H: the container's init pid on the host, or undefined. */
export async function initPid(lxcPath: string, name: string): Promise<number | undefined> {
  const { stdout, status } = await run('lxc-info', ['-P', lxcPath, '-n', name, '-p', '-H'], { allowFail: true });
  const pid = Number(stdout.trim());
  return status === 0 && pid > 0 ? pid : undefined;
}
