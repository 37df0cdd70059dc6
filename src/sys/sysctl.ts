// Kernel settings under /proc/sys (what sysctl(8) -w does), written only
// when they differ, so setting one up is idempotent and cheap.
import { readFileSync, writeFileSync } from 'node:fs';
import { SystemError } from '../errors.js';

/** sysctl -w KEY=VALUE, e.g. ('net.ipv4.ip_forward', '1'). */
export function ensure(key: string, value: string): void {
  const path = `/proc/sys/${key.replace(/\./g, '/')}`;
  try {
    if (readFileSync(path, 'utf8').trim() === value) return;
    writeFileSync(path, value);
  } catch (e) {
    throw new SystemError(`cannot set ${key}=${value}: ${(e as Error).message}`);
  }
}
