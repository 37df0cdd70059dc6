// Hardening item 4: a default container cannot make namespaces (user
// namespaces above all: inside one a process holds every capability, sees
// netfilter and mounts tmpfs) nor mount, as Docker's default seccomp
// profile refuses them without CAP_SYS_ADMIN. --cap-add SYS_ADMIN,
// --security-opt seccomp=unconfined and --privileged let them through, as in
// Docker. Ordinary programs keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();

before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const run = (flags: string[], ...cmd: string[]) => env.dl(['run', '--rm', ...flags, 'busybox', ...cmd]);
/** busybox's message when a syscall is refused with EPERM, e.g. "unshare: unshare(0x10000000): Operation not permitted". */
const EPERM = /Operation not permitted/;

test('a default container cannot make namespaces or mount', { skip }, async () => {
  for (const args of [
    ['unshare', '-U', 'true'],
    ['unshare', '-Ur', 'true'],
    ['unshare', '-n', 'true'],
    ['unshare', '-m', 'true'],
  ]) {
    const r = await run([], ...args);
    assert.equal(r.status, 1, `${args.join(' ')}: exit 1, got ${r.status}\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, EPERM, args.join(' '));
  }
  const m = await run([], 'mount', '-t', 'tmpfs', 'none', '/mnt');
  assert.notEqual(m.status, 0, 'mount must fail');
  assert.match(m.stderr, /permission denied|Operation not permitted/i);
});

test('exec into a running container is filtered too', { skip }, async () => {
  const id = await env.ok(['run', '-d', 'busybox', 'sleep', '300']);
  try {
    const r = await env.dl(['exec', id, 'unshare', '-Ur', 'true']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, EPERM);
    assert.equal(await env.ok(['exec', id, 'echo', 'hi']), 'hi');
  } finally {
    await env.dl(['rm', '-f', id]);
  }
});

test('ordinary programs still run under the filter', { skip }, async () => {
  const r = await run([], 'sh', '-c', 'sleep 0.1 & wait; echo a | cat; ls / >/dev/null && echo ok');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'a\nok\n');
});

test('--security-opt seccomp=unconfined and --privileged let namespaces through', { skip }, async () => {
  for (const flags of [['--security-opt', 'seccomp=unconfined'], ['--privileged'], ['--cap-add', 'SYS_ADMIN']]) {
    const u = await run(flags, 'unshare', '-Ur', 'id', '-u');
    assert.equal(u.status, 0, `${flags.join(' ')}: unshare -Ur\n${u.stderr}`);
    assert.equal(u.stdout, '0\n');
  }
  // A network namespace needs CAP_SYS_ADMIN in the container's own user namespace as well (Docker alike).
  for (const flags of [['--privileged'], ['--cap-add', 'SYS_ADMIN']]) {
    const n = await run(flags, 'unshare', '-n', 'true');
    assert.equal(n.status, 0, `${flags.join(' ')}: unshare -n\n${n.stderr}`);
  }
  const n = await run(['--security-opt', 'seccomp=unconfined'], 'unshare', '-n', 'true');
  assert.equal(n.status, 1, 'unshare -n without CAP_SYS_ADMIN');
  assert.match(n.stderr, EPERM);
});

test('--security-opt is recorded, and unknown options are refused with 125', { skip }, async () => {
  const id = await env.ok(['create', '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges', 'busybox', 'true']);
  const hc = JSON.parse(await env.ok(['inspect', '--format', '{{json .HostConfig.SecurityOpt}}', id]));
  assert.deepEqual(hc, ['seccomp=unconfined', 'no-new-privileges']);
  await env.ok(['rm', id]);
  // A seccomp profile file that does not exist: Docker's own words, exit 125.
  const missing = await env.dl(['run', '--rm', '--security-opt', 'seccomp=/nonexistent/profile.json', 'busybox', 'true']);
  assert.equal(missing.status, 125, missing.stderr);
  assert.match(
    missing.stderr,
    /^dockerlite: error: opening seccomp profile \(\/nonexistent\/profile\.json\) failed: open \/nonexistent\/profile\.json: no such file or directory/m,
  );
  for (const bad of ['foo', 'label=disable']) {
    const r = await env.dl(['run', '--rm', '--security-opt', bad, 'busybox', 'true']);
    assert.equal(r.status, 125, `${bad}: ${r.stderr}`);
    assert.match(r.stderr, /^dockerlite: error: .*--security-opt/m);
  }
});

test('no-new-privileges sets the no_new_privs bit', { skip }, async () => {
  const off = await run([], 'grep', 'NoNewPrivs', '/proc/self/status');
  assert.match(off.stdout, /NoNewPrivs:\s+0/);
  const on = await run(['--security-opt', 'no-new-privileges'], 'grep', 'NoNewPrivs', '/proc/self/status');
  assert.match(on.stdout, /NoNewPrivs:\s+1/, on.stderr);
});
