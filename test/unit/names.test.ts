// containerNames and getContainer (store/containers.ts): the names create and
// rename check a new name against, and a lookup by name or id prefix, read
// from the records alone.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { containerNames, getContainer } from '../../src/store/containers.js';
import { Ambiguous, NotFound } from '../../src/errors.js';

function tempStore(t: TestContext): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-names-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new Store({ root, loopFile: join(root, '..', 'unused.img'), loopSizeMB: 1, bridge: 'dl0', subnet: '10.0.0.0/24', pool: '10.1.0.0/16', debug: false });
}

/** A container's directory with its config.json (id's directory unless dir is given). */
function record(store: Store, id: string, name: string, created = '2026-12-02T14:00:00Z', dir = store.paths.container(id)): void {
  mkdirSync(dir, { recursive: true });
  const rec = { id, name, created, image: 'f'.repeat(64), imageRef: 'busybox', layer: '', path: 'true', args: [], config: {}, hostConfig: {} };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(rec));
}

test('every recorded name with its id; a corrupt record by its id; a half-made one not at all', (t) => {
  const store = tempStore(t);
  const [a, b, bad, half] = ['a', 'b', 'c', 'd'].map((x) => x.repeat(64));
  record(store, a, 'web');
  record(store, b, 'db');
  record(store, half, 'scratch', undefined, join(store.paths.containers, '.tmp-scratch'));
  mkdirSync(store.paths.container(bad));
  writeFileSync(store.paths.containerConfig(bad), '{"id": 3');
  assert.deepEqual([...containerNames(store)].sort(), [
    [bad, bad],
    ['db', b],
    ['web', a],
  ]);
});

test('getContainer by id, name, unique prefix and LAST; an ambiguous prefix or no match is an error', async (t) => {
  const store = tempStore(t);
  // b0... is also the name of the first: a name wins over an id prefix, as in dockerd.
  const ids = ['a1' + '0'.repeat(62), 'a2' + '0'.repeat(62), 'b0' + '0'.repeat(62)];
  ['b0', 'two', 'three'].forEach((name, i) => record(store, ids[i], name, `2026-12-02T14:0${i}:00Z`));
  const idOf = async (q: string) => (await getContainer(store, q)).id;
  assert.equal(await idOf(ids[1]), ids[1]);
  assert.equal(await idOf('two'), ids[1]);
  assert.equal(await idOf('/two'), ids[1]);
  assert.equal(await idOf('a2'), ids[1]);
  assert.equal(await idOf('b0'), ids[0], 'the name, not the prefix of the third');
  assert.equal(await idOf('b00'), ids[2]);
  assert.equal(await idOf('LAST'), ids[2]);
  assert.equal((await getContainer(store, 'three')).state.status, 'created', 'the view has its state');
  await assert.rejects(
    getContainer(store, 'a'),
    (e: unknown) => e instanceof Ambiguous && /a10000000000 \(b0\), a20000000000 \(two\)/.test((e as Error).message),
  );
  await assert.rejects(getContainer(store, 'nope'), NotFound);
});
