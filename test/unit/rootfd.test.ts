import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateInRoot } from '../../src/oci/rootfd.js';
import { InvalidArgument, NotFound } from '../../src/errors.js';

const openFds = () => readdirSync('/proc/self/fd').length;

function tree(t: { after: (fn: () => void) => void }) {
  const base = mkdtempSync(join(tmpdir(), 'rootfd-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'etc'), { recursive: true });
  mkdirSync(join(root, 'usr/lib'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, 'etc/passwd'), 'inside');
  writeFileSync(join(outside, 'passwd'), 'outside');
  symlinkSync('/etc', join(root, 'abs'));
  symlinkSync(outside, join(root, 'host')); // a link to the host's directory, as a container could make
  symlinkSync('../../../../..', join(root, 'usr/up'));
  symlinkSync('lib', join(root, 'usr/rel'));
  symlinkSync('loop', join(root, 'loop'));
  return { root, outside };
}

/** What a located path holds (the file read through the directory fd), then closed. */
function read(root: string, path: string, follow = true): string {
  const { dir, name } = locateInRoot(root, path, follow);
  try {
    return readFileSync(dir.at(name), 'utf8');
  } finally {
    dir.close();
  }
}

test('every symlink resolves inside the root, never out of it', (t) => {
  const { root } = tree(t);
  const before = openFds();
  assert.equal(read(root, '/abs/passwd'), 'inside');
  assert.equal(read(root, 'usr/up/etc/passwd'), 'inside');
  assert.equal(read(root, '../../../etc/passwd'), 'inside');
  assert.throws(() => read(root, '/host/passwd'), NotFound, 'the host path, looked up inside the root: not there');
  const { dir, name } = locateInRoot(root, 'usr/rel/x', true);
  assert.equal(name, 'x', 'a missing last component is fine');
  writeFileSync(dir.at(name), 'new');
  dir.close();
  assert.equal(readFileSync(join(root, 'usr/lib/x'), 'utf8'), 'new');
  const top = locateInRoot(root, '/', true);
  assert.equal(top.name, '.');
  top.dir.close();
  assert.throws(() => locateInRoot(root, 'missing/x', true), NotFound);
  assert.throws(() => locateInRoot(root, 'etc/passwd/x', true), InvalidArgument);
  assert.throws(() => locateInRoot(root, 'loop/x', true), InvalidArgument);
  assert.equal(openFds(), before, 'no directory fd is left open, on success or failure');
});

test('without followFinal the last component is the link itself', (t) => {
  const { root } = tree(t);
  const { dir, name } = locateInRoot(root, 'abs', false);
  assert.equal(name, 'abs');
  dir.close();
});

test('a directory swapped for a link to the host after the walk is not followed', (t) => {
  const { root, outside } = tree(t);
  const { dir, name } = locateInRoot(root, 'etc/passwd', true);
  // What a racing container does between our check and our use.
  renameSync(join(root, 'etc'), join(root, 'etc.old'));
  symlinkSync(outside, join(root, 'etc'));
  try {
    assert.equal(readFileSync(dir.at(name), 'utf8'), 'inside', 'the fd still holds the directory we walked');
    writeFileSync(dir.at('new'), 'x');
  } finally {
    dir.close();
  }
  assert.equal(existsSync(join(outside, 'new')), false);
  assert.equal(readFileSync(join(root, 'etc.old/new'), 'utf8'), 'x');
});
