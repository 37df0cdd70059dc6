// snapshots/btrfs.ts on a real BTRFS store: subvolume create, snapshot and
// delete go through their ioctls (native/btrfs.node.c) with no `btrfs`
// program started, and keep the tool's rules where it falls back to it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import * as btrfs from '../../src/snapshots/btrfs.js';

const skip = missingPrereq({ tools: ['btrfs', 'strace'] });
const env = new TestEnv();
const btrfsJs = fileURLToPath(new URL('../../src/snapshots/btrfs.js', import.meta.url));
let base = '';
before(async () => {
  if (skip) return;
  await env.ok(['init']);
  base = join(env.root, 'tmp', 'btrfs-test');
  mkdirSync(base, { recursive: true });
});
after(async () => {
  if (base) for (const n of ['snap', 'ro', 'into/sub', 'sub']) await btrfs.remove(join(base, n)).catch(() => {});
  if (base) rmSync(base, { recursive: true, force: true });
  await env.cleanup();
});

test('create, snapshot (read-write and read-only) and delete start no btrfs program', { skip }, () => {
  // In a child node under strace: which programs it starts.
  const script = `
import * as b from ${JSON.stringify(btrfsJs)};
import { writeFileSync, readFileSync } from 'node:fs';
const base = ${JSON.stringify(base)};
await b.create(base + '/sub');
writeFileSync(base + '/sub/f', 'data');
await b.snapshot(base + '/sub', base + '/snap', { readonly: false });
await b.snapshot(base + '/sub', base + '/ro', { readonly: true });
let rofs = '';
try { writeFileSync(base + '/ro/g', 'x'); } catch (e) { rofs = e.code; }
console.log(JSON.stringify({ snap: readFileSync(base + '/snap/f', 'utf8'), sub: await b.isSubvolume(base + '/snap'), rofs }));
for (const n of ['snap', 'ro', 'sub']) await b.remove(base + '/' + n);
console.log(JSON.stringify({ gone: !(await b.isSubvolume(base + '/snap')) && !(await b.isSubvolume(base + '/ro')) && !(await b.isSubvolume(base + '/sub')) }));`;
  const log = join(env.dir, 'btrfs-strace.log');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=execve', '-o', log, process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [made, removed] = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(made, { snap: 'data', sub: true, rofs: 'EROFS' });
  assert.deepEqual(removed, { gone: true });
  const execs = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('execve('));
  rmSync(log, { force: true });
  assert.equal(execs.filter((l) => /btrfs"/.test(l)).length, 0, execs.join('\n'));
});

test('the tool’s rules stay: a snapshot into an existing directory lands under it; deleting a plain directory or nothing is a no-op', { skip }, async () => {
  await btrfs.create(join(base, 'sub'));
  mkdirSync(join(base, 'into'), { recursive: true });
  await btrfs.snapshot(join(base, 'sub'), join(base, 'into'), { readonly: false });
  assert.ok(await btrfs.isSubvolume(join(base, 'into', 'sub')));
  await btrfs.remove(join(base, 'into', 'sub'));
  assert.equal(existsSync(join(base, 'into', 'sub')), false);
  writeFileSync(join(base, 'into', 'keep'), 'x');
  await btrfs.remove(join(base, 'into')); // not a subvolume: left alone, as the tool-only code did
  assert.ok(existsSync(join(base, 'into', 'keep')));
  await btrfs.remove(join(base, 'missing'));
  await btrfs.remove(join(base, 'sub'));
  assert.equal(existsSync(join(base, 'sub')), false);
});
