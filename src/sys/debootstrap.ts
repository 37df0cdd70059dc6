// debootstrap(8): a Debian rootfs from an apt mirror.
import { start, wait } from './exec.js';
import { ExecError, InvalidArgument } from '../errors.js';

/** debootstrap --variant=VARIANT --cache-dir=CACHE SUITE TARGET MIRROR (progress on our stderr) */
export async function debootstrap(o: { suite: string; target: string; mirror: string; variant: string; cacheDir: string; arch?: string }): Promise<void> {
  const args = [`--variant=${o.variant}`, `--cache-dir=${o.cacheDir}`];
  if (o.arch) args.push(`--arch=${o.arch}`);
  // debootstrap takes no `--`: the suite is checked to be a plain word instead.
  if (!/^[a-z0-9][a-z0-9.-]*$/.test(o.suite)) throw new InvalidArgument(`invalid suite name '${o.suite}'`);
  args.push(o.suite, o.target, o.mirror);
  const child = start('debootstrap', args, { stdio: ['ignore', 2, 2] });
  const { status } = await wait(child, 'debootstrap');
  if (status !== 0) throw new ExecError('debootstrap', args, status, null, `see the messages above (and ${o.target}/debootstrap/debootstrap.log)`);
}
