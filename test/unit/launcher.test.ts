// bin/dockerlite's code caches: the build's `.cache`, and the `.warm` one
// that the first real, successful run of a bundle writes. Run on a copy of
// the launcher beside a stand-in bundle, so the real dist/ is not touched.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

/** A copy of the launcher whose `ps` bundle exits with $FAKE_EXIT after defining a few functions. */
function install(t: TestContext) {
  const root = mkdtempSync(join(tmpdir(), 'dl-launcher-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'bin'));
  mkdirSync(join(root, 'dist', 'cmd'), { recursive: true });
  copyFileSync(join(repo, 'bin', 'dockerlite'), join(root, 'bin', 'dockerlite'));
  copyFileSync(join(repo, 'bin', 'package.json'), join(root, 'bin', 'package.json'));
  writeFileSync(
    join(root, 'dist', 'cmd', 'ps.cjs'),
    'function used(n) { return n * 2; }\nfunction unused() { return 1; }\nif (used(2) !== 4) throw new Error();\nprocess.exitCode = Number(process.env.FAKE_EXIT || 0);\n',
  );
  const warm = join(root, 'dist', 'cmd', 'ps.cjs.warm');
  const ps = (args: string[] = [], env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(root, 'bin', 'dockerlite'), 'ps', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    assert.equal(r.stderr, '');
    return r.status;
  };
  return { warm, build: join(root, 'dist', 'cmd', 'ps.cjs.cache'), ps };
}

test('the first successful real run writes the warm cache, once', (t) => {
  const { warm, ps } = install(t);
  assert.equal(ps(['--help']), 0);
  assert.ok(!existsSync(warm), 'a --help run compiles little: it writes no warm cache');
  assert.equal(ps([], { FAKE_EXIT: '3' }), 3);
  assert.ok(!existsSync(warm), 'a failed run writes none');
  assert.equal(ps(), 0);
  assert.ok(existsSync(warm), 'written by the first successful run');
  const { ino, mtimeMs } = statSync(warm);
  assert.equal(ps(), 0);
  assert.deepEqual([statSync(warm).ino, statSync(warm).mtimeMs], [ino, mtimeMs], 'a warm cache that V8 accepts is kept');
});

test('a warm cache that V8 rejects is replaced; the build writes .cache only', (t) => {
  const { warm, build, ps } = install(t);
  writeFileSync(warm, 'not a code cache');
  assert.equal(ps(), 0, 'a rejected cache costs only the compile');
  assert.notEqual(readFileSync(warm, 'utf8'), 'not a code cache');
  rmSync(warm);
  assert.equal(ps(['--help'], { DOCKERLITE_WRITE_CODE_CACHE: '1' }), 0);
  assert.ok(existsSync(build) && !existsSync(warm), 'the build writes .cache');
});
