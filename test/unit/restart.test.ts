// Restart-policy decisions and Docker's back-off, as the monitor applies them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, shouldRestart, FIRST_BACKOFF_MS, MAX_BACKOFF_MS } from '../../src/engine/container/restart.js';
import type { ContainerRecord, ContainerState } from '../../src/store/types.js';

const rec = (Name?: string, MaximumRetryCount = 0) =>
  ({ hostConfig: Name === undefined ? {} : { RestartPolicy: { Name, MaximumRetryCount } } }) as ContainerRecord;
const state = (extra: Partial<ContainerState> = {}): ContainerState => ({
  status: 'running',
  pid: 0,
  pidStart: 0,
  exitCode: 0,
  startedAt: '',
  finishedAt: '',
  ...extra,
});

test('no policy, or "no", never restarts', () => {
  for (const r of [rec(), rec(''), rec('no')]) for (const status of [0, 1, 137]) assert.equal(shouldRestart(r, state(), status), false);
});

test('always and unless-stopped restart on any exit, unless a stop was asked for', () => {
  for (const name of ['always', 'unless-stopped']) {
    assert.equal(shouldRestart(rec(name), state(), 0), true, `${name} after 0`);
    assert.equal(shouldRestart(rec(name), state(), 137), true, `${name} after 137`);
    assert.equal(shouldRestart(rec(name), state({ stopRequested: true }), 137), false, `${name} after stop`);
  }
});

test('on-failure restarts on non-zero only, up to its retry count', () => {
  assert.equal(shouldRestart(rec('on-failure'), state(), 0), false);
  assert.equal(shouldRestart(rec('on-failure'), state({ restartCount: 99 }), 1), true, 'no count: unlimited');
  assert.equal(shouldRestart(rec('on-failure', 3), state({ restartCount: 2 }), 1), true);
  assert.equal(shouldRestart(rec('on-failure', 3), state({ restartCount: 3 }), 1), false);
  assert.equal(shouldRestart(rec('on-failure', 3), state({ stopRequested: true }), 1), false);
  assert.equal(shouldRestart(rec('bogus'), state(), 1), false, 'an unknown policy does nothing');
});

test('back-off doubles from 100 ms to a minute, and starts over after a 10 s run', () => {
  let delay = FIRST_BACKOFF_MS;
  const waits: number[] = [];
  for (let i = 0; i < 12; i++) {
    const b = backoff(delay, 50);
    waits.push(b.wait);
    delay = b.next;
  }
  assert.deepEqual(waits, [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000]);
  assert.equal(delay, MAX_BACKOFF_MS);
  assert.deepEqual(backoff(delay, 10_000), { wait: 100, next: 200 }, 'a long run resets it');
  assert.deepEqual(backoff(delay, 9_999), { wait: 60000, next: 60000 });
});
