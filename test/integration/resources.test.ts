// Limits, mounts, volumes, privileges, managed /etc files, cp and export.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync, symlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/** One error line, no stack trace. */
function assertCleanError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0], /^dockerlite: error: /);
  assert.match(lines[0], pattern);
}

test('the memory limit kills a hog: exit 137 and OOMKilled', { skip }, async () => {
  const r = await env.dl(['run', '--name', 'hog', '-m', '16m', 'busybox', 'sh', '-c', 'x=0123456789abcdef; while true; do x=$x$x; done'], {
    timeoutMs: 60_000,
  });
  assert.equal(r.status, 137);
  const [doc] = JSON.parse(await env.ok(['inspect', 'hog']));
  assert.equal(doc.State.OOMKilled, true);
  assert.equal(doc.HostConfig.Memory, 16 * 1024 * 1024);
  await env.ok(['rm', 'hog']);
  // A container that exits normally under a limit was not OOM-killed.
  await env.ok(['run', '--name', 'calm', '-m', '64m', 'busybox', 'true']);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'calm']), 'false');
  await env.ok(['rm', 'calm']);
  // Only a child is killed and the main process goes on: Docker still reports OOMKilled.
  const child = await env.dl(
    ['run', '--name', 'parent', '-m', '16m', 'busybox', 'sh', '-c', 'sh -c "x=0123456789abcdef; while true; do x=\\$x\\$x; done"; echo survived; sleep 0.5'],
    {
      timeoutMs: 60_000,
    },
  );
  assert.equal(child.status, 0, child.stderr);
  assert.match(child.stdout, /survived/);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.OOMKilled}}', 'parent']), 'true');
  await env.ok(['rm', 'parent']);
});

