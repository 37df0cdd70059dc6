// store/lock.ts: locks serialise, a dead owner's lock is taken over, and a
// lock file left empty (an older dockerlite killed mid-write, a full disk)
// stops blocking within seconds instead of for the whole timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from '../../src/store/lock.js';
import { Conflict } from '../../src/errors.js';
import { identify } from '../../src/sys/proc.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'dl-lock-'));

test('holders of one lock never overlap, and leave no files behind', async () => {
  const dir = fresh();
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 20 }, () =>
      withLock(dir, 'names', async () => {
        most = Math.max(most, ++inside);
        await new Promise((r) => setTimeout(r, 2));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
  assert.deepEqual(readdirSync(dir), []);
  rmSync(dir, { recursive: true });
});

test('a lock whose owner is dead is taken over at once', async () => {
  const dir = fresh();
  writeFileSync(join(dir, 'refs.lock'), '999999999 12345\n');
  assert.equal(await withLock(dir, 'refs', async () => 'got it', 1_000), 'got it');
  rmSync(dir, { recursive: true });
});

test('a live owner keeps its lock until the timeout, with a Conflict', async () => {
  const dir = fresh();
  const me = identify(process.pid)!;
  writeFileSync(join(dir, 'layers.lock'), `${me.pid} ${me.start}\n`);
  await assert.rejects(
    withLock(dir, 'layers', async () => 'no', 300),
    Conflict,
  );
  rmSync(dir, { recursive: true });
});

test('an empty lock file counts as stale after a short grace, not after the whole timeout', async () => {
  const dir = fresh();
  const lock = join(dir, 'networks.lock');
  writeFileSync(lock, '');
  // Just written: it may be a lock being made this instant, so it holds...
  await assert.rejects(
    withLock(dir, 'networks', async () => 'no', 300),
    Conflict,
  );
  // ...but one left over (older than the grace) is taken.
  const old = new Date(Date.now() - 60_000);
  utimesSync(lock, old, old);
  const t0 = Date.now();
  assert.equal(await withLock(dir, 'networks', async () => 'taken', 5_000), 'taken');
  assert.ok(Date.now() - t0 < 2_000, `took ${Date.now() - t0} ms`);
  rmSync(dir, { recursive: true });
});
