// The container's process model, as Docker's: the command is pid 1, stdio
// are pipes that can be opened again, signals and groups behave as Docker's.
// Expected values were taken from Docker 20.10 (dockerd) with the docker CLI
// 28, running the same commands on a busybox image (noted per test).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-start', 'btrfs'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('the command is pid 1, and /proc/1/cmdline is the command', { skip }, async () => {
  // docker run --rm bb sh -c 'echo $$; cat /proc/1/cmdline|tr "\0" " "' -> "1", "sh -c ..."
  // (not the script's last command: busybox sh would exec it in place of itself)
  const script = 'echo $$; tr "\\0" " " < /proc/1/cmdline; echo';
  const out = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', script]);
  assert.deepEqual(out.split('\n'), ['1', `sh -c ${script}`]);
});

test("pid 1 ignores an unhandled TERM (kill -s TERM), and a KILL gives 137, as Docker's", { skip }, async () => {
  // docker run -d --name st bb sleep 100; docker kill -s TERM st; docker kill -s KILL st; docker wait st -> 137
  await env.ok(['run', '-d', '--name', 'termed', 'busybox', 'sleep', '300']);
  await env.ok(['kill', '-s', 'TERM', 'termed']);
  assert.equal(await env.ok(['running', 'termed']), 'Y');
  await env.ok(['kill', '-s', 'KILL', 'termed']);
  assert.equal(await env.ok(['wait', 'termed']), '137', 'ended by the KILL, not by the TERM (143)');
  await env.ok(['rm', 'termed']);
});

test('stop of sleep ends with 137 once the grace period is over', { skip }, async () => {
  // docker run -d --name st2 bb sleep 100; docker stop -t 1 st2; docker wait st2 -> 137
  await env.ok(['run', '-d', '--name', 'stopped', 'busybox', 'sleep', '300']);
  await env.ok(['stop', '-t', '1', 'stopped']);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.ExitCode}}', 'stopped']), '137');
  await env.ok(['rm', 'stopped']);
});

test('signals from inside to pid 1 behave as in Docker: no stray error', { skip }, async () => {
  // docker run --rm bb sh -c 'kill -9 $$; echo survived' -> "survived", 0 (the kernel shields a namespace's init)
  const r = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'kill -9 $$; echo survived']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'survived\n', '']);
  // docker run --rm bb sh -c 'kill -TERM 1; echo after' -> "after", 0, nothing on stderr
  const t = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'kill -TERM 1; echo after']);
  assert.deepEqual([t.status, t.stdout, t.stderr], [0, 'after\n', '']);
});

test('--init runs a reaping init as pid 1 in front of the command, and passes its status on', { skip }, async () => {
  // docker run --rm --init bb sh -c 'echo $$; cat /proc/1/cmdline' -> a pid other than 1, "/sbin/docker-init -- sh -c ..."
  const out = await env.ok(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'echo $$; tr "\\0" " " < /proc/1/cmdline']);
  const [pid, cmdline] = out.split('\n');
  assert.notEqual(pid, '1');
  assert.match(cmdline, / -- sh -c echo/);
  // docker run --rm --init bb sh -c 'sleep 100 & exit 5' -> 5, at once
  const r = await env.dl(['run', '--rm', '--init', 'busybox', 'sh', '-c', 'sleep 300 & exit 5']);
  assert.equal(r.status, 5);
});