test('the pids limit stops a fork bomb', { skip }, async () => {
  // The bomb forks until refused (then its shell gives up); the outer shell reads the count with builtins only.
  const r = await env.dl(
    [
      'run',
      '--rm',
      '--pids-limit',
      '20',
      'busybox',
      'sh',
      '-c',
      'sh -c "while :; do sleep 30 & done"; read cur < /sys/fs/cgroup/pids/pids.current; echo current=$cur',
    ],
    { timeoutMs: 60_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /can't fork/, 'forks were refused');
  const cur = Number(/current=(\d+)/.exec(r.stdout)?.[1]);
  assert.ok(cur <= 20 && cur >= 10, `the container holds at most 20 processes (${cur})`);
});

test('--cpus and -m are written to the cgroup', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--cpus', '0.5', '-m', '32m', 'busybox', 'sleep', '100']);
  const v1 = `/sys/fs/cgroup/cpu/lxc.payload.${id}/cpu.cfs_quota_us`;
  const v2 = `/sys/fs/cgroup/lxc.payload.${id}/cpu.max`;
  if (existsSync(v1)) assert.equal(readFileSync(v1, 'utf8').trim(), '50000');
  else assert.equal(readFileSync(v2, 'utf8').trim(), '50000 100000');
  await env.ok(['rm', '-f', id]);
});

test('bad limits and mounts get a clear error', { skip }, async () => {
  const mem = await env.dl(['run', '--rm', '-m', 'lots', 'busybox', 'true']);
  assert.equal(mem.status, 125);
  assertCleanError(mem.stderr, /invalid memory size 'lots'/);
  // -v makes a missing bind source, as Docker does; --mount refuses it (test/integration/mounts.test.ts)
  const src = await env.dl(['run', '--rm', '--mount', `type=bind,src=${env.dir}/missing,dst=/m`, 'busybox', 'true']);
  assert.equal(src.status, 125);
  assertCleanError(src.stderr, /bind source path does not exist/);
  const pol = await env.dl(['run', '--restart', 'sometimes', 'busybox', 'true']);
  assertCleanError(pol.stderr, /invalid restart policy/);
  const cap = await env.dl(['run', '--cap-add', 'FLY', 'busybox', 'true']);
  assertCleanError(cap.stderr, /unknown capability 'FLY'/);
  assert.equal(await env.ok(['ps', '-aq']), '', 'nothing was created');
});

test('a read-only rootfs refuses writes; --tmpfs gives a writable scratch', { skip }, async () => {
  const r = await env.dl(['run', '--rm', '--read-only', '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'touch /x; echo ok > /scratch/y && cat /scratch/y']);
  assert.match(r.stderr, /Read-only file system/);
  assert.equal(r.stdout, 'ok\n');
});

test('a ro bind mount refuses a write; a rw one shares files with the host', { skip }, async () => {
  const dir = `${env.dir}/shared`;
  mkdirSync(dir);
  writeFileSync(`${dir}/in`, 'from host\n');
  const ro = await env.dl(['run', '--rm', '-v', `${dir}:/data:ro`, 'busybox', 'sh', '-c', 'cat /data/in; echo x > /data/out']);
  assert.equal(ro.stdout, 'from host\n');
  assert.match(ro.stderr, /Read-only file system/);
  assert.notEqual(ro.status, 0);
  assert.equal(existsSync(`${dir}/out`), false);
  await env.ok(['run', '--rm', '-v', `${dir}:/data`, 'busybox', 'sh', '-c', 'echo back > /data/out']);
  assert.equal(readFileSync(`${dir}/out`, 'utf8'), 'back\n');
});

test('a volume keeps data across containers and cannot be removed while used', { skip }, async () => {
  await env.ok(['volume', 'create', 'keep']);
  assert.equal(spawnSync('btrfs', ['subvolume', 'show', `${env.root}/volumes/keep`]).status, 0, 'the volume is a BTRFS subvolume');
  await env.ok(['run', '--name', 'writer', '-v', 'keep:/data', 'busybox', 'sh', '-c', 'echo persisted > /data/f']);
  assert.equal(await env.ok(['run', '--rm', '-v', 'keep:/data:ro', 'busybox', 'cat', '/data/f']), 'persisted');
  const rm = await env.dl(['volume', 'rm', 'keep']);
  assert.equal(rm.status, 1);
  assertCleanError(rm.stderr, /volume keep is in use by container writer/);
  assert.match(await env.ok(['volume', 'ls']), /local\s+keep/);
  assert.equal(JSON.parse(await env.ok(['volume', 'inspect', 'keep']))[0].Mountpoint, `${env.root}/volumes/keep`);
  await env.ok(['rm', 'writer']);
  // An anonymous volume goes with its container on rm -v; prune takes unused anonymous ones.
  await env.ok(['run', '--name', 'anon', '-v', '/scratch', 'busybox', 'true']);
  const before = (await env.ok(['volume', 'ls', '-q'])).split('\n');
  assert.equal(before.length, 2);
  await env.ok(['rm', '-v', 'anon']);
  assert.deepEqual((await env.ok(['volume', 'ls', '-q'])).split('\n'), ['keep']);
  // prune asks first; "no" keeps the unused anonymous volume, "yes" takes it, and never a named one.
  await env.ok(['run', '--name', 'anon2', '-v', '/scratch', 'busybox', 'true']);
  await env.ok(['rm', 'anon2']);
  const asked = await env.dl(['volume', 'prune'], { input: 'n\n' });
  assert.match(asked.stderr, /Are you sure you want to continue\? \[y\/N\]/);
  assert.equal((await env.ok(['volume', 'ls', '-q'])).split('\n').length, 2);
  assert.match(await env.ok(['volume', 'prune'], { input: 'y\n' }), /^Deleted Volumes:\n[0-9a-f]{64}$/);
  assert.deepEqual((await env.ok(['volume', 'ls', '-q'])).split('\n'), ['keep']);
  await env.ok(['volume', 'rm', 'keep']);
  assert.equal(existsSync(`${env.root}/volumes/keep`), false);
});

test('capabilities: --cap-add, --cap-drop and --privileged', { skip }, async () => {
  const eff = async (...flags: string[]) =>
    BigInt('0x' + (await env.ok(['run', '--rm', ...flags, 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status | cut -f2'])));
  const base = await eff();
  const NET_ADMIN = 1n << 12n;
  const CHOWN = 1n << 0n;
  assert.equal(base & NET_ADMIN, 0n);
  assert.equal((await eff('--cap-add', 'NET_ADMIN')) & NET_ADMIN, NET_ADMIN);
  assert.equal((await eff('--cap-drop', 'chown')) & CHOWN, 0n);
  assert.equal(await eff('--cap-drop', 'ALL'), 0n);
  const priv = await eff('--privileged');
  assert.ok((priv & (1n << 21n)) !== 0n, 'privileged keeps CAP_SYS_ADMIN');
});

test("/etc/hostname, /etc/hosts and /etc/resolv.conf are dockerlite's, not the host's", { skip }, async () => {
  const out = await env.ok([
    'run',
    '--rm',
    '--hostname',
    'box1',
    '--add-host',
    'db:10.9.8.7',
    'busybox',
    'sh',
    '-c',
    'cat /etc/hostname; cat /etc/hosts; echo ---; cat /etc/resolv.conf',
  ]);
  const [hostname, rest] = [out.split('\n')[0], out.split('\n').slice(1).join('\n')];
  assert.equal(hostname, 'box1');
  assert.match(rest, /^127\.0\.0\.1\s+localhost$/m);
  assert.match(rest, /^10\.9\.8\.7\s+db$/m);
  assert.doesNotMatch(rest, /^nameserver 127\./m, 'no loopback resolver of the host');
  assert.notEqual(rest.split('---')[0], readFileSync('/etc/hosts', 'utf8'));
});

test('cp round trip, and a symlink in the container cannot lead cp outside it', { skip }, async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'box',
    'busybox',
    'sh',
    '-c',
    'mkdir -p /app/sub && echo inside > /app/sub/f && ln -s / /app/escape && ln -s /etc/passwd /app/pw && sleep 1000',
  ]);
  await new Promise((r) => setTimeout(r, 500));
  const out = `${env.dir}/out`;
  mkdirSync(out);
  await env.ok(['cp', 'box:/app', out]);
  assert.equal(readFileSync(`${out}/app/sub/f`, 'utf8'), 'inside\n');
  // Host -> container, into a directory and through the container's own symlink, which resolves inside it.
  writeFileSync(`${env.dir}/up.txt`, 'uploaded\n');
  await env.ok(['cp', `${env.dir}/up.txt`, 'box:/app/sub/']);
  assert.equal(await env.ok(['exec', 'box', 'cat', '/app/sub/up.txt']), 'uploaded');
  const hostTarget = `/tmp/dltest-escape-${env.id}.txt`;
  await env.ok(['cp', `${env.dir}/up.txt`, `box:/app/escape${hostTarget}`]);
  assert.equal(existsSync(hostTarget), false, 'nothing was written on the host');
  assert.equal(await env.ok(['exec', 'box', 'cat', hostTarget]), 'uploaded', 'it landed inside the container');
  // Container -> host through the symlink: the container's files, not the host's.
  await env.ok(['cp', 'box:/app/escape/etc/passwd', `${env.dir}/pw`]);
  assert.equal(
    readFileSync(`${env.dir}/pw`, 'utf8'),
    readFileSync(`${env.root}/containers/${await env.ok(['inspect', '-f', '{{.Id}}', 'box'])}/rootfs/etc/passwd`, 'utf8'),
  );
  // A symlink is copied as a link, never followed on the host.
  await env.ok(['cp', 'box:/app/pw', `${env.dir}/pwlink`]);
  assert.equal(spawnSync('readlink', [`${env.dir}/pwlink`], { encoding: 'utf8' }).stdout.trim(), '/etc/passwd');
  // A host-side symlink planted at the destination is not written through either.
  symlinkSync('/etc/hostname', `${env.dir}/trap`);
  await env.ok(['exec', 'box', 'sh', '-c', 'echo x > /tmp/trap']);
  const r = await env.dl(['cp', 'box:/tmp/trap', `${env.dir}/trap`]);
  assert.notEqual(readFileSync('/etc/hostname', 'utf8'), 'x\n');
  // Docker's CLI would follow the link; dockerlite refuses to write through it, with one clear line.
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^dockerlite: error: refusing to write through a symlink at /m);
  assert.equal(spawnSync('readlink', [`${env.dir}/trap`], { encoding: 'utf8' }).stdout.trim(), '/etc/hostname', 'the planted link is left as it was');
  // export: the whole rootfs as a tar.
  await env.ok(['export', '-o', `${env.dir}/box.tar`, 'box']);
  const list = spawnSync('tar', ['tf', `${env.dir}/box.tar`], { encoding: 'utf8' }).stdout;
  assert.match(list, /^app\/sub\/f$/m);
  assert.match(list, /^bin\/busybox$/m);
  await env.ok(['rm', '-f', 'box']);
});
