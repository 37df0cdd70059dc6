// Reading a container's log (containers/<id>/log.jsonl, Docker's json-file
// lines written by its monitor): --tail, --since/--until, -t, and -f, which
// follows the file until the container stops.
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { InvalidArgument } from '../../errors.js';
import { sleep } from '../../sys/proc.js';
import { getContainer, isRunning, readState } from '../../store/containers.js';

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Keep only the last N lines (before following). */
  tail?: number;
  /** Epoch ms bounds. */
  since?: number;
  until?: number;
}

/**
 * Docker's time arguments: RFC 3339 dates ("2024-01-02T15:04:05Z", or a bare
 * date), Unix timestamps ("1700000000.5"), or durations before now ("10m", "1h30m", "42s").
 */
export function parseTime(s: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const dur = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(s);
  if (dur && s) return now - ((Number(dur[1] ?? 0) * 60 + Number(dur[2] ?? 0)) * 60_000 + Number(dur[3] ?? 0) * 1000 + Number(dur[4] ?? 0));
  const t = Date.parse(s);
  if (Number.isFinite(t)) return t;
  throw new InvalidArgument(`invalid time '${s}': use an RFC 3339 date, a Unix timestamp, or a duration such as 10m`);
}

export function parseTail(s: string | undefined): number | undefined {
  if (s === undefined || s === 'all') return undefined;
  if (!/^\d+$/.test(s)) throw new InvalidArgument(`invalid --tail '${s}': give a number of lines or 'all'`);
  return Number(s);
}

function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as LogEntry);
    } catch {
      // a line being written this instant: the follower reads it next round
    }
  }
  return out;
}

function keep(e: LogEntry, o: LogOptions): boolean {
  const t = Date.parse(e.time);
  return (o.since === undefined || t >= o.since) && (o.until === undefined || t <= o.until);
}

/** Stream a container's log to emit(); with follow, until the container stops. */
export async function streamLogs(store: Store, query: string, o: LogOptions, emit: (e: LogEntry) => void): Promise<void> {
  const c = await getContainer(store, query);
  const file = join(store.paths.container(c.id), 'log.jsonl');
  let fh: FileHandle | undefined;
  try {
    fh = await open(file, 'r');
  } catch {
    if (!o.follow) return; // never ran: no log
    fh = undefined;
  }
  let pos = 0;
  let rest = '';
  /** Read what was appended since pos; only whole lines. */
  const readMore = async (): Promise<LogEntry[]> => {
    if (!fh) {
      fh = await open(file, 'r').catch(() => undefined);
      if (!fh) return [];
    }
    const size = (await fh.stat()).size;
    if (size <= pos) return [];
    const buf = Buffer.alloc(size - pos);
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    pos += bytesRead;
    const text = rest + buf.toString('utf8', 0, bytesRead);
    const cut = text.lastIndexOf('\n') + 1;
    rest = text.slice(cut);
    return parseLines(text.slice(0, cut));
  };
  try {
    let first = (await readMore()).filter((e) => keep(e, o));
    if (o.tail !== undefined) first = o.tail === 0 ? [] : first.slice(-o.tail);
    first.forEach(emit);
    if (!o.follow) return;
    for (;;) {
      const s = await readState(store, c.id).catch(() => undefined);
      const more = await readMore();
      more.filter((e) => keep(e, o)).forEach(emit);
      if (!s || (!isRunning(s) && !more.length)) {
        // One last read: the monitor writes the final lines before recording the exit.
        (await readMore()).filter((e) => keep(e, o)).forEach(emit);
        return;
      }
      if (o.until !== undefined && Date.now() > o.until) return;
      await sleep(100);
    }
  } finally {
    await fh?.close();
  }
}

export async function logSize(store: Store, id: string): Promise<number> {
  return (await stat(join(store.paths.container(id), 'log.jsonl')).catch(() => ({ size: 0 }))).size;
}
