// The LXC tools: lxc-execute runs a container's command under LXC's own
// init (which reaps zombies and forwards signals), lxc-attach enters it.
import { inPty } from '../sys/script.js';
import type { StdioOptions } from '../sys/exec.js';
import { start, run, type ChildProcess } from '../sys/exec.js';

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

/** lxc-execute -P PATH -n NAME -f CONFIG [-o LOG -l ERROR -q] -- ARGV... (as an argv, for wrapping in setpriv/script) */
export function executeArgv(o: Omit<ExecuteOptions, 'stdio'>): string[] {
  const args = ['lxc-execute', '-P', o.lxcPath, '-n', o.name, '-f', o.configFile];
  if (o.logFile) args.push('-o', o.logFile, '-l', 'ERROR', '-q');
  return [...args, '--', ...o.argv];
}

/** lxc-execute -P PATH -n NAME -f CONFIG [-o LOG -l ERROR] -- ARGV... */
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
  /** Run lxc-attach inside a pty made by script(1): the caller's terminal is remote (the API), yet the command wants one. */
  pty?: { rows: number; cols: number } | true;
}

/**
 * lxc-attach -P PATH -n NAME --clear-env -v K=V... -u UID -g GID -- ARGV...
 * Joins every namespace, the cgroup, the capability set, seccomp and LSM
 * profile of the running container. It gives the command a pty of the
 * container's own when its stdin is a terminal.
 */
export function attach(o: AttachOptions): ChildProcess {
  const args = ['-P', o.lxcPath, '-n', o.name, '--clear-env', '-q'];
  for (const e of o.env) args.push('-v', e);
  args.push('-u', String(o.uid), '-g', String(o.gid), '--', ...o.argv);
  if (o.pty) {
    const [cmd, ...rest] = inPty(['lxc-attach', ...args], o.pty === true ? undefined : o.pty);
    return start(cmd, rest, { stdio: o.stdio, detached: o.detached, env: lxcEnv(), cwd: '/' });
  }
  return start('lxc-attach', args, { stdio: o.stdio, detached: o.detached, env: lxcEnv(), cwd: '/' });
}

/** lxc-info -P PATH -n NAME -p -H: the container's init pid on the host, or undefined. */
export async function initPid(lxcPath: string, name: string): Promise<number | undefined> {
  const { stdout, status } = await run('lxc-info', ['-P', lxcPath, '-n', name, '-p', '-H'], { allowFail: true });
  const pid = Number(stdout.trim());
  return status === 0 && pid > 0 ? pid : undefined;
}
