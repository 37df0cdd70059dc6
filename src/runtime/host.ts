// What the host kernel offers the runtime: cgroup layout, AppArmor, seccomp.
import { existsSync, readFileSync } from 'node:fs';

export type CgroupVersion = 1 | 2;

export function cgroupVersion(): CgroupVersion {
  return existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
}

export function hasAppArmor(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y' && existsSync('/sys/kernel/security/apparmor');
  } catch {
    return false;
  }
}

export function hasSeccomp(): boolean {
  try {
    return /^Seccomp:/m.test(readFileSync('/proc/self/status', 'utf8'));
  } catch {
    return false;
  }
}
