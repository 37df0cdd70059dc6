// mknod(1): Node cannot make device nodes or fifos itself.
import { run } from './exec.js';

/** mknod -m MODE PATH c|b MAJOR MINOR, or mknod -m MODE PATH p */
export async function mknod(path: string, kind: 'c' | 'b' | 'p', mode: number, major = 0, minor = 0): Promise<void> {
  const args = ['-m', (mode & 0o7777).toString(8), '--', path, kind];
  if (kind !== 'p') args.push(String(major), String(minor));
  await run('mknod', args);
}
