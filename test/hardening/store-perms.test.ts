// Hardening item 5: the store is private to root, as /var/lib/docker, so a
// container's environment (-e DB_PASSWORD=...) cannot be read by another
// local user, neither from config.json or lxc.conf nor through dockerlite
// itself; containers running as a non-root user still work.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv'] });
const env = new TestEnv();
let id = '';

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  id = await env.ok(['run', '-d', '-e', 'DB_PASSWORD=s3cret', 'busybox', 'sleep', '300']);
});
after(async () => {
  if (id) await env.dl(['rm', '-f', id]);
  await env.cleanup();
});

/** Run as nobody (uid and gid 65534, no supplementary groups). */
function asNobody(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', ...argv], { env: env.env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8).padStart(4, '0');

test('nobody can read neither config.json nor lxc.conf, nor list the store', { skip }, () => {
  const dir = join(env.root, 'containers', id);
  for (const f of ['config.json', 'lxc.conf', 'state.json', 'log.jsonl']) {
    const r = asNobody(['cat', join(dir, f)]);
    assert.notEqual(r.status, 0, `nobody read ${f}`);
    assert.doesNotMatch(r.stdout, /s3cret/);
    assert.match(r.stderr, /Permission denied/);
  }
  assert.notEqual(asNobody(['ls', env.root]).status, 0, 'nobody listed the store');
});

test("dockerlite run by nobody says in one line that the store is root's", { skip }, () => {
  for (const args of [['inspect', id], ['ps', '-a'], ['images'], ['logs', id]]) {
    const r = asNobody([process.execPath, BIN, ...args]);
    assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
    assert.doesNotMatch(r.stdout, /s3cret/);
    assert.equal(r.stderr, `dockerlite: error: permission denied on the store ${env.root}: run dockerlite as root\n`, args[0]);
  }
});

test("the store has Docker's modes: 0710 to the containers, 0700 and 0600 elsewhere", { skip }, () => {
  assert.equal(mode(env.root), '0710');
  assert.equal(mode(env.loopFile), '0600');
  const c = join(env.root, 'containers');
  assert.equal(mode(c), '0710');
  assert.equal(mode(join(c, id)), '0710');
  for (const f of ['config.json', 'lxc.conf', 'state.json', 'network.json']) assert.equal(mode(join(c, id, f)), '0600', f);
  assert.equal(mode(join(c, id, 'log.jsonl')), '0640');
  // The files bind-mounted into the container stay readable by its users.
  for (const f of ['hosts', 'resolv.conf', 'hostname']) assert.equal(mode(join(c, id, f)), '0644', f);
  for (const name of readdirSync(env.root)) {
    if (name === 'containers') continue;
    const st = statSync(join(env.root, name));
    assert.equal(mode(join(env.root, name)), st.isDirectory() ? '0700' : '0600', name);
  }
});

test('a store an older dockerlite left open is made private when it is next opened', { skip }, async () => {
  chmodSync(env.root, 0o755);
  chmodSync(join(env.root, 'containers'), 0o755);
  chmodSync(join(env.root, 'images'), 0o755);
  chmodSync(join(env.root, 'refs.json'), 0o644);
  chmodSync(join(env.root, 'containers', id, 'config.json'), 0o644);
  writeFileSync(join(env.root, 'probe'), '');
  chmodSync(join(env.root, 'probe'), 0o644);
  await env.ok(['ps']);
  assert.equal(mode(env.root), '0710');
  assert.equal(mode(join(env.root, 'containers')), '0710');
  assert.equal(mode(join(env.root, 'images')), '0700');
  assert.equal(mode(join(env.root, 'refs.json')), '0600');
  assert.equal(mode(join(env.root, 'probe')), '0600');
  // Its containers' files are made private at their next start.
  await env.ok(['restart', '-t', '0', id]);
  assert.equal(mode(join(env.root, 'containers', id, 'config.json')), '0600');
});

test('containers running as a non-root user still work', { skip }, async () => {
  await env.ok(['volume', 'create', 'data']);
  const out = await env.ok([
    'run',
    '--rm',
    '-u',
    'nobody',
    '-w',
    '/tmp/w',
    '-v',
    'data:/data',
    'busybox',
    'sh',
    '-c',
    'id -u; pwd; grep -q localhost /etc/hosts && echo hosts; echo x > /tmp/f && cat /tmp/f',
  ]);
  assert.deepEqual(out.split('\n'), ['65534', '/tmp/w', 'hosts', 'x']);
  const long = await env.ok(['run', '-d', '-u', '65534:65534', 'busybox', 'sleep', '300']);
  try {
    assert.equal(await env.ok(['exec', '-u', 'nobody', long, 'sh', '-c', 'id -u; ls / >/dev/null && echo ok']), '65534\nok');
  } finally {
    await env.dl(['rm', '-f', long]);
  }
});
