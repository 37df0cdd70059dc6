// The marks in active/ (store/containers.ts): a store's open reads the states
// of the containers a crash could have left abandoned, not of every container.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { freshState, listWatchedStates, writeState } from '../../src/store/containers.js';

function tempStore(t: TestContext, ids: string[]): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-active-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const id of ids) mkdirSync(join(root, 'containers', id), { recursive: true });
  return new Store({ root, loopFile: join(root, '..', 'unused.img'), loopSizeMB: 1, bridge: 'dl0', subnet: '10.0.0.0/24', pool: '10.1.0.0/16', debug: false });
}

const running = { ...freshState(), status: 'running' as const, pid: 1, monitorPid: 1 };
const marks = (s: Store) => (existsSync(s.paths.active) ? readdirSync(s.paths.active).sort() : []);

test('a state that a crash could abandon is marked before it is written; the mark goes with the exit', async (t) => {
  const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
  const store = tempStore(t, [a, b]);
  await writeState(store, a, freshState());
  assert.deepEqual(marks(store), [], 'created: nothing to watch');
  await writeState(store, a, { ...freshState(), starterPid: 1, starterStart: 1 });
  assert.deepEqual(marks(store), [a], 'a start under way');
  await writeState(store, a, running);
  await writeState(store, b, { ...running, status: 'paused' });
  assert.deepEqual(marks(store), [a, b]);
  await writeState(store, a, { ...freshState(), status: 'exited', exitCode: 0 });
  assert.deepEqual(marks(store), [b]);
});

test('an older store is read whole once and marked; then only the marked states are read', async (t) => {
  const [a, b, c] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  const store = tempStore(t, [a, b, c]);
  // As an older dockerlite left them: states, no marks.
  writeFileSync(store.paths.containerState(a), JSON.stringify(running));
  writeFileSync(store.paths.containerState(b), JSON.stringify({ ...freshState(), status: 'exited' }));
  assert.deepEqual(
    listWatchedStates(store)
      .map((x) => x.id)
      .sort(),
    [a, b, c],
    'the first pass reads them all',
  );
  assert.deepEqual(marks(store), ['.complete', a]);
  assert.deepEqual(
    listWatchedStates(store).map((x) => [x.id, x.disk.status]),
    [[a, 'running']],
  );
  // The mark of a removed container goes at the next pass.
  rmSync(store.paths.container(a), { recursive: true });
  assert.deepEqual(listWatchedStates(store), []);
  assert.deepEqual(marks(store), ['.complete']);
});
