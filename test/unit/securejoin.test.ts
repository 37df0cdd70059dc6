import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveInRoot, cleanRelative } from '../../src/oci/securejoin.js';
import { InvalidArgument } from '../../src/errors.js';

test('symlinks resolve inside the root, never out of it', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sj-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  symlinkSync('/etc', join(root, 'abs'));
  symlinkSync('../../../../..', join(root, 'usr/up'));
  symlinkSync('lib', join(root, 'usr/rel'));
  symlinkSync('loop', join(root, 'loop'));
  assert.equal(await resolveInRoot(root, '/abs/passwd'), join(root, 'etc/passwd'));
  assert.equal(await resolveInRoot(root, 'usr/up/etc/shadow'), join(root, 'etc/shadow'));
  assert.equal(await resolveInRoot(root, '../../../etc'), join(root, 'etc'));
  assert.equal(await resolveInRoot(root, 'usr/rel/x'), join(root, 'usr/lib/x'));
  assert.equal(await resolveInRoot(root, 'abs', false), join(root, 'abs'), 'final link kept when not following');
  assert.equal(await resolveInRoot(root, 'missing/../../x'), join(root, 'x'));
  await assert.rejects(resolveInRoot(root, 'loop/x'), InvalidArgument);
});

test('cleanRelative refuses to climb above the root', () => {
  assert.equal(cleanRelative('./a/b/../c/'), 'a/c');
  assert.equal(cleanRelative('/abs/path'), 'abs/path');
  assert.throws(() => cleanRelative('../etc/passwd'), InvalidArgument);
  assert.throws(() => cleanRelative('a/../../b'), InvalidArgument);
});
