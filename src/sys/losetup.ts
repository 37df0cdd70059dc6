// losetup(8): find and detach loop devices backing the store's image file.
import { run } from './exec.js';

/** losetup -j FILE -> the devices attached to it */
export async function devicesFor(file: string): Promise<string[]> {
  const { stdout } = await run('losetup', ['-j', file], { allowFail: true });
  return stdout
    .split('\n')
    .map((l) => l.split(':')[0])
    .filter((d) => d.startsWith('/dev/'));
}

/** losetup -d DEVICE */
export async function detach(device: string): Promise<void> {
  await run('losetup', ['-d', device]);
}
