// containerNames (store/containers.ts): the names create and rename check a
// new name against, read from the records alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { containerNames } from '../../src/store/containers.js';

test('every recorded name with its id; a corrupt record by its id; a half-made one not at all', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'dl-names-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new Store({
    root,
    loopFile: join(root, '..', 'unused.img'),
    loopSizeMB: 1,
    bridge: 'dl0',
    subnet: '10.0.0.0/24',
    pool: '10.1.0.0/16',
    debug: false,
  });
  const [a, b, bad, half] = ['a', 'b', 'c', 'd'].map((x) => x.repeat(64));
  for (const id of [a, b, bad, half, '.tmp-scratch']) mkdirSync(store.paths.container(id), { recursive: true });
  const rec = (id: string, name: string) => ({
    id,
    name,
    created: '2026-12-02T14:00:00Z',
    image: 'f'.repeat(64),
    imageRef: 'busybox',
    layer: '',
    path: 'true',
    args: [],
    config: {},
    hostConfig: {},
  });
  writeFileSync(store.paths.containerConfig(a), JSON.stringify(rec(a, 'web')));
  writeFileSync(store.paths.containerConfig(b), JSON.stringify(rec(b, 'db')));
  writeFileSync(store.paths.containerConfig(bad), '{"id": 3');
  writeFileSync(join(store.paths.containers, '.tmp-scratch', 'config.json'), JSON.stringify(rec(half, 'scratch')));
  assert.deepEqual([...containerNames(store)].sort(), [
    [bad, bad],
    ['db', b],
    ['web', a],
  ]);
});
