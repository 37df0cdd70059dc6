// The LXC runtime: isolation, Docker's default privileges, signals, streams and run flags.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

test('the container has its own pid namespace and hostname', { skip }, async () => {
  const out = await env.ok(['run', '--rm', '--hostname', 'boxy', 'busybox', 'sh', '-c', 'hostname; echo $$; ps -o pid | wc -l']);
  const [h, pid, nprocs] = out.split('\n');
  assert.equal(h, 'boxy');
  assert.notEqual(h, hostname());
  assert.equal(pid, '1', 'the command is pid 1, as in Docker');
  assert.ok(Number(nprocs) <= 5, `only the container's processes are visible (${nprocs} lines)`);
  const noflag = await env.ok(['run', '--name', 'hn', 'busybox', 'hostname']);
  assert.equal(noflag, (await env.ok(['ps', '-aq', '--no-trunc'])).slice(0, 12), 'default hostname is the short id');
  await env.ok(['rm', 'hn']);
});

test("capabilities are Docker's default set; devices are allowlisted", { skip }, async () => {
  const caps = await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status | cut -f2']);
  assert.equal(caps, '00000000a80425fb');
  const r = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'mknod /tmp/sda b 8 0 && dd if=/tmp/sda of=/dev/null bs=512 count=1']);
  assert.notEqual(r.status, 0, 'a block device node cannot be read');
  assert.equal(await env.ok(['run', '--rm', 'busybox', 'sh', '-c', 'echo ok > /dev/null && head -c 4 /dev/zero | wc -c']), '4');
});

test('exit codes propagate; stdout and stderr stay apart; stdin is piped with -i', { skip }, async () => {
  const r = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 42']);
  assert.equal(r.status, 42);
  assert.equal(r.stdout, 'out\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal(await env.ok(['run', '--rm', '-i', 'busybox', 'tr', 'a-z', 'A-Z'], { input: 'piped text\n' }), 'PIPED TEXT');
  assert.equal(await env.ok(['run', '--rm', 'busybox', 'cat'], { input: 'ignored without -i' }), '');
});

test('the container ends when its main process does, as in Docker', { skip }, async () => {
  const t0 = Date.now();
  const r = await env.dl(['run', '--rm', 'busybox', 'sh', '-c', 'sleep 600 & exit 3'], { timeoutMs: 30_000 });
  assert.equal(r.status, 3);
  assert.ok(Date.now() - t0 < 20_000, 'the background sleep did not keep it alive');
});

test('SIGTERM to dockerlite run reaches the container', { skip }, async () => {
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--name', 'trapper', 'busybox', 'sh', '-c', 'trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done'],
    { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  await eventually(() => out.includes('ready'), 'the trap to be set');
  child.kill('SIGTERM');
  assert.equal(await code, 7);
  assert.match(out, /got TERM/);
  assert.match(await env.ok(['ps', '-a']), /Exited \(7\).*trapper/);
  await env.ok(['rm', 'trapper']);
});

test('kill, running and findpid act on a running container', { skip }, async () => {
  const child = spawn(process.execPath, [BIN, 'run', '--name', 'victim', 'busybox', 'sleep', '300'], { env: env.env, stdio: 'ignore' });
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  await eventually(async () => (await env.dl(['running', 'victim'])).stdout === 'Y\n', 'the container to run');
  const pid = Number(await env.ok(['findpid', 'victim']));
  const { readFileSync } = await import('node:fs');
  assert.match(readFileSync(`/proc/${pid}/status`, 'utf8'), /^NSpid:\s+\d+\s+1$/m, 'findpid gives the init, pid 1 inside');
  assert.match(await env.ok(['ps']), /Up .*victim/);
  const bad = await env.dl(['kill', '-s', 'SIGNOPE', 'victim']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /invalid signal: SIGNOPE/);
  await env.ok(['kill', 'victim']);
  assert.equal(await code, 137);
  const st = JSON.parse(await env.ok(['inspect', 'victim']))[0].State;
  assert.equal(st.Status, 'exited');
  assert.equal(st.ExitCode, 137);
  const again = await env.dl(['kill', 'victim']);
  assert.match(again.stderr, /is not running/);
  await env.ok(['rm', 'victim']);
});

test('-e, --env-file, -w, -u and --entrypoint', { skip }, async () => {
  const { writeFileSync } = await import('node:fs');
  const envFile = `${env.dir}/env.list`;
  writeFileSync(envFile, '# comment\nFROM_FILE=yes\nSHARED=file\n');
  const out = await env.ok([
    'run',
    '--rm',
    '--env-file',
    envFile,
    '-e',
    'SHARED=flag',
    '-e',
    'X=1',
    '-w',
    '/made/here',
    '-u',
    'nobody',
    'busybox',
    'sh',
    '-c',
    'echo $FROM_FILE $SHARED $X; pwd; id -u; id -g',
  ]);
  assert.deepEqual(out.split('\n'), ['yes flag 1', '/made/here', '65534', '65534']);
  assert.match(await env.ok(['run', '--rm', '-u', '33:100', 'busybox', 'id']), /^uid=33\(www-data\) gid=100\(users\)/);
  assert.equal(await env.ok(['run', '--rm', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']), 'from entrypoint');
  const nouser = await env.dl(['run', '--rm', '-u', 'ghost', 'busybox', 'true']);
  assert.equal(nouser.status, 125);
  assert.match(nouser.stderr, /unable to find user ghost/);
});

test('inspect shows the container as Docker does', { skip }, async () => {
  await env.ok(['create', '--name', 'insp', '-e', 'K=V', '--label', 'app=web', 'busybox', 'echo', 'hi']);
  const [doc] = JSON.parse(await env.ok(['inspect', 'insp']));
  assert.equal(doc.Name, '/insp');
  assert.equal(doc.Path, 'echo');
  assert.deepEqual(doc.Args, ['hi']);
  assert.equal(doc.State.Status, 'created');
  assert.ok(doc.Config.Env.includes('K=V'));
  assert.equal(doc.Config.Labels.app, 'web');
  assert.match(doc.Image, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await env.ok(['inspect', '-f', '{{.State.Status}} {{.Config.Hostname}}', 'insp']), `created ${doc.Id.slice(0, 12)}`);
  await env.ok(['rm', 'insp']);
});
