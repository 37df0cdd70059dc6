import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync, readFileSync, existsSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hidePlaceholders, mountTarget } from '../../src/engine/initfiles.js';

test('diff hides the empty placeholders of managed files, and /etc when only they changed it', () => {
  const empty = () => true;
  assert.deepEqual(hidePlaceholders([{ kind: 'C', path: '/etc' }, { kind: 'A', path: '/etc/hosts' }, { kind: 'A', path: '/etc/resolv.conf' }, { kind: 'A', path: '/greeting' }], empty), [{ kind: 'A', path: '/greeting' }]);
  const withMore = [{ kind: 'C', path: '/etc' }, { kind: 'A', path: '/etc/hosts' }, { kind: 'A', path: '/etc/motd' }] as const;
  assert.deepEqual(hidePlaceholders([...withMore], empty), [{ kind: 'C', path: '/etc' }, { kind: 'A', path: '/etc/motd' }], 'a real change in /etc keeps C /etc');
  assert.deepEqual(hidePlaceholders([{ kind: 'A', path: '/etc/hosts' }], () => false), [{ kind: 'A', path: '/etc/hosts' }], 'a non-empty file is the user\'s');
  assert.deepEqual(hidePlaceholders([{ kind: 'C', path: '/etc/hosts' }], empty), [{ kind: 'C', path: '/etc/hosts' }]);
});

test('mount targets follow symlinks inside the rootfs and make missing placeholders', async () => {
  const root = mkdtempSync(join(tmpdir(), 'dl-init-'));
  try {
    assert.equal(await mountTarget(root, '/etc/hosts'), 'etc/hosts');
    assert.equal(statSync(join(root, 'etc/hosts')).size, 0);
    writeFileSync(join(root, 'etc/hosts'), 'keep\n');
    assert.equal(await mountTarget(root, '/etc/hosts'), 'etc/hosts');
    assert.equal(readFileSync(join(root, 'etc/hosts'), 'utf8'), 'keep\n', 'an existing file is left alone');
    // Absolute links are resolved inside the rootfs, never on the host.
    mkdirSync(join(root, 'run/resolve'), { recursive: true });
    symlinkSync('/run/resolve/stub.conf', join(root, 'etc/resolv.conf'));
    assert.equal(await mountTarget(root, '/etc/resolv.conf'), 'run/resolve/stub.conf');
    assert.ok(existsSync(join(root, 'run/resolve/stub.conf')));
    symlinkSync('../../../../../../etc/passwd', join(root, 'etc/hostname'));
    assert.equal(await mountTarget(root, '/etc/hostname'), 'etc/passwd');
    mkdirSync(join(root, 'etc/dir.conf'));
    await assert.rejects(mountTarget(root, '/etc/dir.conf'), /not a regular file/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
