// dl-mon's exit file (store/containers.ts): what a reader accepts, and how it
// turns a running record into the exit before the monitor's hook records it.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { exitFor, freshState, readExitFile, readState, removeExitFile, toView, trueState } from '../../src/store/containers.js';
import type { ContainerRecord } from '../../src/store/types.js';
import { identify } from '../../src/sys/proc.js';

const ID = 'a'.repeat(64);
const T = '2026-12-02T11:20:36.108748137Z';

function tempStore(t: TestContext): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-exitfile-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'containers', ID), { recursive: true });
  return new Store({ root, loopFile: join(root, '..', 'unused.img'), loopSizeMB: 1, bridge: 'dl0', subnet: '10.0.0.0/24', pool: '10.1.0.0/16', debug: false });
}

test('only a whole, well-formed exit file is read', (t) => {
  const store = tempStore(t);
  const file = join(store.paths.container(ID), 'exit');
  assert.equal(readExitFile(store, ID), undefined, 'none');
  for (const bad of ['', '12 7', `12 7 ${T}`, `x 7 ${T}\n`, `12 7 2026-12-02T11:20:36Z\n`, `12 7 ${T}\nmore`]) {
    writeFileSync(file, bad);
    assert.equal(readExitFile(store, ID), undefined, JSON.stringify(bad));
  }
  writeFileSync(file, `12 137 ${T}\n`);
  assert.deepEqual(readExitFile(store, ID), { pid: 12, status: 137, finishedAt: T });
  removeExitFile(store, ID);
  assert.equal(readExitFile(store, ID), undefined);
  removeExitFile(store, ID); // none: no error
});

test('a running record reads as the exit its run’s exit file gives; another run’s file is ignored', async (t) => {
  const store = tempStore(t);
  // The record's "lxc-start" is this process, alive: without the file it reads as running.
  const me = identify(process.pid)!;
  const running = { ...freshState(), status: 'running' as const, pid: me.pid, pidStart: me.start, startedAt: T };
  writeFileSync(store.paths.containerState(ID), JSON.stringify(running));
  assert.equal((await readState(store, ID)).status, 'running');

  writeFileSync(join(store.paths.container(ID), 'exit'), `${me.pid + 1} 9 ${T}\n`);
  assert.equal((await readState(store, ID)).status, 'running', 'another run');

  writeFileSync(join(store.paths.container(ID), 'exit'), `${me.pid} 9 ${T}\n`);
  const s = await readState(store, ID);
  assert.deepEqual([s.status, s.exitCode, s.finishedAt, s.pid], ['exited', 9, T, 0]);

  // Only a running record: a paused one cannot have ended, an exited one is the truth.
  const exited = { ...running, status: 'exited' as const, exitCode: 2, finishedAt: '2026-12-02T11:20:37.000000000Z' };
  assert.deepEqual(trueState(exited, { pid: me.pid, status: 9, finishedAt: T }), exited);
  // What recovery of a killed monitor takes its real status and time from: this run's file only.
  assert.deepEqual(exitFor(running, { pid: me.pid, status: 9, finishedAt: T }), { pid: me.pid, status: 9, finishedAt: T });
  assert.equal(exitFor(running, { pid: me.pid + 1, status: 9, finishedAt: T }), undefined);
  assert.equal(exitFor(exited, { pid: me.pid, status: 9, finishedAt: T }), undefined);
});

test('a listing shows the exit file only while the record has no restart policy or memory limit (update may add them)', () => {
  const me = identify(process.pid)!;
  const disk = { ...freshState(), status: 'running' as const, pid: me.pid, pidStart: me.start, startedAt: T };
  const exit = { pid: me.pid, status: 3, finishedAt: T };
  const rec = (hostConfig: ContainerRecord['hostConfig']): ContainerRecord => ({
    id: ID,
    name: 'c',
    created: T,
    image: '',
    imageRef: 'busybox',
    layer: '',
    path: 'true',
    args: [],
    config: {},
    hostConfig,
  });
  assert.equal(toView({ rec: rec({}), disk, exit }).state.status, 'exited');
  assert.equal(toView({ rec: rec({ RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } }), disk, exit }).state.status, 'exited');
  assert.equal(toView({ rec: rec({ RestartPolicy: { Name: 'always', MaximumRetryCount: 0 } }), disk, exit }).state.status, 'running');
  assert.equal(toView({ rec: rec({ Memory: 1 << 26 }), disk, exit }).state.status, 'running');
});
