// Progress of pulls, pushes and loads, as events shaped like Docker's JSON
// messages ({id, status, progressDetail}), so the CLI can draw bars and the
// API server can stream them unchanged.
export interface ProgressEvent {
  /** The layer (short digest) the event is about; none for whole-operation lines. */
  id?: string;
  status: string;
  progress?: { current: number; total?: number };
}

export type Progress = (e: ProgressEvent) => void;

export const silent: Progress = () => {};

/** Wrap a byte stream so that each chunk reports how far it got. */
export async function* counting(input: AsyncIterable<Buffer>, report: (n: number) => void): AsyncGenerator<Buffer> {
  let n = 0;
  for await (const c of input) {
    n += c.length;
    report(n);
    yield c;
  }
}

/** Report at most every `ms` milliseconds, plus the final value. */
export function throttled(fn: (n: number) => void, ms = 100): (n: number, final?: boolean) => void {
  let last = 0;
  return (n, final = false) => {
    const now = Date.now();
    if (final || now - last >= ms) {
      last = now;
      fn(n);
    }
  };
}
