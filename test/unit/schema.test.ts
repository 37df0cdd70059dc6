import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arr, int, obj, opt, orNone, parseJsonWith, record, SchemaError, str } from '../../src/util/schema.js';
import { containerRecord, containerState, imageConfig, imageRecord, layerRecord, named, refs } from '../../src/store/schema.js';
import { readJson, readJsonOr, readJsonSyncOr } from '../../src/store/json.js';
import { CorruptState } from '../../src/errors.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const ID = 'ab'.repeat(32);
const cfg = (over: Record<string, unknown> = {}) => ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [D('a')] }, ...over });
const container = (over: Record<string, unknown> = {}) => ({
  id: ID,
  name: 'web',
  created: '2026-01-01T00:00:00Z',
  image: 'cd'.repeat(32),
  imageRef: 'busybox',
  layer: 'k',
  path: 'sh',
  args: ['-c', 'true'],
  config: { Env: ['A=1'], Cmd: ['sh'] },
  hostConfig: { Binds: [] },
  ...over,
});
const state = (over: Record<string, unknown> = {}) => ({
  status: 'exited',
  pid: 0,
  pidStart: 0,
  exitCode: 0,
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: '2026-01-01T00:00:01Z',
  ...over,
});

/** The SchemaError a schema throws for v, as "at: problem". */
function problem(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SchemaError, `expected SchemaError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('no error');
}

test('schema: combinators check types, name the path, keep unknown keys and drop absent optional ones', () => {
  const s = obj({ a: str, b: opt(int), c: arr(obj({ d: str })) });
  assert.deepEqual(s({ a: 'x', c: [{ d: 'y', extra: 1 }], keep: true }, ''), { a: 'x', c: [{ d: 'y', extra: 1 }], keep: true });
  assert.equal(
    problem(() => s({ a: 1, c: [] }, '')),
    'a: expected a string, got a number',
  );
  assert.equal(
    problem(() => s({ a: 'x', c: [{ d: 'y' }, { d: null }] }, '')),
    'c[1].d: expected a string, got null',
  );
  assert.equal(
    problem(() => s({ a: 'x', b: 1.5, c: [] }, '')),
    'b: expected an integer, got a number',
  );
  assert.equal(
    problem(() => s(null, '')),
    'expected an object, got null',
  );
  assert.equal(
    problem(() => s([], '')),
    'expected an object, got an array',
  );
  assert.ok(!('b' in s({ a: 'x', c: [] }, '')));
  assert.equal(orNone(str)(null, 'x'), undefined);
  assert.equal(
    problem(() => parseJsonWith('', str)),
    'empty, not JSON',
  );
  assert.equal(
    problem(() => parseJsonWith('{"a":', str)),
    'not valid JSON',
  );
  assert.equal(
    problem(() => parseJsonWith('null', s)),
    'expected an object, got null',
  );
});

test('schema: an image config with the null forms Docker writes reads them as absent; Entrypoint/Cmd null stay null', () => {
  const c = imageConfig(
    cfg({
      config: { Volumes: null, Env: null, Labels: null, ExposedPorts: null, Entrypoint: null, Cmd: ['sh'], OnBuild: null, Shell: null, Healthcheck: null },
      history: null,
      created: null,
    }),
    '',
  );
  assert.deepEqual(c.config, { Entrypoint: null, Cmd: ['sh'], OnBuild: null });
  assert.ok(!('history' in c) && !('created' in c));
  // Unknown keys (a newer Docker's, or ours) are kept.
  assert.equal(imageConfig(cfg({ container_config: { Hostname: 'x' }, docker_version: '20.10' }), '').docker_version, '20.10');
  assert.deepEqual(imageConfig(cfg({ config: { Volumes: { '/data': {} }, ExposedPorts: { '80/tcp': {} } } }), '').config?.Volumes, { '/data': {} });
});

test('schema: an image config of the wrong shape names what is wrong', () => {
  assert.match(
    problem(() => imageConfig(cfg({ rootfs: null }), '')),
    /^rootfs: expected an object, got null/,
  );
  assert.match(
    problem(() => imageConfig(cfg({ rootfs: { type: 'layers', diff_ids: ['sha256:../x'] } }), '')),
    /^rootfs\.diff_ids\[0\]: expected sha256:/,
  );
  assert.match(
    problem(() => imageConfig(cfg({ os: undefined }), '')),
    /^os: missing \(expected a string\)/,
  );
  assert.match(
    problem(() => imageConfig(cfg({ config: { Env: 'A=1' } }), '')),
    /^config\.Env: expected an array, got a string/,
  );
  assert.match(
    problem(() => imageConfig(cfg({ config: { Entrypoint: [1] } }), '')),
    /^config\.Entrypoint\[0\]: expected a string/,
  );
  assert.match(
    problem(() => imageConfig(cfg({ config: { Volumes: ['/data'] } }), '')),
    /^config\.Volumes: expected an object, got an array/,
  );
});

test('schema: image, layer and ref records', () => {
  const rec = { id: ID, created: 'now', config: cfg({ config: { Volumes: null } }), layers: ['k1'] };
  assert.deepEqual(imageRecord(rec, '').config.config, {});
  assert.equal(named(imageRecord, ID)(rec, '').id, ID);
  assert.match(
    problem(() => named(imageRecord, 'ef'.repeat(32))(rec, '')),
    /^id: is 'abab.*', but the file is named for efef/,
  );
  assert.match(
    problem(() => imageRecord({ ...rec, layers: 'k1' }, '')),
    /^layers: expected an array/,
  );
  assert.match(
    problem(() => imageRecord({ ...rec, id: '../../x' }, '')),
    /^id: expected a hex id/,
  );
  assert.deepEqual(layerRecord({ key: 'k', parent: null, created: 'now' }, ''), { key: 'k', parent: null, created: 'now' });
  assert.match(
    problem(() => layerRecord({ key: 'k', parent: null, created: 'now', blob: { digest: D('a'), size: 1, compression: 'lz4' } }, '')),
    /^blob\.compression: expected one of gzip, zstd, none/,
  );
  assert.deepEqual(refs({ 'docker.io/library/busybox:latest': ID }, ''), { 'docker.io/library/busybox:latest': ID });
  assert.match(
    problem(() => refs({ x: 1 }, '')),
    /^x: expected a string/,
  );
});

test('schema: container config.json and state.json', () => {
  const c = containerRecord(container({ config: { Env: null, Volumes: null, Cmd: null }, hostConfig: { Binds: null, Custom: 1 } }), '');
  assert.deepEqual(c.config, { Cmd: null });
  assert.deepEqual(c.hostConfig, { Custom: 1 });
  assert.match(
    problem(() => containerRecord(container({ args: null }), '')),
    /^args: expected an array, got null/,
  );
  assert.match(
    problem(() => containerRecord(container({ config: null }), '')),
    /^config: expected an object, got null/,
  );
  assert.match(
    problem(() => containerRecord(container({ name: 7 }), '')),
    /^name: expected a string/,
  );
  assert.equal(containerState(state(), '').status, 'exited');
  assert.match(
    problem(() => containerState(state({ status: 'zombie' }), '')),
    /^status: expected one of created, running/,
  );
  assert.match(
    problem(() => containerState(state({ pid: -1 }), '')),
    /^pid: expected a non-negative integer/,
  );
  assert.match(
    problem(() => containerState({ ...state(), pid: '12' }, '')),
    /^pid: expected an integer, got a string/,
  );
});

test('store/json: readers take a schema; garbage, empty, null and wrong shapes are CorruptState naming the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-schema-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const f = join(dir, 'state.json');
  for (const [text, why] of [
    ['garbage{', /state\.json: not valid JSON$/],
    ['', /state\.json: empty, not JSON$/],
    ['null', /state\.json: expected an object, got null$/],
    ['{"status":"running"}', /state\.json: pid: missing \(expected an integer\)$/],
  ] as const) {
    writeFileSync(f, text);
    await assert.rejects(
      readJson(f, containerState),
      (e: unknown) => e instanceof CorruptState && e.path === f && why.test(e.message) && /^corrupt state file /.test(e.message),
    );
    await assert.rejects(readJsonOr(f, containerState, null), CorruptState);
    assert.equal(readJsonSyncOr(f, containerState, 'fallback'), 'fallback');
  }
  assert.equal(await readJsonOr(join(dir, 'missing.json'), containerState, null), null);
  await assert.rejects(readJson(join(dir, 'missing.json'), containerState), { code: 'ENOENT' });
  writeFileSync(f, JSON.stringify(state()));
  assert.equal((await readJson(f, containerState)).finishedAt, '2026-01-01T00:00:01Z');
});

test('a value that needs no normalising is returned as it is; one that does is copied, the input left alone', () => {
  const s = obj({ a: str, n: orNone(str), list: arr(obj({ x: int, y: orNone(int) })), m: opt(record(obj({ y: orNone(int) }))) });
  const clean = { a: 'x', list: [{ x: 1 }], m: { k: { y: 1 } }, extra: true };
  assert.equal(s(clean, ''), clean);
  const input = { a: 'x', n: null, list: [{ x: 1 }, { x: 2, y: null }], m: { k: { y: null }, j: { y: 2 } } };
  const copy = JSON.parse(JSON.stringify(input));
  const out = s(input, '');
  assert.deepEqual(out, { a: 'x', list: [{ x: 1 }, { x: 2 }], m: { k: {}, j: { y: 2 } } });
  assert.ok(!('n' in out) && !('y' in out.list[1]) && !('y' in out.m.k), 'null-as-none keys are left out');
  assert.equal(out.list[0], input.list[0], 'an unchanged element is shared');
  assert.deepEqual(input, copy, 'the input is not changed');
  // Paths still name the place, whatever order the same schema meets them in.
  assert.throws(() => s({ a: 'x', list: [{ x: 1 }, { x: 'no' }] }, ''), /^SchemaError: list\[1\]\.x: expected an integer/);
  assert.throws(() => s({ a: 'x', list: [{ x: 'no' }] }, 'top'), /^SchemaError: top\.list\[0\]\.x: expected an integer/);
});
