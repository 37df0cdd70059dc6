// --security-opt, with Docker's spellings: seccomp=unconfined turns the
// syscall filter off, apparmor=unconfined the AppArmor profile, and
// no-new-privileges sets the no_new_privs bit for the container's processes.
// Docker's other options (custom profiles, SELinux labels) are refused, as
// Docker refuses an option it does not know.
import { InvalidArgument } from '../../../errors.js';

export interface Security {
  seccomp: boolean;
  apparmor: boolean;
  noNewPrivileges: boolean;
}

/** Check one --security-opt value; returns it as Docker records it in HostConfig.SecurityOpt. */
export function parseSecurityOpt(opt: string): string {
  // Docker still takes the old "key:value" spelling.
  const m = /^([a-z-]+)(?:[=:](.*))?$/.exec(opt);
  const [key, value] = m ? [m[1], m[2]] : ['', undefined];
  if (key === 'no-new-privileges' && (value === undefined || value === 'true' || value === 'false')) return opt;
  if ((key === 'seccomp' || key === 'apparmor') && value === 'unconfined') return `${key}=unconfined`;
  if (key === 'seccomp' || key === 'apparmor')
    throw new InvalidArgument(`unsupported --security-opt ${JSON.stringify(opt)}: dockerlite takes ${key}=unconfined only (no custom profiles)`);
  throw new InvalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: use seccomp=unconfined, apparmor=unconfined or no-new-privileges`);
}

/** What a container's recorded SecurityOpt asks for. */
export function securityOf(opts: readonly string[] | undefined): Security {
  const s: Security = { seccomp: true, apparmor: true, noNewPrivileges: false };
  for (const o of opts ?? []) {
    const norm = parseSecurityOpt(o);
    if (norm === 'seccomp=unconfined') s.seccomp = false;
    else if (norm === 'apparmor=unconfined') s.apparmor = false;
    else s.noNewPrivileges = !norm.endsWith('=false');
  }
  return s;
}
