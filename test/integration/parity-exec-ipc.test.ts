// The last exec and IPC parity items of issue 12: exec's environment, its
// exit status and words for a command it cannot start, ExecIDs, a detached
// exec's status through the API, and /dev/shm under --ipc none|private|
// shareable (and host, and joining another's). Expected values come from the real Docker (docker.io 20.10
// daemon with its runc, docker CLI 28), run side by side on 2026-12-02;
// what Docker printed is quoted beside each check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';
import { httpRaw, serve, stop, type Served } from '../api/server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv', 'nsenter'] });
const env = new TestEnv();
let api: Served | undefined;
before(async () => {
  if (skip) return;
  await env.ok(['init']);
  await env.ok(['run', '-d', '--name', 'ex', '--network', 'none', '-e', 'FOO=bar', 'busybox', 'sleep', '1000']);
});
after(async () => {
  await stop(api);
  await env.cleanup();
});

test("exec's environment is Docker's: no container=lxc, its order, -e and -t", { skip }, async () => {
  const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'ex'])).trim();
  const host = id.slice(0, 12);
  // docker exec c1 env
  assert.deepEqual((await env.ok(['exec', 'ex', 'env'])).trim().split('\n'), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOSTNAME=${host}`,
    'FOO=bar',
    'HOME=/root',
  ]);
  // docker exec -t -e X=1 c1 env (lines end in \r\n under -t)
  assert.deepEqual((await env.ok(['exec', '-t', '-e', 'X=1', 'ex', 'env'])).replace(/\r/g, '').trim().split('\n'), [
    'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    `HOSTNAME=${host}`,
    'TERM=xterm',
    'FOO=bar',
    'X=1',
    'HOME=/root',
  ]);
  // docker exec -e PATH=/x:/bin -e HOSTNAME=h c1 env: replaced in place
  assert.deepEqual((await env.ok(['exec', '-e', 'PATH=/x:/bin', '-e', 'HOSTNAME=h', 'ex', 'env'])).trim().split('\n'), [
    'PATH=/x:/bin',
    'HOSTNAME=h',
    'FOO=bar',
    'HOME=/root',
  ]);
});

test('exec of a command that cannot start exits 126 with the runtime words Docker prints', { skip }, async () => {
  const cases: Array<[string, string]> = [
    // docker exec c1 nope; echo $? -> 126
    ['nope', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "nope": executable file not found in $PATH: unknown'],
    // docker exec c1 /etc/passwd -> 126
    ['/etc/passwd', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc/passwd": permission denied: unknown'],
    // docker exec c1 /etc -> 126
    ['/etc', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "/etc": permission denied: unknown'],
    // docker exec c1 ./nope -> 126
    ['./nope', 'OCI runtime exec failed: exec failed: unable to start container process: exec: "./nope": stat ./nope: no such file or directory: unknown'],
  ];
  for (const [cmd, words] of cases) {
    const r = await env.dl(['exec', 'ex', cmd]);
    assert.equal(r.status, 126, `${cmd}: ${r.stderr}`);
    assert.equal(r.stderr.trim(), `dockerlite: error: ${words}`);
  }
});

test('ExecIDs lists the running execs only, and is null once the container stops', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'ids', '--network', 'none', 'busybox', 'sleep', '1000']);
  const ids = async () => JSON.parse(await env.ok(['inspect', '-f', '{{json .ExecIDs}}', 'ids'])) as string[] | null;
  // docker inspect -f '{{json .ExecIDs}}' with no exec: null
  assert.equal(await ids(), null);
  // docker exec -d c1 sleep 30; docker exec -d c1 sh -c 'exit 3': only the sleep is listed
  await env.ok(['exec', '-d', 'ids', 'sleep', '1000']);
  await env.ok(['exec', '-d', 'ids', 'sh', '-c', 'exit 3']);
  // Both have started once `exec -d` returns; the short one ends at once.
  const listed = await eventually(async () => {
    const l = await ids();
    return l?.length === 1 ? l : undefined;
  }, 'one running exec');
  assert.match(listed![0], /^[a-f0-9]{64}$/);
  await env.ok(['stop', '-t', '1', 'ids']);
  assert.equal(await ids(), null);
  await env.ok(['start', 'ids']);
  assert.equal(await ids(), null, "an earlier run's execs are not listed");
  await env.ok(['rm', '-f', 'ids']);
});

test("the API's detached exec reports its real exit status once it ends", { skip }, async () => {
  api = await serve(env);
  const created = await httpRaw(api.sock, 'POST', '/containers/ex/exec', JSON.stringify({ Cmd: ['sh', '-c', 'sleep 1; exit 3'] }));
  assert.equal(created.status, 201, created.body);
  const id = (JSON.parse(created.body) as { Id: string }).Id;
  const started = await httpRaw(api.sock, 'POST', `/exec/${id}/start`, JSON.stringify({ Detach: true }));
  assert.equal(started.status, 200, started.body);
  const inspectExec = async () => JSON.parse((await httpRaw(api!.sock, 'GET', `/exec/${id}/json`)).body) as Record<string, unknown>;
  // dockerd right after start: "Running":true,"ExitCode":null, and the exec in the container's ExecIDs
  const first = await inspectExec();
  assert.equal(first.Running, true);
  assert.equal(first.ExitCode, null);
  assert.ok(((JSON.parse(await env.ok(['inspect', '-f', '{{json .ExecIDs}}', 'ex'])) as string[] | null) ?? []).includes(id));
  // dockerd after it ended: "Running":false,"ExitCode":3
  const last = await eventually(async () => {
    const e = await inspectExec();
    return e.Running === false ? e : undefined;
  }, 'the exec to end');
  assert.equal(last!.ExitCode, 3);
  assert.equal(JSON.parse(await env.ok(['inspect', '-f', '{{json .ExecIDs}}', 'ex'])), null);
});

test('/dev/shm under --ipc none, private and shareable is what Docker gives', { skip }, async () => {
  const see = async (mode: string) =>
    env.dl(['run', '--rm', '--network', 'none', '--ipc', mode, 'busybox', 'sh', '-c', 'ls -d /dev/shm; grep " /dev/shm " /proc/mounts']);
  // docker run --ipc none busybox ls -la /dev/shm: "ls: /dev/shm: No such file or directory", no shm in /proc/mounts
  const none = await see('none');
  assert.equal(none.status, 1);
  assert.match(none.stderr, /ls: \/dev\/shm: No such file or directory/);
  assert.equal(none.stdout, '');
  // --ipc private and shareable: "shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0"
  for (const mode of ['private', 'shareable']) {
    const r = await see(mode);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '/dev/shm\nshm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n');
  }
});

test("--ipc host binds the host's /dev/shm; only a shareable container's IPC can be joined", { skip }, async () => {
  // docker run --rm --ipc host busybox grep shm /proc/mounts: "tmpfs /dev/shm tmpfs rw,relatime,size=24683548k 0 0" (the host's)
  const host = await env.dl(['run', '--rm', '--network', 'none', '--ipc', 'host', 'busybox', 'grep', ' /dev/shm ', '/proc/mounts']);
  assert.equal(host.status, 0, host.stderr);
  const hostLine = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[1] === '/dev/shm');
  if (hostLine) assert.equal(host.stdout.trim().split(' ').slice(1, 3).join(' '), hostLine.split(' ').slice(1, 3).join(' '));
  assert.doesNotMatch(host.stdout, /size=65536k/);
  // docker run -d --name sh2 busybox sleep 100; docker run --rm --ipc container:sh2 busybox true -> 125:
  // docker: Error response from daemon: can't join IPC of container <id>: non-shareable IPC (hint: use IpcMode:shareable for the donor container)
  await env.ok(['run', '-d', '--name', 'donor', '--network', 'none', 'busybox', 'sleep', '1000']);
  const id = (await env.ok(['inspect', '-f', '{{.Id}}', 'donor'])).trim();
  const r = await env.dl(['run', '--rm', '--network', 'none', '--ipc', 'container:donor', 'busybox', 'true']);
  assert.equal(r.status, 125);
  assert.equal(
    r.stderr.trim(),
    `dockerlite: error: can't join IPC of container ${id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`,
  );
  await env.ok(['rm', '-f', 'donor']);
  await env.ok(['run', '-d', '--name', 'donor2', '--ipc', 'shareable', '--network', 'none', 'busybox', 'sleep', '1000']);
  const ok = await env.dl(['run', '--rm', '--network', 'none', '--ipc', 'container:donor2', 'busybox', 'true']);
  assert.equal(ok.status, 0, ok.stderr);
  await env.ok(['rm', '-f', 'donor2']);
});
