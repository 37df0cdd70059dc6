// ps(1) from procps, for `top`.
import { run } from './exec.js';

/** ps -f -p PID,PID... (or ps OPTIONS...): its output, whole. */
export async function ps(args: string[]): Promise<string> {
  return (await run('ps', args, { allowFail: true })).stdout;
}
