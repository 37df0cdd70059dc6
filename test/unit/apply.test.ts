// Applying layers as an ordinary user: owners are our own, so no root is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync, lstatSync, readlinkSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyLayer } from '../../src/oci/apply.js';
import { writeTar, emptyHeader, type TarHeader, type WriteEntry } from '../../src/oci/tar.js';
import { InvalidArgument } from '../../src/errors.js';

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
const h = (name: string, type: TarHeader['type'], extra: Partial<TarHeader> = {}) => emptyHeader(name, type, { uid, gid, ...extra });
const file = (name: string, text: string, extra: Partial<TarHeader> = {}): WriteEntry => ({
  header: h(name, 'file', { size: Buffer.byteLength(text), ...extra }),
  body: Buffer.from(text),
});

function sandbox(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'apply-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const root = join(dir, 'rootfs');
  const outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  return { root, outside };
}

test('files, dirs, symlinks and hard links land with their modes and times', async (t) => {
  const { root } = sandbox(t);
  await applyLayer(
    writeTar([
      { header: h('etc', 'dir', { mode: 0o755, mtime: 1000 }) },
      file('etc/motd', 'hi\n', { mode: 0o640, mtime: 2000 }),
      { header: h('etc/link', 'symlink', { linkname: 'motd' }) },
      { header: h('etc/hard', 'link', { linkname: 'etc/motd' }) },
    ]),
    root,
  );
  assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), 'hi\n');
  assert.equal(lstatSync(join(root, 'etc/motd')).mode & 0o777, 0o640);
  assert.equal(lstatSync(join(root, 'etc/motd')).mtimeMs, 2000_000);
  assert.equal(lstatSync(join(root, 'etc')).mtimeMs, 1000_000, 'directory times are set after their children');
  assert.equal(readlinkSync(join(root, 'etc/link')), 'motd');
  assert.equal(lstatSync(join(root, 'etc/hard')).ino, lstatSync(join(root, 'etc/motd')).ino);
});

test('whiteouts delete lower files; opaque markers empty a directory of lower files only', async (t) => {
  const { root } = sandbox(t);
  mkdirSync(join(root, 'a/sub'), { recursive: true });
  writeFileSync(join(root, 'a/old1'), '1');
  writeFileSync(join(root, 'a/sub/old2'), '2');
  writeFileSync(join(root, 'gone'), 'x');
  mkdirSync(join(root, 'gonedir/x'), { recursive: true });
  await applyLayer(
    writeTar([
      { header: h('a', 'dir') },
      file('a/new', 'n'),
      { header: h('a/.wh..wh..opq', 'file') },
      { header: h('.wh.gone', 'file') },
      { header: h('.wh.gonedir', 'file') },
    ]),
    root,
  );
  assert.deepEqual(readdirSync(join(root, 'a')), ['new']);
  assert.equal(existsSync(join(root, 'gone')), false);
  assert.equal(existsSync(join(root, 'gonedir')), false);
});

test('hostile entries cannot write outside the rootfs', async (t) => {
  const { root, outside } = sandbox(t);
  // ../ paths are refused outright.
  await assert.rejects(applyLayer(writeTar([file('../escape', 'x')]), root), InvalidArgument);
  await assert.rejects(applyLayer(writeTar([file('a/../../escape', 'x')]), root), InvalidArgument);
  // A symlink to an absolute host path, then a write through it: lands inside the rootfs.
  await applyLayer(
    writeTar([
      { header: h('evil', 'symlink', { linkname: outside }) },
      file('evil/pwned', 'x'),
      { header: h('up', 'symlink', { linkname: '../../../../../../..' + outside }) },
      file('up/pwned2', 'x'),
    ]),
    root,
  );
  assert.deepEqual(readdirSync(outside), [], 'nothing was written outside');
  assert.equal(existsSync(join(root, outside, 'pwned')), true);
  // A file entry over a symlink replaces the link; it does not write through it.
  writeFileSync(join(outside, 'target'), 'original');
  await applyLayer(writeTar([{ header: h('t', 'symlink', { linkname: join(outside, 'target') }) }, file('t', 'replaced')]), root);
  assert.equal(readFileSync(join(outside, 'target'), 'utf8'), 'original');
  assert.equal(readFileSync(join(root, 't'), 'utf8'), 'replaced');
  // Hard links may only point at files in the rootfs.
  await assert.rejects(applyLayer(writeTar([{ header: h('hl', 'link', { linkname: '../../etc/passwd' }) }]), root), InvalidArgument);
  await assert.rejects(applyLayer(writeTar([{ header: h('hl', 'link', { linkname: 'does/not/exist' }) }]), root), InvalidArgument);
  // A hard link through an absolute symlink resolves inside the rootfs, not to the host file.
  await applyLayer(writeTar([{ header: h('hostdir', 'symlink', { linkname: outside }) }]), root);
  await assert.rejects(applyLayer(writeTar([{ header: h('hl2', 'link', { linkname: 'hostdir/target' }) }]), root), InvalidArgument);
});
