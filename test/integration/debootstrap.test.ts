// A Debian base image from this machine's apt mirror (the one network source tests may use).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'debootstrap'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('debootstrap makes debian:bookworm, and a second time reuses the cached rootfs', { skip, timeout: 600_000 }, async () => {
  const first = await env.dl(['debootstrap', 'bookworm'], { timeoutMs: 600_000 });
  assert.equal(first.status, 0, first.stderr);
  const id = first.stdout.trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.match(await env.ok(['run', '--rm', 'debian:bookworm', 'cat', '/etc/debian_version']), /^12\./);
  assert.equal(await env.ok(['run', '--rm', 'debian:bookworm', 'sh', '-c', 'ls /var/lib/apt/lists | wc -l']), '0', 'apt lists are not shipped');
  const [img] = JSON.parse(await env.ok(['inspect', 'debian:bookworm']));
  assert.deepEqual(img.Config.Cmd, ['bash']);
  const again = await env.dl(['debootstrap', 'bookworm', 'debian:again']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /using the debootstrap rootfs cached/);
  assert.equal(again.stdout.trim(), id, 'the same rootfs gives the same image id');
  const bad = await env.dl(['debootstrap', '--bogus-suite']);
  assert.equal(bad.status, 1);
});
