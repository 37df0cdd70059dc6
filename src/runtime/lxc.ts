// The LXC tools: lxc-execute runs a container's command under LXC's own
// init (which reaps zombies and forwards signals), lxc-attach enters it.
import type { StdioOptions } from 'node:child_process';
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
}

/** lxc-execute -P PATH -n NAME -f CONFIG [-o LOG -l ERROR] -- ARGV... */
export function execute(o: ExecuteOptions): ChildProcess {
  const args = ['-P', o.lxcPath, '-n', o.name, '-f', o.configFile];
  if (o.logFile) args.push('-o', o.logFile, '-l', 'ERROR', '-q');
  args.push('--', ...o.argv);
  return start('lxc-execute', args, { stdio: o.stdio, detached: o.detached, env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' } });
}

/** lxc-info -P PATH -n NAME -p -H: the container's init pid on the host, or undefined. */
export async function initPid(lxcPath: string, name: string): Promise<number | undefined> {
  const { stdout, status } = await run('lxc-info', ['-P', lxcPath, '-n', name, '-p', '-H'], { allowFail: true });
  const pid = Number(stdout.trim());
  return status === 0 && pid > 0 ? pid : undefined;
}
