// --security-opt, with Docker's spellings: seccomp=unconfined turns the
// syscall filter off, apparmor=unconfined the AppArmor profile, and
// no-new-privileges sets the no_new_privs bit for the container's processes.
// seccomp=<profile JSON> (the CLI reads PROFILE.json and passes its text, as
// Docker's does) runs under that profile. Docker's other options (AppArmor
// profiles, SELinux labels) are refused, as Docker refuses what it cannot do.
import { InvalidArgument } from '../../../errors.js';
import { parseSeccompProfile } from './seccomp.js';

export interface Security {
  seccomp: boolean;
  apparmor: boolean;
  noNewPrivileges: boolean;
  /** A Docker seccomp profile's JSON text (--security-opt seccomp=PROFILE.json). */
  seccompProfile?: string;
}

/** Check one --security-opt value; returns it as Docker records it in HostConfig.SecurityOpt. */
export function parseSecurityOpt(opt: string): string {
  // Docker still takes the old "key:value" spelling.
  const m = /^([a-z-]+)(?:[=:](.*))?$/s.exec(opt);
  const [key, value] = m ? [m[1], m[2]] : ['', undefined];
  if (key === 'no-new-privileges' && (value === undefined || value === 'true' || value === 'false')) return opt;
  if ((key === 'seccomp' || key === 'apparmor') && value === 'unconfined') return `${key}=unconfined`;
  if (key === 'seccomp' && value?.trimStart().startsWith('{')) {
    parseSeccompProfile(value);
    return `seccomp=${value}`;
  }
  if (key === 'seccomp' || key === 'apparmor')
    throw new InvalidArgument(
      `unsupported --security-opt ${JSON.stringify(opt)}: dockerlite takes ${key}=unconfined${key === 'seccomp' ? ' or seccomp=PROFILE.json' : ''} only`,
    );
  throw new InvalidArgument(`invalid --security-opt ${JSON.stringify(opt)}: use seccomp=unconfined, apparmor=unconfined or no-new-privileges`);
}

/** What a container's recorded SecurityOpt asks for. */
export function securityOf(opts: readonly string[] | undefined): Security {
  const s: Security = { seccomp: true, apparmor: true, noNewPrivileges: false };
  for (const o of opts ?? []) {
    const norm = parseSecurityOpt(o);
    if (norm === 'seccomp=unconfined') s.seccomp = false;
    else if (norm.startsWith('seccomp=')) s.seccompProfile = norm.slice('seccomp='.length);
    else if (norm === 'apparmor=unconfined') s.apparmor = false;
    else s.noNewPrivileges = !norm.endsWith('=false');
  }
  return s;
}