test('stdio are pipes: /dev/stdout and /dev/stderr open again, attached, detached and in build steps; nothing else leaks', { skip }, async () => {
  // docker run --rm bb sh -c 'echo x > /dev/stdout; echo y > /dev/stderr; ls /proc/self/fd' -> x, 0 1 2 3 / y
  const r = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'echo x > /dev/stdout; echo y > /dev/stderr; ls /proc/self/fd | tr "\\n" " "']);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'x\n0 1 2 3 ', 'y\n']);
  await env.ok(['run', '-d', '--name', 'reopen', 'busybox', 'sh', '-c', 'echo x > /dev/stdout; echo y > /dev/stderr']);
  assert.equal(await env.ok(['wait', 'reopen']), '0');
  const logs = await env.dl(['logs', 'reopen']);
  assert.deepEqual([logs.stdout, logs.stderr], ['x\n', 'y\n']);
  await env.ok(['rm', 'reopen']);
  const ctx = mkdtempSync(join(tmpdir(), 'dl-pm-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN echo to-stdout > /dev/stdout && echo to-stderr > /dev/stderr\n');
    const b = await env.dl(['build', '-t', 'reopened', ctx]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout + b.stderr, /to-stdout[\s\S]*to-stderr/);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

test("supplementary groups come from the image's /etc/group, plus --group-add", { skip }, async () => {
  // An image whose /etc/group lists nobody in staff (50) and users (100), and root in wheel (10), as the Docker peer had.
  await env.ok(['run', '--name', 'grp', 'busybox', 'sh', '-c', 'echo staff:x:50:nobody >> /etc/group; echo users:x:100:nobody >> /etc/group']);
  await env.ok(['commit', 'grp', 'grouped']);
  await env.ok(['rm', 'grp']);
  const groups = (args: string[]) => env.ok(['run', '--rm', ...args, 'grouped', 'sh', '-c', 'grep ^Groups /proc/self/status | cut -f2']);
  // docker run --rm -u nobody bb sh -c 'grep Groups /proc/self/status' -> "50 100 65534"
  assert.equal(await groups(['-u', 'nobody']), '50 100 65534');
  // docker run --rm -u 65534 --group-add 4242 --group-add root bb ... -> "0 50 100 4242 65534"
  assert.equal(await groups(['-u', '65534', '--group-add', '4242', '--group-add', 'root']), '0 50 100 4242 65534');
  // docker run --rm bb2 (root, wheel:x:10:root) -> "0 10"
  assert.equal(await groups([]), '0 10');
  const bad = await env.dl(['run', '--rm', '--group-add', 'nosuchgroup', 'grouped', 'true']);
  assert.equal(bad.status, 125);
  await env.ok(['rmi', 'grouped']);
});

test('--network none has lo up with 127.0.0.1, in runs and build steps', { skip }, async () => {
  // docker run --rm --network none bb sh -c 'ip addr show lo | grep inet' -> "    inet 127.0.0.1/8 scope host lo"
  const out = await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'ip -4 addr show lo | grep inet']);
  assert.match(out, /inet 127\.0\.0\.1\/8 scope host lo/);
  const ctx = mkdtempSync(join(tmpdir(), 'dl-pm-'));
  try {
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN ip -4 addr show lo | grep "inet 127.0.0.1"\n');
    const b = await env.dl(['build', ctx]);
    assert.equal(b.status, 0, b.stderr);
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
});

test('/dev/shm (64 MB, --shm-size), /dev/mqueue and /.dockerenv exist; no container=lxc; --network host has the host name', { skip }, async () => {
  // docker run --rm bb grep -E "shm|mqueue" /proc/mounts ->
  //   mqueue /dev/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0
  //   shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0
  const mounts = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep -E " /dev/(shm|mqueue) " /proc/mounts']);
  assert.match(mounts, /^\S+ \/dev\/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0$/m);
  assert.match(mounts, /^mqueue \/dev\/mqueue mqueue rw,nosuid,nodev,noexec,relatime 0 0$/m);
  // docker run --rm --shm-size 8m bb df -k /dev/shm -> 8192 blocks
  assert.match(await env.ok(['run', '--rm', '--shm-size', '8m', 'busybox', 'df', '-k', '/dev/shm']), /\s8192\s/);
  // docker run --rm bb sh -c 'ls /.dockerenv; env' -> /.dockerenv, and no "container" variable
  const out = await env.ok(['run', '--name', 'envd', 'busybox', 'sh', '-c', 'ls /.dockerenv && env']);
  assert.match(out, /^\/\.dockerenv$/m);
  assert.doesNotMatch(out, /^container=/m);
  assert.doesNotMatch(await env.ok(['diff', 'envd']), /dockerenv/, '/.dockerenv is not a change of the container');
  await env.ok(['rm', 'envd']);
  assert.equal(await env.ok(['run', '--rm', '-e', 'container=mine', 'busybox', 'sh', '-c', 'echo $container']), 'mine');
  // docker run --rm --network host bb hostname -> the host's name
  assert.equal(await env.ok(['run', '--rm', '--network', 'host', 'busybox', 'hostname']), hostname());
});
