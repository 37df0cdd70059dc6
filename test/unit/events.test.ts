// The event log: Docker's message shape, a torn last line, rotation, the
// filters of daemon/events/filter.go, timestamps, and the live follow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Paths } from '../../src/store/paths.js';
import type { Store } from '../../src/store/store.js';
import { containerEvent, imageEvent, MAX_BYTES, networkEvent, recordEvent, volumeEvent, type StoredEvent } from '../../src/store/events.js';
import { parseEventFilterFlags, parseEventFiltersJson, parseTimestamp, readEvents, streamEvents } from '../../src/engine/events.js';
import { eventText } from '../../src/cli/commands/events.js';

function tmpStore(t: { after: (fn: () => void) => void }): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-events-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { paths: new Paths(root) } as unknown as Store;
}
const ctr = (id: string, name: string, imageRef = 'busybox', labels: Record<string, string> = {}) => ({ id, name, imageRef, config: { Labels: labels } });
const logFile = (s: Store) => join(s.paths.root, 'events', 'events.jsonl');

test("a line has Docker's fields, in Docker's order, with timeNano exact", (t) => {
  const s = tmpStore(t);
  containerEvent(s.paths.root, 'die', ctr('c1', 'web', 'busybox', { a: 'b' }), { exitCode: '3' });
  const line = readFileSync(logFile(s), 'utf8').trimEnd();
  const o = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ['status', 'id', 'from', 'Type', 'Action', 'Actor', 'scope', 'time', 'timeNano']);
  assert.deepEqual(o.Actor, { ID: 'c1', Attributes: { a: 'b', image: 'busybox', name: 'web', exitCode: '3' } });
  const nano = /"timeNano":(\d+)\}$/.exec(line)![1];
  assert.equal(nano.length, 19, 'nanoseconds since 1970 have 19 digits');
  assert.equal(String(o.time), nano.slice(0, 10));
  const [ev] = readEvents(s, {});
  assert.equal(ev.timeNano, BigInt(nano));
  assert.equal(ev.raw, line);
});

test('a torn last line (a crash mid-write) is skipped, and the next event starts a line of its own', (t) => {
  const s = tmpStore(t);
  volumeEvent(s.paths.root, 'create', 'v1');
  appendFileSync(logFile(s), '{"Type":"volume","Action":"cre');
  volumeEvent(s.paths.root, 'destroy', 'v1');
  assert.deepEqual(
    readEvents(s, {}).map((e) => e.Action),
    ['create', 'destroy'],
  );
});

test('the log rotates past its size limit and stays bounded; readers see both files', (t) => {
  const s = tmpStore(t);
  const big = 'x'.repeat(4000);
  const n = Math.ceil((MAX_BYTES * 1.5) / 4100);
  for (let i = 0; i < n; i++) recordEvent(s.paths.root, { Type: 'volume', Action: 'create', Actor: { ID: `v${i}`, Attributes: { pad: big } } });
  assert.ok(existsSync(`${logFile(s)}.1`), 'rotated');
  assert.ok(statSync(logFile(s)).size <= MAX_BYTES + 8192);
  const seen = readEvents(s, {}).map((e) => e.Actor.ID);
  assert.equal(seen.at(-1), `v${n - 1}`);
  assert.ok(seen.length > n / 2, 'the rotated file is read too');
  // in order: ids increase
  assert.deepEqual(
    seen.map((x) => Number(x.slice(1))),
    seen.map((x) => Number(x.slice(1))).sort((a, b) => a - b),
  );
});

test("filters follow Docker's: container by id or name prefix, image with or without tag, label, event, type", (t) => {
  const s = tmpStore(t);
  const r = s.paths.root;
  containerEvent(r, 'start', ctr('abc123', 'web', 'nginx:1.2', { tier: 'front' }));
  containerEvent(r, 'start', ctr('def456', 'db', 'postgres'));
  containerEvent(r, 'exec_create: sh -c ls', ctr('def456', 'db', 'postgres'), { execID: 'e1' });
  imageEvent(r, 'tag', 'sha256:1111', 'nginx:1.2');
  networkEvent(r, 'create', 'n1id', { name: 'backend', type: 'bridge' });
  volumeEvent(r, 'create', 'data');
  const ids = (f: string[]) => readEvents(s, { filters: parseEventFilterFlags(f) }).map((e) => `${e.Type}:${e.Action}:${e.Actor.ID}`);
  // As dockerd: a container filter passes only events whose ID or name matches, whatever their type.
  assert.deepEqual(ids(['container=web']), ['container:start:abc123']);
  assert.deepEqual(ids(['type=container', 'container=abc']), ['container:start:abc123']);
  assert.deepEqual(ids(['image=nginx']), ['container:start:abc123', 'image:tag:sha256:1111']);
  assert.deepEqual(ids(['label=tier=front']), ['container:start:abc123']);
  assert.deepEqual(ids(['label=tier']), ['container:start:abc123']);
  assert.deepEqual(ids(['event=exec_create']), ['container:exec_create: sh -c ls:def456']);
  assert.deepEqual(ids(['type=network', 'network=back']), ['network:create:n1id']);
  assert.deepEqual(ids(['type=volume', 'type=image']), ['image:tag:sha256:1111', 'volume:create:data']);
  assert.throws(() => parseEventFilterFlags(['bogus=1']), /invalid filter 'bogus'/);
  assert.throws(() => parseEventFilterFlags(['type=nope']), /invalid filter 'type=nope'/);
  assert.deepEqual(parseEventFiltersJson('{"type":{"container":true}}'), { type: ['container'] });
  assert.throws(() => parseEventFiltersJson('[1]'), /invalid filters/);
});

