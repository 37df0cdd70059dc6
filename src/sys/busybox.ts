// The host's busybox-static, source of the busybox image.
import { run } from './exec.js';

export const BUSYBOX = '/bin/busybox';

/** busybox --list: the applets this binary provides. */
export async function appletNames(): Promise<string[]> {
  const { stdout } = await run(BUSYBOX, ['--list']);
  return stdout
    .split('\n')
    .map((s) => s.trim())
    .filter((s) => /^[\w.[\]-]+$/.test(s))
    .sort();
}
