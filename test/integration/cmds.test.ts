// Management forms, the smaller flags and Docker's exit codes and messages for
// small behaviours. Expected values were recorded from a real dockerd 20.10.24
// with the docker CLI 28 running the same commands.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, statSync, chownSync } from 'node:fs';
import { TestEnv, missingPrereq, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'lxc-attach', 'btrfs', 'script', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('management forms run the same commands', { skip }, async () => {
  const id = await env.ok(['container', 'run', '-d', '--name', 'm1', 'busybox', 'sleep', '1000']);
  assert.equal(await env.ok(['container', 'ls', '-q', '--no-trunc']), id);
  assert.equal(await env.ok(['container', 'list', '--format', '{{.Names}}']), 'm1');
  assert.equal(await env.ok(['container', 'inspect', '-f', '{{.Name}}', 'm1']), '/m1');
  // container inspect looks for containers only: Docker says "No such container: busybox", exit 1.
  assert.equal((await env.dl(['container', 'inspect', 'busybox'])).status, 1);
  assert.match(await env.ok(['image', 'ls']), /^REPOSITORY\s+TAG/);
  await env.ok(['image', 'tag', 'busybox', 'mine:1']);
  assert.match(await env.ok(['image', 'inspect', '-f', '{{.RepoTags}}', 'mine:1']), /mine:1/);
  await env.ok(['image', 'rm', 'mine:1']);
  assert.match(await env.ok(['container', 'exec', 'm1', 'echo', 'hi']), /^hi$/);
  assert.equal(await env.ok(['container', 'stop', '-t', '0', 'm1']), 'm1');
  assert.match(await env.ok(['container']), /Commands:[\s\S]*\bls\b[\s\S]*\bprune\b/);
  assert.match(await env.ok(['image']), /Commands:[\s\S]*\bls\b[\s\S]*\brm\b/);
  assert.match(await env.ok(['volume', 'list']), /DRIVER/);
  assert.match(await env.ok(['ps', '--help']), /Aliases: .*container ls/);
  await env.ok(['container', 'rm', 'm1']);
});

test('container prune: stopped ones only, --filter label and until, -f', { skip }, async () => {
  const keep = await env.ok(['create', '--name', 'p-keep', '-l', 'keep=1', 'busybox', 'true']);
  const gone = await env.ok(['create', '--name', 'p-gone', 'busybox', 'true']);
  await env.ok(['run', '-d', '--name', 'p-run', 'busybox', 'sleep', '1000']);
  // until= in the past matches nothing.
  assert.equal(await env.ok(['container', 'prune', '-f', '--filter', 'until=2000-01-01T00:00:00Z']), 'Total reclaimed space: 0B');
  // Docker's output: "Deleted Containers:\n<id>\n\nTotal reclaimed space: 0B".
  const out = await env.ok(['container', 'prune', '-f', '--filter', 'label!=keep']);
  assert.match(out, new RegExp(`^Deleted Containers:\\n${gone}\\n\\nTotal reclaimed space: `));
  assert.doesNotMatch(out, new RegExp(keep));
  assert.match(await env.ok(['ps', '-a', '--format', '{{.Names}}']), /p-run[\s\S]*|p-keep/);
  assert.equal((await env.dl(['container', 'prune', '-f', '--filter', 'bogus=1'])).status, 1);
  await env.ok(['container', 'prune', '-f', '--filter', 'label=keep=1']);
  assert.equal(await env.ok(['ps', '-a', '--format', '{{.Names}}']), 'p-run');
  await env.ok(['rm', '-f', 'p-run']);
});

test("Docker's exit codes: start of a running container, exec into a stopped one or as an unknown user, run -it without a terminal", { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'x1', 'busybox', 'sleep', '1000']);
  // docker start r1 (running): prints "r1", exit 0.
  assert.deepEqual(await env.dl(['start', 'x1']).then((r) => [r.status, r.stdout]), [0, 'x1\n']);
  // docker exec -u nobodyx: "unable to find user nobodyx: no matching entries in passwd file", exit 126.
  const u = await env.dl(['exec', '-u', 'nobodyx', 'x1', 'true']);
  assert.equal(u.status, 126);
  assert.match(u.stderr, /unable to find user nobodyx: no matching entries in passwd file/);
  await env.ok(['stop', '--timeout', '0', 'x1']);
  // docker exec into a stopped container: "Error response from daemon: Container <id> is not running", exit 1.
  const id = await env.ok(['inspect', '-f', '{{.Id}}', 'x1']);
  const s = await env.dl(['exec', 'x1', 'true']);
  assert.equal(s.status, 1);
  assert.match(s.stderr, new RegExp(`Container ${id} is not running`));
  // docker run -it with stdin from a file: "the input device is not a TTY", exit 1.
  const t = await env.dl(['run', '-it', 'busybox', 'true']);
  assert.equal(t.status, 1);
  assert.match(t.stderr, /the input device is not a TTY/);
  const e = await env.dl(['exec', '-it', 'x1', 'true']);
  assert.equal(e.status, 1);
  assert.match(e.stderr, /the input device is not a TTY/);
  // --time is the older name of --timeout; both together are a mistake.
  await env.ok(['start', 'x1']);
  assert.equal(await env.ok(['restart', '--time', '0', 'x1']), 'x1');
  assert.notEqual((await env.dl(['stop', '--time', '0', '-t', '0', 'x1'])).status, 0);
  await env.ok(['rm', '-f', 'x1']);
});

