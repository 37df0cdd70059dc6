// Draws progress events (pull, push, load) the way docker does: on a
// terminal, one live line per layer with a bar, redrawn in place; otherwise
// plain lines, one per change of status, so logs stay readable.
// Small enough to keep here rather than take a dependency for it.
import type { Progress, ProgressEvent } from '../engine/progress.js';
import { humanSize } from '../util/human.js';

export function bar(current: number, total?: number, width = 50): string {
  if (!total) return humanSize(current);
  const frac = Math.max(0, Math.min(1, current / total));
  const filled = Math.floor(frac * width);
  const drawn = filled >= width ? '='.repeat(width) : `${'='.repeat(filled)}>${' '.repeat(width - filled - 1)}`;
  return `[${drawn}] ${humanSize(current).padStart(7)}/${humanSize(total)}`;
}

function line(e: ProgressEvent, withBar: boolean): string {
  const head = e.id ? `${e.id}: ${e.status}` : e.status;
  return withBar && e.progress ? `${head} ${bar(e.progress.current, e.progress.total)}` : head;
}

export interface Printer {
  progress: Progress;
}

/** A live, redrawn display for a terminal. */
export function ttyPrinter(out: NodeJS.WriteStream): Printer {
  const row = new Map<string, number>();
  let lines = 0;
  const fit = (s: string) => s.slice(0, Math.max(20, (out.columns || 80) - 1));
  return {
    progress(e) {
      const text = fit(line(e, true));
      if (!e.id) {
        out.write(`${text}\n`);
        lines++;
        return;
      }
      const at = row.get(e.id);
      if (at === undefined) {
        row.set(e.id, lines++);
        out.write(`${text}\n`);
        return;
      }
      const up = lines - at;
      out.write(`\x1b[${up}A\r\x1b[2K${text}\x1b[${up}B\r`);
    },
  };
}

/** One line per status change: for logs and pipes. */
export function plainPrinter(out: NodeJS.WritableStream): Printer {
  const last = new Map<string, string>();
  return {
    progress(e) {
      if (e.id) {
        if (last.get(e.id) === e.status) return;
        last.set(e.id, e.status);
      }
      out.write(`${line(e, false)}\n`);
    },
  };
}

/** The printer for stderr: live on a terminal, plain otherwise, silent with quiet. */
export function progressPrinter(quiet = false): Progress {
  if (quiet) return () => {};
  // Made at the first event: process.stderr loads node's streams (and node:net on a
  // pipe), ~10 ms that a create or run of an image already here need not pay.
  let print: Progress | undefined;
  return (e) => {
    const err = process.stderr;
    (print ??= (err.isTTY ? ttyPrinter(err) : plainPrinter(err)).progress)(e);
  };
}
