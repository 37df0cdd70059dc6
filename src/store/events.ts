// The event log: every state change of a container, image, network or volume
// as one line of Docker's event JSON in $DOCKERLITE_ROOT/events/events.jsonl.
//
// Writers are many processes (CLIs, monitors, the API server), so a line is
// one write(2) to a file opened O_APPEND, which the kernel keeps whole and
// in order on a regular file; no lock is needed and a monitor written in
// another language can append the same line. A writer that finds the file
// over MAX_BYTES renames it to events.jsonl.1 (the older .1 is dropped), so
// the log stays bounded. A crash (or a full disk) can leave a torn last line:
// readers skip lines that do not parse, and the next writer starts its line
// on a fresh one. Recording an event never fails the change it records.
//
// timeNano does not fit a JS number, so it is written as digits into the
// line and read back with the line kept raw (the API sends it unchanged).
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { ContainerRecord } from './types.js';

export type EventType = 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'builder';

export interface EventInput {
  Type: EventType;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** One recorded event: Docker's message, its time in nanoseconds, and the line as stored. */
export interface StoredEvent extends EventInput {
  scope: 'local';
  time: number;
  timeNano: bigint;
  raw: string;
}

export const EVENTS_FILE = 'events.jsonl';
/** Rotate past this size; the log keeps between one and two of these. */
export const MAX_BYTES = 4 * 1024 * 1024;

export function eventsDir(root: string): string {
  return join(root, 'events');
}

let lastNano = 0n;
// The wall clock at nanosecond resolution: the monotonic clock, set once against Date.now().
const clockBase = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
/** Now in nanoseconds since 1970. */
export function wallNano(): bigint {
  return clockBase + process.hrtime.bigint();
}
/** Now in nanoseconds, strictly increasing within this process so events keep their order. */
function nowNano(): bigint {
  let n = wallNano();
  if (n <= lastNano) n = lastNano + 1n;
  lastNano = n;
  return n;
}

/** Docker's event JSON line for ev at time nano (Docker's field order). */
export function eventLine(ev: EventInput, nano: bigint): string {
  const time = nano / 1_000_000_000n;
  const legacy =
    ev.Type === 'container' || ev.Type === 'image'
      ? `"status":${JSON.stringify(ev.Action)},"id":${JSON.stringify(ev.Actor.ID)},${
          ev.Actor.Attributes.image && ev.Type === 'container' ? `"from":${JSON.stringify(ev.Actor.Attributes.image)},` : ''
        }`
      : '';
  return `{${legacy}"Type":${JSON.stringify(ev.Type)},"Action":${JSON.stringify(ev.Action)},"Actor":${JSON.stringify(ev.Actor)},"scope":"local","time":${time},"timeNano":${nano}}`;
}

/** Append one event to the store's log; best effort: a failure is dropped, never thrown. */
export function recordEvent(root: string, ev: EventInput): void {
  try {
    const dir = eventsDir(root);
    const path = join(dir, EVENTS_FILE);
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      mkdirSync(dir, { recursive: true, mode: 0o700 }); // a store made before events existed
      fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    }
    try {
      let line = eventLine(ev, nowNano()) + '\n';
      const st = fstatSync(fd);
      if (st.size > 0) {
        const last = Buffer.alloc(1);
        readLast(path, st.size, last);
        if (last[0] !== 0x0a) line = '\n' + line; // a torn line before us: do not glue ours to it
      }
      writeSync(fd, line);
      if (st.size + line.length > MAX_BYTES) {
        // Rotate only the file we wrote to: another writer may have rotated meanwhile.
        if (statSync(path).ino === st.ino) renameSync(path, `${path}.1`);
      }
    } finally {
      closeSync(fd);
    }
  } catch {
    // events are a record of what happened, never a reason for it to fail
  }
}

function readLast(path: string, size: number, into: Buffer): void {
  const fd = openSync(path, 'r');
  try {
    readSync(fd, into, 0, 1, size - 1);
  } finally {
    closeSync(fd);
  }
}

/** Parse one stored line; undefined for a torn or foreign one. */
export function parseEventLine(line: string): StoredEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const o = JSON.parse(line) as Partial<StoredEvent> & { timeNano?: unknown };
    const m = /"timeNano":(\d+)\}$/.exec(line);
    if (typeof o.Type !== 'string' || typeof o.Action !== 'string' || !o.Actor || typeof o.Actor.ID !== 'string' || !m) return undefined;
    const attrs = o.Actor.Attributes && typeof o.Actor.Attributes === 'object' ? o.Actor.Attributes : {};
    const timeNano = BigInt(m[1]);
    return {
      Type: o.Type,
      Action: o.Action,
      Actor: { ID: o.Actor.ID, Attributes: attrs },
      scope: 'local',
      time: Number(timeNano / 1_000_000_000n),
      timeNano,
      raw: line,
    };
  } catch {
    return undefined;
  }
}

/** A container's attributes as Docker gives them: its labels, image and name, then extra. */
export function containerAttributes(c: Pick<ContainerRecord, 'name' | 'imageRef' | 'config'>, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(c.config.Labels ?? {}), image: c.imageRef, name: c.name, ...extra };
}

/** Record a container event (create, start, die, stop, kill, ...). */
export function containerEvent(
  root: string,
  action: string,
  c: Pick<ContainerRecord, 'id' | 'name' | 'imageRef' | 'config'>,
  extra?: Record<string, string>,
): void {
  recordEvent(root, { Type: 'container', Action: action, Actor: { ID: c.id, Attributes: containerAttributes(c, extra) } });
}

/** Record an image event: Actor.ID is the image id (sha256:...) or, for pull and push, the reference. */
export function imageEvent(root: string, action: string, id: string, name: string, labels: Record<string, string> = {}): void {
  recordEvent(root, { Type: 'image', Action: action, Actor: { ID: id, Attributes: { ...labels, name } } });
}

export function networkEvent(root: string, action: string, id: string, attrs: Record<string, string>): void {
  recordEvent(root, { Type: 'network', Action: action, Actor: { ID: id, Attributes: attrs } });
}

/** Docker's volume mount/unmount events for the named volumes among a container's binds (NAME:/dest[:opts]). */
export function volumeMountEvents(root: string, action: 'mount' | 'unmount', c: Pick<ContainerRecord, 'id' | 'hostConfig'>): void {
  for (const b of c.hostConfig.Binds ?? []) {
    const [src, dest, opts = ''] = b.split(':');
    if (!src || !dest || src.startsWith('/') || src.startsWith('.')) continue;
    const attrs: Record<string, string> = { container: c.id };
    if (action === 'mount') Object.assign(attrs, { destination: dest, propagation: '', 'read/write': String(!opts.split(',').includes('ro')) });
    volumeEvent(root, action, src, attrs);
  }
}

export function volumeEvent(root: string, action: string, name: string, attrs: Record<string, string> = {}): void {
  recordEvent(root, { Type: 'volume', Action: action, Actor: { ID: name, Attributes: { driver: 'local', ...attrs } } });
}