test('exec --env-file and --privileged; logs --details; a pipe closed under logs -f is quiet', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'e1', '--cap-drop', 'ALL', 'busybox', 'sleep', '1000']);
  const f = `${env.dir}/exec.env`;
  writeFileSync(f, '# comment\nA=1\nB=two words\n');
  assert.equal(await env.ok(['exec', '--env-file', f, '-e', 'A=3', 'e1', 'sh', '-c', 'echo $A/$B']), '3/two words');
  const capEff = async (...flags: string[]) => (await env.ok(['exec', ...flags, 'e1', 'grep', 'CapEff', '/proc/self/status'])).split(/\s+/)[1];
  assert.equal(await capEff(), '0000000000000000');
  assert.notEqual(await capEff('--privileged'), '0000000000000000');
  assert.equal((await env.dl(['exec', '--detach-keys', 'ctrl-', 'e1', 'true'])).status, 125);

  // docker logs --details: " hi" without attributes, "BAR=2,FOO=1,x=y hi" with --log-opt env=FOO,BAR --log-opt labels=x.
  await env.ok(['run', '--name', 'd1', 'busybox', 'echo', 'hi']);
  assert.equal((await env.dl(['logs', '--details', 'd1'])).stdout, ' hi\n');
  await env.ok([
    'run',
    '--name',
    'd2',
    '--log-opt',
    'env=FOO,BAR',
    '-e',
    'FOO=1',
    '-e',
    'BAR=2',
    '--log-opt',
    'labels=x',
    '-l',
    'x=y',
    'busybox',
    'echo',
    'hi',
  ]);
  assert.equal((await env.dl(['logs', '--details', 'd2'])).stdout, 'BAR=2,FOO=1,x=y hi\n');

  await env.ok(['run', '-d', '--name', 'chatty', 'busybox', 'sh', '-c', 'while true; do echo line; done']);
  const r = spawnSync('sh', ['-c', `node ${BIN} logs -f chatty | head -1; exit \${PIPESTATUS:-0}`], { env: env.env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.stdout, 'line\n');
  assert.doesNotMatch(r.stderr, /EPIPE|at .*\.js/);
  await env.ok(['rm', '-f', 'e1', 'd1', 'd2', 'chatty']);
});

