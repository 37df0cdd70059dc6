// --sysctl KEY=VALUE: only the namespaced ones Docker allows (IPC, message
// queues, the network namespace's), since the others would change the host.
import { existsSync } from 'node:fs';
import { InvalidArgument } from '../../../errors.js';

const EXACT = ['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced'];
const PREFIXES = ['fs.mqueue.', 'net.'];

/** Is this an IPC-namespace sysctl (refused with --ipc host)? */
export function isIpcSysctl(key: string): boolean {
  return EXACT.includes(key) || key.startsWith('fs.mqueue.');
}

/** Check one --sysctl, with Docker's message for the ones it refuses. */
export function parseSysctl(s: string): [string, string] {
  const eq = s.indexOf('=');
  const key = eq === -1 ? s : s.slice(0, eq);
  const allowed = eq > 0 && (EXACT.includes(key) || PREFIXES.some((p) => key.startsWith(p) && key.length > p.length)) && /^[a-z0-9_.\-/]+$/i.test(key);
  if (!allowed) throw new InvalidArgument(`invalid argument "${s}" for "--sysctl" flag: sysctl '${s}' is not allowed`);
  return [key, s.slice(eq + 1)];
}

/** Refuse sysctls that would reach the host's own namespaces (Docker's runtime refuses them at start). */
export function checkSysctlsFit(sysctls: Record<string, string> | undefined, o: { hostNetwork: boolean; hostIpc: boolean }): void {
  for (const key of Object.keys(sysctls ?? {})) {
    if (o.hostNetwork && key.startsWith('net.')) throw new InvalidArgument(`sysctl "${key}" not allowed in host network namespace`);
    if (o.hostIpc && isIpcSysctl(key)) throw new InvalidArgument(`sysctl "${key}" is not allowed in the hosts ipc namespace`);
    // A key the kernel does not have (the host's list is the container's, but for per-interface keys).
    const path = `/proc/sys/${key.replace(/\./g, '/')}`;
    if (!/^net\.ipv[46]\.(conf|neigh)\./.test(key) && !existsSync(path)) throw new InvalidArgument(`sysctl "${key}": open ${path}: no such file or directory`);
  }
}