test('timestamps: Unix seconds with a fraction, RFC 3339, and durations before now', () => {
  assert.equal(parseTimestamp('1700000000'), 1700000000_000000000n);
  assert.equal(parseTimestamp('1700000000.5'), 1700000000_500000000n);
  assert.equal(parseTimestamp('2023-11-14T22:13:20Z'), 1700000000_000000000n);
  assert.equal(parseTimestamp('2023-11-14T22:13:20.000000123Z'), 1700000000_000000123n);
  assert.equal(parseTimestamp('2023-11-14T23:13:20+01:00'), 1700000000_000000000n);
  assert.equal(parseTimestamp('10m', 1700000600_000), 1700000000_000000000n);
  assert.equal(parseTimestamp('1h30m', 1700005400_000), 1700000000_000000000n);
  assert.throws(() => parseTimestamp('yesterday'), /invalid timestamp/);
});

test('since and until pick a window', (t) => {
  const s = tmpStore(t);
  volumeEvent(s.paths.root, 'create', 'a');
  const mid = readEvents(s, {})[0].timeNano + 1n;
  volumeEvent(s.paths.root, 'create', 'b');
  assert.deepEqual(
    readEvents(s, { since: mid }).map((e) => e.Actor.ID),
    ['b'],
  );
  assert.deepEqual(
    readEvents(s, { until: mid }).map((e) => e.Actor.ID),
    ['a'],
  );
});

test('follow: past events from since, then new ones as they are written, across a rotation', async (t) => {
  const s = tmpStore(t);
  volumeEvent(s.paths.root, 'create', 'old');
  const got: StoredEvent[] = [];
  let wake = () => {};
  const stream = streamEvents(s, { since: 0n, filters: { type: ['volume'] } }, (e) => {
    got.push(e);
    wake();
  });
  t.after(() => stream.close());
  const until = (n: number) => new Promise<void>((r) => (got.length >= n ? r() : (wake = () => got.length >= n && r())));
  await until(1);
  volumeEvent(s.paths.root, 'create', 'new1');
  networkEvent(s.paths.root, 'create', 'ignored', { name: 'x', type: 'bridge' });
  await until(2);
  // A rotation between writes: the follower drains the old file and goes on with the new one.
  const big = 'y'.repeat(60000);
  for (let i = 0; !existsSync(`${logFile(s)}.1`); i++)
    recordEvent(s.paths.root, { Type: 'network', Action: 'create', Actor: { ID: `n${i}`, Attributes: { pad: big } } });
  volumeEvent(s.paths.root, 'create', 'after-rotation');
  await until(3);
  stream.close();
  await stream.done;
  assert.deepEqual(
    got.map((e) => e.Actor.ID),
    ['old', 'new1', 'after-rotation'],
  );
});

test('a follow whose until has passed ends at once after the replay', async (t) => {
  const s = tmpStore(t);
  volumeEvent(s.paths.root, 'create', 'a');
  const got: string[] = [];
  const stream = streamEvents(s, { since: 0n, until: parseTimestamp('0s') }, (e) => got.push(e.Actor.ID));
  await stream.done;
  assert.deepEqual(got, ['a']);
});

test("the CLI's line is the docker CLI's: time, type, action, id, sorted attributes", () => {
  process.env.TZ = 'UTC';
  const ev = {
    Type: 'container',
    Action: 'die',
    Actor: { ID: 'c1', Attributes: { name: 'web', image: 'busybox', exitCode: '0' } },
    scope: 'local',
    time: 1700000000,
    timeNano: 1700000000_000001234n,
    raw: '',
  } as StoredEvent;
  // As docker events (CLI 28) prints it.
  assert.equal(eventText(ev), '2023-11-14T22:13:20.000001234Z container die c1 (exitCode=0, image=busybox, name=web)\n');
});
