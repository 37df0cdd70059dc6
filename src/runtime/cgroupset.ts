// Writing limits into a running container's cgroup (dockerlite update): the
// same settings lxc.conf gives at start, applied at once. The write order is
// the caller's: v1 wants memory before memory+swap when lowering them, and
// the other way round when raising them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupVersion } from './host.js';
import { SystemError } from '../errors.js';

const ROOT = '/sys/fs/cgroup';

/** The file of one setting (memory.limit_in_bytes, cpu.max...) in container name's cgroup. */
export function settingPath(name: string, key: string, version: CgroupVersion): string {
  if (!/^[a-z0-9_]+\.[a-z0-9_.]+$/.test(key)) throw new SystemError(`bad cgroup setting ${key}`);
  const base = version === 2 ? ROOT : join(ROOT, key.split('.')[0]);
  return join(base, `lxc.payload.${name}`, key);
}

/** Read one setting of a running container, or undefined if there is no such file. */
export function readSetting(name: string, key: string, version: CgroupVersion): string | undefined {
  try {
    return readFileSync(settingPath(name, key, version), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Write settings in order; the first failure is thrown with the kernel's reason. */
export function writeSettings(name: string, settings: Array<[string, string]>, version: CgroupVersion): void {
  for (const [k, v] of settings) {
    try {
      writeFileSync(settingPath(name, k, version), v);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw Object.assign(new SystemError(`cannot set ${k} to ${v}: ${err.code ?? err.message}`), { code: err.code, key: k });
    }
  }
}
