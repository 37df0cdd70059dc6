// Commands that take several names (rm, rmi, kill, stop...) act on each in
// turn, as Docker does: a failure is reported and the rest still happen.
import type { Context } from './command.js';
import { describe } from '../errors.js';

/** Run fn for every name; with one name an error propagates, with several each is reported. Returns the exit code. */
export async function forEachName(ctx: Context, names: string[], fn: (name: string) => Promise<void>): Promise<number> {
  let failed = 0;
  for (const n of names) {
    try {
      await fn(n);
    } catch (e) {
      if (names.length === 1) throw e;
      ctx.warn(`dockerlite: error: ${describe(e)}\n`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}
