// chroot(8), for the original's debugging aid: a shell in a rootfs with no isolation.
import { start, wait } from './exec.js';

/** chroot ROOTFS ARGV... with our terminal */
export async function chrootShell(rootfs: string, argv: string[]): Promise<number> {
  const child = start('chroot', ['--', rootfs, ...argv], { stdio: 'inherit' });
  return (await wait(child, 'chroot')).status;
}
