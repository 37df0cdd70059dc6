// engine/build/cache.ts: a step's key is a hash of its parent's key and a
// descriptor of everything that decides its result (builder.ts builds the
// descriptors: RUN argv + build-arg env + network, COPY sources' digest +
// dest + chown/chmod + workdir). Entries are JSON files under buildcache/,
// a hit only while every layer they name is still in the store.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { cacheDir, cachedLayers, drop, listEntries, lookup, put, stepKey, type CacheEntry } from '../../src/engine/build/cache.js';
import { digestSources, selectSources } from '../../src/engine/build/context.js';

const HEX64 = /^[0-9a-f]{64}$/;

function tempStore(t: TestContext): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-bcache-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new Store({ root, loopFile: join(root, '..', 'unused.img'), loopSizeMB: 1, bridge: 'dl0', subnet: '10.0.0.0/24', pool: '10.1.0.0/16', debug: false });
}

/** A layer as the store holds it: the directory and its metadata file. */
function makeLayer(store: Store, key: string): void {
  mkdirSync(store.paths.layer(key), { recursive: true });
  writeFileSync(store.paths.layerMeta(key), '{}\n');
}

const runDescriptor = (argv: string[], argEnv: string[], network: string | null = null) => ['RUN', argv, argEnv, null, network];

test('the same parent and step give the same key, a 64-hex digest', () => {
  const k = stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1']));
  assert.match(k, HEX64);
  assert.equal(stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1'])), k);
});

test('any change in parent, instruction, build args or network changes the key', () => {
  const base = stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1']));
  const variants = {
    parent: stepKey('image:abd', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1'])),
    scratchParent: stepKey('scratch', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1'])),
    command: stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make all'], ['V=1'])),
    argValue: stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=2'])),
    argAdded: stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1', 'W=1'])),
    argNone: stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], [])),
    network: stepKey('image:abc', runDescriptor(['/bin/sh', '-c', 'make'], ['V=1'], 'none')),
    kind: stepKey('image:abc', ['COPY', ['/bin/sh', '-c', 'make'], ['V=1'], null, null]),
  };
  for (const [what, k] of Object.entries(variants)) assert.notEqual(k, base, what);
  assert.equal(new Set(Object.values(variants)).size, Object.keys(variants).length, 'all variants differ from each other too');
  // Argument boundaries count: ["a b"] is not ["a", "b"].
  assert.notEqual(stepKey('p', ['RUN', ['a b'], [], null, null]), stepKey('p', ['RUN', ['a', 'b'], [], null, null]));
});

test('keys chain: a change early in the build changes every later key', () => {
  const chain = (first: string) => {
    const k1 = stepKey('image:base', ['ENV', first]);
    const k2 = stepKey(k1, runDescriptor(['/bin/sh', '-c', 'true'], []));
    return stepKey(k2, ['WORKDIR', '/app']);
  };
  assert.equal(chain('A=1'), chain('A=1'));
  assert.notEqual(chain('A=1'), chain('A=2'));
});

test('a COPY key follows the copied files: content and mode change it', async (t) => {
  const ctx = mkdtempSync(join(tmpdir(), 'dl-bctx-'));
  t.after(() => rmSync(ctx, { recursive: true, force: true }));
  mkdirSync(join(ctx, 'src'));
  writeFileSync(join(ctx, 'src', 'main.js'), 'console.log(1)\n');
  const copyKey = async (dest = '/app/', chown: string | null = null) => {
    const items = await selectSources(ctx, 'src', null, 'build context');
    const parts = [['context', await digestSources(items, null, new Map())]];
    return stepKey('image:base', ['COPY', parts, dest, chown, null, null]);
  };
  const k = await copyKey();
  assert.equal(await copyKey(), k, 'unchanged files, same key');
  assert.notEqual(await copyKey('/srv/'), k, 'another destination');
  assert.notEqual(await copyKey('/app/', '1000:1000'), k, '--chown');
  writeFileSync(join(ctx, 'src', 'main.js'), 'console.log(2)\n');
  const k2 = await copyKey();
  assert.notEqual(k2, k, 'content');
  chmodSync(join(ctx, 'src', 'main.js'), 0o755);
  const k3 = await copyKey();
  assert.notEqual(k3, k2, 'mode');
  writeFileSync(join(ctx, 'src', 'extra.js'), '');
  assert.notEqual(await copyKey(), k3, 'an added file');
});

test('put then lookup returns the entry while its layers exist; a missing layer is a miss', async (t) => {
  const store = tempStore(t);
  makeLayer(store, 'L1');
  makeLayer(store, 'L2');
  const key = stepKey('image:base', ['RUN', ['true'], [], null, null]);
  const e: CacheEntry = {
    key,
    parent: 'image:base',
    created: '2024-01-01T00:00:00.000Z',
    step: 'RUN true',
    layer: 'L2',
    layers: ['L1', 'L2'],
    config: { architecture: 'amd64', os: 'linux' } as CacheEntry['config'],
  };
  assert.equal(await lookup(store, key), undefined, 'nothing before put');
  await put(store, e);
  assert.deepEqual(await lookup(store, key), e);
  assert.deepEqual(
    readdirSync(cacheDir(store)).filter((n) => n.startsWith('.')),
    [],
    'no temp file left',
  );
  assert.equal(await lookup(store, stepKey('image:base', ['RUN', ['false'], [], null, null])), undefined, 'another key misses');
  rmSync(store.paths.layerMeta('L1'));
  assert.equal(await lookup(store, key), undefined, 'layer metadata gone');
  makeLayer(store, 'L1');
  rmSync(store.paths.layer('L2'), { recursive: true });
  assert.equal(await lookup(store, key), undefined, 'layer directory gone');
});

test('a torn entry is a miss, not an error; drop removes an entry', async (t) => {
  const store = tempStore(t);
  makeLayer(store, 'L1');
  mkdirSync(cacheDir(store), { recursive: true });
  writeFileSync(join(cacheDir(store), 'torn.json'), '{"key":"torn","lay');
  assert.equal(await lookup(store, 'torn'), undefined);
  const e: CacheEntry = {
    key: 'k1',
    parent: 'scratch',
    created: '2024-01-01T00:00:00.000Z',
    step: 'ENV A=1',
    layers: ['L1'],
    config: {} as CacheEntry['config'],
  };
  await put(store, e);
  assert.deepEqual(
    (await listEntries(store)).map((x) => x.key),
    ['k1'],
    'listEntries skips the torn file',
  );
  await drop(store, 'k1');
  assert.equal(await lookup(store, 'k1'), undefined);
  await drop(store, 'k1'); // dropping again is not an error
});

test('cachedLayers is every layer any entry holds; an empty store holds none', async (t) => {
  const store = tempStore(t);
  assert.deepEqual(await cachedLayers(store), new Set());
  const cfg = {} as CacheEntry['config'];
  await put(store, { key: 'a', parent: 'scratch', created: '', step: 'x', layers: ['L1', 'L2'], config: cfg });
  await put(store, { key: 'b', parent: 'a', created: '', step: 'y', layers: ['L2', 'L3'], config: cfg });
  assert.deepEqual(await cachedLayers(store), new Set(['L1', 'L2', 'L3']));
  await drop(store, 'a');
  assert.deepEqual(await cachedLayers(store), new Set(['L2', 'L3']));
});
