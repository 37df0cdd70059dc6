// store/lock.ts: locks serialise, a dead owner's lock is taken over, and a
// lock file left empty (an older dockerlite killed mid-write, a full disk)
// stops blocking within seconds instead of for the whole timeout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readdirSync, utimesSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sweepLocks, withLock } from '../../src/store/lock.js';
import { removeAbandonedTemps } from '../../src/store/json.js';
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

test('sweepLocks removes what dead holders left and keeps what live ones hold', async () => {
  const dir = fresh();
  const me = identify(process.pid)!;
  const dead = { pid: 4_194_304, start: 1 }; // PID_MAX_LIMIT: never a live pid
  writeFileSync(join(dir, 'names.lock'), `${dead.pid} ${dead.start}\n`);
  writeFileSync(join(dir, 'refs.lock.steal'), `${dead.pid} ${dead.start}\n`);
  writeFileSync(join(dir, `layers.lock.${dead.pid}-${dead.start}.0123abcd`), `${dead.pid} ${dead.start}\n`);
  writeFileSync(join(dir, `blobs.lock.${dead.pid}.0123abcd`), `${dead.pid} ${dead.start}\n`); // an older name: pid only
  writeFileSync(join(dir, 'volumes.lock'), `${me.pid} ${me.start}\n`);
  writeFileSync(join(dir, `ports.lock.${me.pid}-${me.start}.0123abcd`), `${me.pid} ${me.start}\n`);
  await sweepLocks(dir);
  assert.deepEqual(readdirSync(dir).sort(), [`ports.lock.${me.pid}-${me.start}.0123abcd`, 'volumes.lock']);
  rmSync(dir, { recursive: true });
});

test('removeAbandonedTemps removes the temp files of dead writers only', async () => {
  const dir = fresh();
  const me = identify(process.pid)!;
  writeFileSync(join(dir, '.state.json.4194304-1-0123abcd.tmp'), '{');
  writeFileSync(join(dir, `.state.json.${me.pid}-${me.start}-0123abcd.tmp`), '{');
  writeFileSync(join(dir, '.old.json.89abcdef.tmp'), '{'); // no writer named: kept while recent
  writeFileSync(join(dir, '.older.json.89abcdef.tmp'), '{');
  utimesSync(join(dir, '.older.json.89abcdef.tmp'), new Date(0), new Date(0));
  writeFileSync(join(dir, 'state.json'), '{}');
  await removeAbandonedTemps(dir);
  assert.deepEqual(readdirSync(dir).sort(), [`.old.json.89abcdef.tmp`, `.state.json.${me.pid}-${me.start}-0123abcd.tmp`, 'state.json'].sort());
  rmSync(dir, { recursive: true });
});
