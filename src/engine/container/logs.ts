// Reading a container's log (containers/<id>/log.jsonl and its rotated
// log.jsonl.1 ..., Docker's json-file lines written by its monitor), a line
// at a time, never the whole file: --tail reads backwards from the end,
// --since/--until, -t, and -f, which follows the file (across rotations)
// until the container stops.
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { logLimits } from './logconfig.js';
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
  /** Ends a follow early: the reader went away (an API client that disconnected). */
  signal?: AbortSignal;
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

function parseLine(line: Buffer): LogEntry | undefined {
  try {
    return JSON.parse(line.toString('utf8')) as LogEntry;
  } catch {
    return undefined; // cut short by a full disk, or being written this instant
  }
}

function keep(e: LogEntry, o: LogOptions): boolean {
  const t = Date.parse(e.time);
  return (o.since === undefined || t >= o.since) && (o.until === undefined || t <= o.until);
}

const CHUNK = 64 * 1024;
const LOG = 'log.jsonl';

interface OpenLog {
  fh: FileHandle;
  ino: number;
  size: number;
}

/**
 * The log files, oldest first: log.jsonl.N ... log.jsonl.1, log.jsonl. Opened
 * newest first and told apart by inode, so a rotation while we open them
 * never shows one file twice.
 */
async function openLogs(dir: string): Promise<OpenLog[]> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .map((n) => (n === LOG ? 0 : n.startsWith(`${LOG}.`) && /^\d+$/.test(n.slice(LOG.length + 1)) ? Number(n.slice(LOG.length + 1)) : -1))
    .filter((n) => n >= 0)
    .sort((a, b) => a - b);
  const out: OpenLog[] = [];
  const seen = new Set<number>();
  for (const n of names) {
    const fh = await open(join(dir, n ? `${LOG}.${n}` : LOG), 'r').catch(() => undefined);
    if (!fh) continue; // rotated away meanwhile
    const st = await fh.stat();
    if (seen.has(st.ino)) {
      await fh.close();
      continue;
    }
    seen.add(st.ino);
    out.unshift({ fh, ino: st.ino, size: st.size });
  }
  return out;
}

/** Whole lines of fh from pos to end, a chunk at a time; returns where the last whole line ended. */
async function forward(fh: FileHandle, pos: number, end: number, each: (line: Buffer) => void): Promise<number> {
  const buf = Buffer.alloc(CHUNK);
  let rest = Buffer.alloc(0);
  let done = pos;
  while (pos < end) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, end - pos), pos);
    if (!bytesRead) break;
    pos += bytesRead;
    let data = rest.length ? Buffer.concat([rest, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
      if (nl) each(data.subarray(0, nl));
      done += nl + 1;
      data = data.subarray(nl + 1);
    }
    rest = Buffer.from(data);
  }
  return done;
}

/**
 * The last n entries that pass the filter, read backwards from the end of the
 * newest file and on into older ones: memory holds n lines and one chunk,
 * whatever the size of the log.
 */
async function tail(files: OpenLog[], n: number, o: LogOptions): Promise<LogEntry[]> {
  const got: LogEntry[] = [];
  const buf = Buffer.alloc(CHUNK);
  for (let f = files.length - 1; f >= 0 && got.length < n; f--) {
    const { fh } = files[f];
    // In the newest file, a last line without its newline is still being written: the follower gets it.
    let pos = f === files.length - 1 ? await endOfWholeLines(files[f]) : files[f].size;
    let carry = Buffer.alloc(0); // from a line's start to the end of what was read before
    while (pos > 0 && got.length < n) {
      const len = Math.min(CHUNK, pos);
      pos -= len;
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      const data = Buffer.concat([buf.subarray(0, bytesRead), carry]);
      let end = data.length;
      while (end > 0 && got.length < n) {
        const nl = end >= 2 ? data.lastIndexOf(10, end - 2) : -1;
        if (nl === -1 && pos > 0) break; // this line starts in the chunk before
        const line = data.subarray(nl + 1, data[end - 1] === 10 ? end - 1 : end);
        const e = line.length ? parseLine(line) : undefined;
        if (e && keep(e, o)) got.push(e);
        end = nl + 1;
      }
      carry = Buffer.from(data.subarray(0, end));
    }
  }
  return got.reverse();
}

/** Stream a container's log to emit(); with follow, until the container stops. */
export async function streamLogs(store: Store, query: string, o: LogOptions, emit: (e: LogEntry) => void): Promise<void> {
  const c = await getContainer(store, query);
  const lc = c.hostConfig.LogConfig;
  if (lc && !logLimits(lc)) throw new InvalidArgument(`configured logging driver does not support reading (container ${c.name} logs to '${lc.Type}')`);
  const dir = store.paths.container(c.id);
  const files = await openLogs(dir);
  const each = (line: Buffer) => {
    const e = parseLine(line);
    if (e && keep(e, o)) emit(e);
  };
  // The newest file, which the follower goes on reading.
  let cur: OpenLog | undefined = files[files.length - 1];
  let pos = 0;
  try {
    if (o.tail !== undefined) {
      if (o.tail > 0) (await tail(files, o.tail, o)).forEach(emit);
      // From the end of the last whole line.
      if (cur) pos = await endOfWholeLines(cur);
    } else {
      for (const f of files) {
        const done = await forward(f.fh, 0, f.size, each);
        if (f === cur) pos = done;
      }
    }
    if (!o.follow) return;
    /** What was appended since pos, whole lines only; across a rotation, the rest of the old file, then the new one. */
    const readMore = async (): Promise<number> => {
      let n = 0;
      const count = (line: Buffer) => {
        n++;
        each(line);
      };
      for (;;) {
        if (!cur) {
          const fh = await open(join(dir, LOG), 'r').catch(() => undefined);
          if (!fh) return n;
          cur = { fh, ino: (await fh.stat()).ino, size: 0 };
          files.push(cur);
          pos = 0;
        }
        pos = await forward(cur.fh, pos, (await cur.fh.stat()).size, count);
        const now = await stat(join(dir, LOG)).catch(() => undefined);
        if (!now || now.ino === cur.ino) return n;
        cur = undefined; // rotated: the new log.jsonl next
      }
    };
    for (;;) {
      const s = await readState(store, c.id).catch(() => undefined);
      const more = await readMore();
      if (!s || (!isRunning(s) && !more)) {
        // One last read: the monitor writes the final lines before recording the exit.
        await readMore();
        return;
      }
      if (o.until !== undefined && Date.now() > o.until) return;
      if (o.signal?.aborted) return;
      await sleep(100);
    }
  } finally {
    for (const f of files) await f.fh.close().catch(() => {});
  }
}

/** Where the last whole line of a file ends (a line being written is not counted). */
async function endOfWholeLines(f: OpenLog): Promise<number> {
  const buf = Buffer.alloc(CHUNK);
  for (let end = f.size; end > 0;) {
    const len = Math.min(CHUNK, end);
    const { bytesRead } = await f.fh.read(buf, 0, len, end - len);
    const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
    if (nl !== -1) return end - len + nl + 1;
    end -= len;
  }
  return 0;
}

/** Bytes of a container's log, rotated files included. */
export async function logSize(store: Store, id: string): Promise<number> {
  const files = await openLogs(store.paths.container(id));
  for (const f of files) await f.fh.close();
  return files.reduce((n, f) => n + f.size, 0);
}