test('ps --filter before|since|volume|network, ps -s; images --filter before|since|label; image prune --filter label', { skip }, async () => {
  await env.ok(['create', '--name', 'f1', '-v', 'fvol:/data', 'busybox', 'true']);
  await env.ok(['create', '--name', 'f2', '--network', 'none', 'busybox', 'true']);
  await env.ok(['create', '--name', 'f3', 'busybox', 'true']);
  const names = async (...filters: string[]) =>
    (await env.ok(['ps', '-a', '--filter', 'name=^f[123]$', ...filters.flatMap((x) => ['--filter', x]), '--format', '{{.Names}}']))
      .split('\n')
      .filter(Boolean)
      .sort();
  assert.deepEqual(await names('before=f2'), ['f1']);
  assert.deepEqual(await names('since=f2'), ['f3']);
  assert.deepEqual(await names('volume=fvol'), ['f1']);
  assert.deepEqual(await names('volume=/data'), ['f1']);
  assert.deepEqual(await names('network=none'), ['f2']);
  // Docker: "Error response from daemon: no such container nosuch", exit 1.
  const bad = await env.dl(['ps', '--filter', 'before=nosuch']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no such container nosuch/);
  // Docker's SIZE column: "0B (virtual 1.98MB)".
  assert.match(await env.ok(['ps', '-a', '-s', '--filter', 'name=f3']), /SIZE\n.*\d+(\.\d+)?k?B \(virtual \d/);
  await env.ok(['rm', 'f1', 'f2', 'f3']);

  const ctx = `${env.dir}/lbl`;
  mkdirSync(ctx, { recursive: true });
  writeFileSync(`${ctx}/Dockerfile`, 'FROM busybox\nLABEL team=a\nRUN echo 1 > /one\n');
  await env.ok(['build', '-q', '-t', 'lbl:1', ctx]);
  writeFileSync(`${ctx}/Dockerfile`, 'FROM busybox\nLABEL team=b\nRUN echo 2 > /two\n');
  await env.ok(['build', '-q', '-t', 'lbl:2', ctx]);
  const imgs = async (...filters: string[]) =>
    (await env.ok(['images', ...filters.flatMap((x) => ['--filter', x]), '--format', 'json']))
      .split('\n')
      .filter(Boolean)
      .map((l) => `${JSON.parse(l).Repository}:${JSON.parse(l).Tag}`)
      .sort();
  assert.deepEqual(await imgs('label=team=a'), ['lbl:1']);
  assert.deepEqual(await imgs('label=team'), ['lbl:1', 'lbl:2']);
  assert.deepEqual(await imgs('since=lbl:1'), ['lbl:2']);
  assert.ok((await imgs('before=lbl:2')).includes('lbl:1'));
  assert.ok(!(await imgs('before=lbl:2')).includes('lbl:2'));
  await env.ok(['image', 'prune', '-a', '-f', '--filter', 'label=team=a']);
  assert.deepEqual(await imgs('label=team'), ['lbl:2']);
  await env.ok(['rmi', 'lbl:2']);
});

test('cp -a keeps the container owner on the way out; without it the files are the caller’s (as the docker CLI)', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'c1', 'busybox', 'sh', '-c', 'echo x > /g; chown 77:88 /g; sleep 1000']);
  await new Promise((r) => setTimeout(r, 500));
  const out = `${env.dir}/cp`;
  mkdirSync(out, { recursive: true });
  await env.ok(['cp', 'c1:/g', `${out}/plain`]);
  await env.ok(['cp', '-a', 'c1:/g', `${out}/archive`]);
  // docker cp r1:/g g1 gives 0:0 for root's CLI.
  assert.deepEqual([statSync(`${out}/plain`).uid, statSync(`${out}/plain`).gid], [0, 0]);
  assert.deepEqual([statSync(`${out}/archive`).uid, statSync(`${out}/archive`).gid], [77, 88]);
  // Into a container the owner is kept (docker cp f1 r1:/f1 shows 1234:2345).
  writeFileSync(`${out}/in`, 'in\n');
  chownSync(`${out}/in`, 1234, 2345);
  await env.ok(['cp', `${out}/in`, 'c1:/in']);
  assert.match(await env.ok(['exec', 'c1', 'ls', '-ln', '/in']), /1234\s+2345/);
  await env.ok(['rm', '-f', 'c1']);
});

test('network create --ip-range and --aux-address shape the addresses; --ipv6 is refused with 125', { skip }, async () => {
  const subnet = env.freeSubnet();
  const base = subnet.split('/')[0].split('.').slice(0, 3).join('.');
  await env.ok([
    'network',
    'create',
    '--subnet',
    subnet,
    '--ip-range',
    `${base}.128/25`,
    '--aux-address',
    `host1=${base}.128`,
    '--aux-address',
    `host2=${base}.129`,
    'rnet',
  ]);
  const ipam = JSON.parse(await env.ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'rnet']));
  assert.equal(ipam[0].IPRange, `${base}.128/25`);
  assert.deepEqual(ipam[0].AuxiliaryAddresses, { host1: `${base}.128`, host2: `${base}.129` });
  await env.ok(['create', '--name', 'r1', '--network', 'rnet', 'busybox', 'sleep', '1000']);
  await env.ok(['start', 'r1']);
  const ip = await env.ok(['inspect', '-f', '{{.NetworkSettings.Networks.rnet.IPAddress}}', 'r1']);
  assert.equal(ip, `${base}.130`, 'the first address of the range that is not reserved');
  assert.equal((await env.dl(['network', 'create', '--subnet', env.freeSubnet(), '--ip-range', '192.0.2.0/28', 'bad'])).status, 1);
  const v6 = await env.dl(['network', 'create', '--ipv6', 'v6']);
  assert.equal(v6.status, 125);
  assert.match(v6.stderr, /--ipv6 is not supported/);
  await env.ok(['rm', '-f', 'r1']);
  await env.ok(['network', 'rm', 'rnet']);
});
