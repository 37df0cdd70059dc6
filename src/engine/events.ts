// Reading the event log (store/events.ts writes it): the events between
// `since` and `until` that pass Docker's filters, and a live follow that
// wakes on inotify (fs.watch on the events directory), never by polling.
// The CLI's `events` and the API's /events are both this.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgument } from '../errors.js';
import type { Store } from '../store/store.js';
import { EVENTS_FILE, eventsDir, parseEventLine, wallNano, type StoredEvent } from '../store/events.js';

export type EventFilters = Record<string, string[]>;

const FILTER_KEYS = ['config', 'container', 'daemon', 'event', 'image', 'label', 'network', 'node', 'plugin', 'scope', 'secret', 'service', 'type', 'volume'];
const TYPES = ['builder', 'config', 'container', 'daemon', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'volume'];

/** `--filter key=value` flags as Docker's filter map; values of one key are ORed, keys ANDed. */
export function parseEventFilterFlags(list: string[] = []): EventFilters {
  const out: EventFilters = {};
  for (const f of list) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new InvalidArgument(`bad format of filter (expected name=value): ${f}`);
    (out[f.slice(0, eq).toLowerCase()] ??= []).push(f.slice(eq + 1));
  }
  return checkEventFilters(out);
}

/** Refuse keys Docker does not know for events, as the daemon does. */
export function checkEventFilters(f: EventFilters): EventFilters {
  for (const [k, vs] of Object.entries(f)) {
    if (!FILTER_KEYS.includes(k)) throw new InvalidArgument(`invalid filter '${k}'`);
    if (k === 'type') for (const v of vs) if (!TYPES.includes(v)) throw new InvalidArgument(`invalid filter 'type=${v}'`);
  }
  return f;
}

/** The API's `filters` query value: {"key":["v"]} or the older {"key":{"v":true}}. */
export function parseEventFiltersJson(text: string | undefined): EventFilters {
  if (!text) return {};
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new InvalidArgument(`invalid filters: ${text}`);
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new InvalidArgument(`invalid filters: ${text}`);
  const out: EventFilters = {};
  for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
    if (Array.isArray(v)) out[k] = v.map(String);
    else if (v && typeof v === 'object') out[k] = Object.keys(v).filter((x) => (v as Record<string, unknown>)[x]);
    else throw new InvalidArgument(`invalid filters: ${text}`);
  }
  return checkEventFilters(out);
}

const exact = (f: EventFilters, k: string, v: string | undefined) => !f[k]?.length || (v !== undefined && f[k].includes(v));
const fuzzy = (f: EventFilters, k: string, v: string | undefined) => exact(f, k, v) || (v !== undefined && f[k].some((p) => v.startsWith(p)));
/** busybox:latest -> busybox; registry:5000/x -> registry:5000/x. */
const stripTag = (s: string) => s.replace(/@.*$/, '').replace(/:[^:/]*$/, '');

/** Docker's daemon/events/filter.go, key by key. */
export function eventMatches(ev: StoredEvent, f: EventFilters): boolean {
  const a = ev.Actor.Attributes;
  // As Docker: whatever the event's type, its ID or name must match a container (network, volume) filter.
  const byName = (type: string) => fuzzy(f, type, ev.Actor.ID) || fuzzy(f, type, a.name);
  const fuzzyEvent = (f.event ?? []).some((v) => ['health_status', 'exec_create', 'exec_start'].includes(v));
  const imageName = ev.Type === 'image' ? a.name : a.image;
  const image =
    exact(f, 'image', ev.Actor.ID) ||
    exact(f, 'image', imageName) ||
    exact(f, 'image', stripTag(ev.Actor.ID)) ||
    (imageName !== undefined && exact(f, 'image', stripTag(imageName)));
  const label = (f.label ?? []).every((l) => {
    const i = l.indexOf('=');
    return i === -1 ? l in a : a[l.slice(0, i)] === l.slice(i + 1);
  });
  return (
    (fuzzyEvent ? fuzzy(f, 'event', ev.Action) : exact(f, 'event', ev.Action)) &&
    exact(f, 'type', ev.Type) &&
    exact(f, 'scope', 'local') &&
    byName('container') &&
    byName('network') &&
    byName('volume') &&
    image &&
    label &&
    (ev.Type === 'daemon' || !f.daemon?.length) &&
    !['plugin', 'node', 'service', 'secret', 'config'].some((k) => f[k]?.length)
  );
}

const DURATION = /^(?:(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h))+$/;
const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/**
 * Docker's timestamp arguments (--since, --until, the API's since/until), in
 * nanoseconds: Unix seconds with an optional fraction ("1700000000.5"), an
 * RFC 3339 date or date-time (no zone: local time), or a Go duration ("10m")
 * meaning that long before now.
 */
