// Benchmark helpers: time commands repeatedly, report medians and a ratio
// against a baseline measured in the same invocation (these machines are noisy).
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Milliseconds one synchronous command takes. Throws if it fails. */
export function timeCmd(cmd: string, args: string[], opts: SpawnSyncOptions = {}): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  return ms;
}

/** Median of n timings of fn (after one warm-up), with setup/teardown outside the timing. */
export async function measure(n: number, fn: (i: number) => number | Promise<number>): Promise<{ median: number; all: number[] }> {
  await fn(-1);
  const all: number[] = [];
  for (let i = 0; i < n; i++) all.push(await fn(i));
  return { median: median(all), all };
}

export interface Row {
  name: string;
  median: number;
  baseline?: string;
  baselineMedian?: number;
}

export function report(title: string, rows: Row[]): void {
  console.log(`\n## ${title}`);
  for (const r of rows) {
    const ratio = r.baselineMedian ? ` | ${(r.median / r.baselineMedian).toFixed(2)}x ${r.baseline} (${r.baselineMedian.toFixed(1)} ms)` : '';
    console.log(`${r.name.padEnd(58)} median ${r.median.toFixed(1).padStart(8)} ms${ratio}`);
  }
}