export function parseTimestamp(value: string, now?: number): bigint {
  const v = value.trim();
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (unix) return BigInt(unix[1]) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  if (DURATION.test(v)) {
    let ns = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ns += Number(m[1]) * UNIT_NS[m[2]];
    return (now === undefined ? wallNano() : BigInt(now) * 1_000_000n) - BigInt(Math.round(ns));
  }
  const dt = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  if (dt) {
    const zone = dt[4] ? (dt[4] === 'Z' ? 'Z' : dt[4].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : '';
    const ms = Date.parse(`${dt[1]}T${dt[2] ?? '00:00:00'}${zone}`);
    if (!Number.isNaN(ms)) return BigInt(ms) * 1_000_000n + BigInt((dt[3] ?? '.').slice(1).padEnd(9, '0').slice(3) || '0');
  }
  throw new InvalidArgument(`invalid timestamp "${value}": give a Unix time, an RFC 3339 date/time or a duration such as 10m`);
}

export interface EventQuery {
  /** Replay events from this time (ns); without it only new events are sent. */
  since?: bigint;
  /** Stop at this time (ns): at once if it has passed, else when it comes. */
  until?: bigint;
  filters?: EventFilters;
}

function logPaths(store: Store) {
  const cur = join(eventsDir(store.paths.root), EVENTS_FILE);
  return { cur, old: `${cur}.1` };
}

/** Complete lines of fd from offset; returns the new offset (a line without its newline yet waits). */
function drain(fd: number, offset: number, onLine: (line: string) => void): number {
  const buf = Buffer.alloc(64 * 1024);
  let pending = Buffer.alloc(0);
  let pos = offset;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n <= 0) break;
    pos += n;
    pending = Buffer.concat([pending, buf.subarray(0, n)]);
    let nl: number;
    while ((nl = pending.indexOf(0x0a)) !== -1) {
      onLine(pending.subarray(0, nl).toString('utf8'));
      pending = pending.subarray(nl + 1);
    }
  }
  return pos - pending.length;
}

function readWhole(path: string, onLine: (line: string) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    drain(fd, 0, onLine);
  } finally {
    closeSync(fd);
  }
}

export interface EventStream {
  /** Stop following; the promise of done resolves. */
  close(): void;
  /** Resolves when the stream ends: `until` passed, or close(). */
  done: Promise<void>;
}

/**
 * Send the recorded events of q to onEvent in order, then (unless `until` has
 * passed) follow the log live until `until` or close().
 */
export function streamEvents(store: Store, q: EventQuery, onEvent: (ev: StoredEvent) => void): EventStream {
  const { cur, old } = logPaths(store);
  const filters = q.filters ?? {};
  const nowNano = wallNano;
  const deliver = (line: string) => {
    const ev = parseEventLine(line);
    if (!ev) return;
    if (q.since !== undefined && ev.timeNano < q.since) return;
    if (q.until !== undefined && ev.timeNano > q.until) return;
    if (eventMatches(ev, filters)) onEvent(ev);
  };
  // Open the live file first, so nothing falls between the replay and the follow.
  let fd: number | undefined;
  let offset = 0;
  try {
    fd = openSync(cur, 'r');
    offset = fstatSync(fd).size;
  } catch {
    fd = undefined;
  }
  if (q.since !== undefined) {
    // A rotation between our open and here moved our file to .1: read .1 only if it is not ours.
    if (!(fd !== undefined && existsSync(old) && statSync(old).ino === fstatSync(fd).ino)) readWhole(old, deliver);
    if (fd !== undefined) offset = drain(fd, 0, deliver);
  }
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    watcher?.close();
    if (timer) clearTimeout(timer);
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
    finish();
  };
  const catchUp = () => {
    if (closed) return;
    if (fd !== undefined) {
      offset = drain(fd, offset, deliver);
      let ino: number | undefined;
      try {
        ino = statSync(cur).ino;
      } catch {
        ino = undefined;
      }
      if (ino === fstatSync(fd).ino) return;
      closeSync(fd); // rotated: the old file is drained, go on with the new one
      fd = undefined;
    }
    try {
      fd = openSync(cur, 'r');
      offset = drain(fd, 0, deliver);
    } catch {
      fd = undefined;
    }
  };
  if (q.until !== undefined && q.until <= nowNano()) {
    close();
    return { close, done };
  }
  const dir = eventsDir(store.paths.root);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    watcher = watch(dir, { persistent: true }, () => catchUp());
    watcher.on('error', () => close());
  } catch {
    close(); // no events directory yet and none can be watched: nothing to follow
    return { close, done };
  }
  catchUp(); // whatever was written before the watch began
  if (q.until !== undefined) {
    const ms = Number((q.until - nowNano()) / 1_000_000n) + 1;
    timer = setTimeout(() => {
      catchUp();
      close();
    }, ms);
  }
  return { close, done };
}

/** The recorded events of q, without following. */
export function readEvents(store: Store, q: Omit<EventQuery, 'until'> & { until?: bigint }): StoredEvent[] {
  const out: StoredEvent[] = [];
  const { cur, old } = logPaths(store);
  const take = (line: string) => {
    const ev = parseEventLine(line);
    if (!ev || (q.since !== undefined && ev.timeNano < q.since) || (q.until !== undefined && ev.timeNano > q.until)) return;
    if (eventMatches(ev, q.filters ?? {})) out.push(ev);
  };
  readWhole(old, take);
  readWhole(cur, take);
  return out;
}
