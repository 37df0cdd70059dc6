// Containers that live on their own: the monitor, detached runs, logs, stop,
// restart policies, exec, pause, rename, wait, and recovery from a killed monitor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { identify } from '../../src/sys/proc.js';
import { TestEnv, missingPrereq, eventually, BIN, alive } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'lxc-attach', 'btrfs', 'script', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const state = (name: string) => env.ok(['inspect', '-f', '{{json .State}}', name]).then((s) => JSON.parse(s));
const stateFile = async (name: string) => {
  const id = await env.ok(['inspect', '-f', '{{.Id}}', name]);
  return JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, 'utf8'));
};

test('run -d prints the id at once; logs keep stdout and stderr apart, with -f while it writes', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--name', 'talker', 'busybox', 'sh', '-c', 'echo one; echo err1 >&2; sleep 1; echo two; sleep 1; echo three']);
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(await env.ok(['ps']), /Up .*talker/);
  // -f started while the container still writes: it gets every line and returns when the container stops.
  const follow = await env.dl(['logs', '-f', 'talker'], { timeoutMs: 30_000 });
  assert.equal(follow.status, 0);
  assert.equal(follow.stdout, 'one\ntwo\nthree\n');
  assert.equal(follow.stderr, 'err1\n');
  assert.equal((await state('talker')).Status, 'exited');
  assert.equal(await env.ok(['logs', '--tail', '1', 'talker']), 'three');
  const ts = await env.ok(['logs', '-t', 'talker']);
  assert.match(ts.split('\n')[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z one$/);
  assert.equal((await env.dl(['logs', '--since', '1h', 'talker'])).stdout, 'one\ntwo\nthree\n');
  assert.equal((await env.dl(['logs', '--until', '2000-01-01T00:00:00Z', 'talker'])).stdout, '');
  const lines = readFileSync(`${env.root}/containers/${id}/log.jsonl`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.stream),
    ['stdout', 'stderr', 'stdout', 'stdout'],
  );
  // Logs survive a restart and go with the container.
  await env.ok(['start', '-a', 'talker']);
  assert.equal((await env.ok(['logs', 'talker'])).split('\n').filter((l) => l === 'one').length, 2);
  await env.ok(['rm', 'talker']);
  assert.equal(existsSync(`${env.root}/containers/${id}`), false);
});

test('stop reaches a shell that traps SIGTERM; restart and wait', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'trap', 'busybox', 'sh', '-c', 'trap "echo caught TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done']);
  await eventually(async () => (await env.ok(['logs', 'trap'])).includes('ready'), 'the trap to be set');
  const waiter = env.dl(['wait', 'trap'], { timeoutMs: 60_000 });
  await env.ok(['stop', 'trap']);
  const st = await state('trap');
  assert.equal(st.Status, 'exited');
  assert.equal(st.ExitCode, 7, 'the trap ran: not SIGKILL after the grace period');
  assert.match(await env.ok(['logs', 'trap']), /caught TERM/);
  assert.equal((await waiter).stdout, '7\n');
  await env.ok(['restart', 'trap']);
  assert.equal((await state('trap')).Status, 'running');
  // A process that ignores SIGTERM is killed after -t.
  await env.ok(['rm', '-f', 'trap']);
  await env.ok(['run', '-d', '--name', 'stubborn', 'busybox', 'sh', '-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done']);
  await eventually(async () => (await env.ok(['logs', 'stubborn'])).includes('ready'), 'the trap to be set');
  await env.ok(['stop', '-t', '1', 'stubborn']);
  assert.equal((await state('stubborn')).ExitCode, 137);
  await env.ok(['rm', 'stubborn']);
});

test('restart on-failure:3 restarts exactly three times', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'echo attempt; exit 3']);
  await eventually(
    async () => {
      const s = await stateFile('flaky');
      return s.status === 'exited' && !alive(s.monitorPid);
    },
    'the restarts to end',
    30_000,
  );
  const [doc] = JSON.parse(await env.ok(['inspect', 'flaky']));
  assert.equal(doc.RestartCount, 3);
  assert.equal(doc.State.ExitCode, 3);
  assert.equal((await env.ok(['logs', 'flaky'])).split('\n').length, 4, 'one first run and three restarts');
  assert.deepEqual(doc.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 3 });
  await env.ok(['rm', 'flaky']);
  // always: stop is final.
  await env.ok(['run', '-d', '--name', 'forever', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']);
  await eventually(async () => ((await stateFile('forever')).restartCount ?? 0) >= 2, 'two restarts');
  await env.ok(['stop', 'forever']);
  const s = await stateFile('forever');
  assert.equal(s.status, 'exited');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await stateFile('forever')).status, 'exited', 'stopped stays stopped');
  await env.ok(['rm', 'forever']);
});

test('exec sees the same processes as the container, with -e, -w, -u and the exit code', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'host', '-e', 'FROM_RUN=1', 'busybox', 'sh', '-c', 'sleep 1000']);
  const ps = await env.ok(['exec', 'host', 'ps', '-o', 'pid,args']);
  // As in Docker: the command is pid 1 (sh -c runs its last command in its own place).
  assert.match(ps, /^\s*1 sleep 1000$/m, 'the container main process is visible: same pid namespace');
  const out = await env.ok(['exec', '-e', 'X=y', '-w', '/tmp', '-u', 'nobody', 'host', 'sh', '-c', 'echo $FROM_RUN $X; pwd; id -u; hostname']);
  const hostname = await env.ok(['inspect', '-f', '{{.Config.Hostname}}', 'host']);
  assert.deepEqual(out.split('\n'), ['1 y', '/tmp', '65534', hostname]);
  // Same cgroup: top lists the container's cgroup, and an exec'd process is in it.
  await env.ok(['exec', '-d', 'host', 'sleep', '777']);
  await eventually(async () => /sleep 777/.test(await env.ok(['top', 'host'])), "the exec'd process in the container's cgroup");
  assert.equal((await env.dl(['exec', 'host', 'sh', '-c', 'exit 42'])).status, 42);
  // Docker 20.10 gives 126 for an exec whose command is missing (runc cannot start it).
  assert.equal((await env.dl(['exec', 'host', 'no-such-command'])).status, 126);
  assert.equal(await env.ok(['exec', '-i', 'host', 'tr', 'a-z', 'A-Z'], { input: 'via stdin\n' }), 'VIA STDIN');
  await env.ok(['exec', '-d', 'host', 'sh', '-c', 'echo detached > /tmp/d']);
  await eventually(async () => (await env.dl(['exec', 'host', 'cat', '/tmp/d'])).stdout === 'detached\n', 'the detached exec to write');
  const top = await env.ok(['top', 'host']);
  assert.match(top, /^UID\s+PID\s+PPID/);
  assert.match(top, /sleep 1000/);
  const stats = await env.ok(['stats', '--no-stream', 'host']);
  assert.match(stats, /CPU %.*MEM USAGE \/ LIMIT.*PIDS/);
  assert.match(stats, /host\s+\d+\.\d\d%/);
  await env.ok(['pause', 'host']);
  assert.equal((await state('host')).Status, 'paused');
  assert.match(await env.ok(['ps']), /\(Paused\).*host/);
  const ex = await env.dl(['exec', 'host', 'true']);
  assert.match(ex.stderr, /is paused/);
  await env.ok(['unpause', 'host']);
  await env.ok(['rename', 'host', 'renamed']);
  assert.match(await env.ok(['ps', '--filter', 'name=renamed', '--format', '{{.Names}} {{.State}}']), /^renamed running$/);
  await env.ok(['rm', '-f', 'renamed']);
});

test('faults: start of a running one, exec into a stopped one, an unknown signal', { skip }, async () => {
  // A shell that handles TERM: sleep as pid 1 would ignore it, as in Docker.
  await env.ok(['run', '-d', '--name', 'busy', 'busybox', 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 1; done']);
  // As docker: start of a running container prints its name and succeeds.
  const again = await env.dl(['start', 'busy']);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, 'busy\n');
  const sig = await env.dl(['kill', '-s', 'SIGWHAT', 'busy']);
  assert.match(sig.stderr, /invalid signal: SIGWHAT/);
  await env.ok(['kill', '-s', 'TERM', 'busy']);
  await eventually(async () => (await state('busy')).Status === 'exited', 'the container to exit');
  assert.equal((await state('busy')).ExitCode, 143);
  // docker CLI 28 + dockerd 20.10: exit 1, "Container <id> is not running".
  const ex = await env.dl(['exec', 'busy', 'true']);
  assert.equal(ex.status, 1);
  assert.match(ex.stderr, /^dockerlite: error: Container [0-9a-f]{64} is not running/);
  await env.ok(['rm', 'busy']);
});

test('a monitor killed with SIGKILL: the container goes with it, ps shows the truth, nothing is left', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '1000']);
  const s = await stateFile('orphan');
  assert.ok(alive(s.monitorPid) && alive(s.pid));
  process.kill(s.monitorPid, 'SIGKILL');
  await eventually(() => !alive(s.pid), 'lxc-execute to die with its monitor');
  const ps = await env.ok(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.Status}}']);
  assert.match(ps, /^Exited \(255\)/);
  const st = await state('orphan');
  assert.equal(st.Status, 'exited');
  assert.match(st.Error, /monitor was killed/);
  // Recovery removed its cgroups, and it starts again.
  const cg = readdirSync('/sys/fs/cgroup').flatMap((h) => {
    try {
      return readdirSync(`/sys/fs/cgroup/${h}`).filter((d) => d.includes(id));
    } catch {
      return [];
    }
  });
  assert.deepEqual(cg, []);
  await env.ok(['start', 'orphan']);
  assert.equal((await state('orphan')).Status, 'running');
  await env.ok(['rm', '-f', 'orphan']);
});

test('an attached run is logged too, and --rm removes it', { skip }, async () => {
  assert.equal(await env.ok(['run', '--name', 'att', 'busybox', 'echo', 'attached']), 'attached');
  assert.equal(await env.ok(['logs', 'att']), 'attached');
  await env.ok(['rm', 'att']);
  const r = await env.dl(['run', '--rm', '-d', 'busybox', 'true']);
  assert.equal(r.status, 0);
  const id = r.stdout.trim();
  await eventually(async () => !(await env.ok(['ps', '-aq', '--no-trunc'])).includes(id), 'the --rm container to be removed by its monitor');
  // Ctrl-C to an attached run (SIGINT to the CLI) reaches the container.
  const child = spawn(
    process.execPath,
    [BIN, 'run', '--rm', 'busybox', 'sh', '-c', 'trap "echo INT; exit 9" INT; echo ready; while true; do sleep 0.1; done'],
    { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b) => (out += b));
  const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  await eventually(() => out.includes('ready'), 'the trap');
  child.kill('SIGINT');
  assert.equal(await code, 9);
});

/** Hold a container's lock as a live process of ours would (store/lock.ts): the monitor's hook cannot record the exit meanwhile. */
function holdLock(id: string): () => void {
  const me = identify(process.pid)!;
  const lock = `${env.root}/locks/container-${id}.lock`;
  writeFileSync(lock, `${me.pid} ${me.start}\n`, { flag: 'wx' });
  return () => rmSync(lock, { force: true });
}

test('the exit shows at once from the monitor’s exit file while the hook is held; the record then agrees', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'sleep 0.5; exit 7']);
  const dir = `${env.root}/containers/${id}`;
  const release = holdLock(id);
  try {
    assert.equal(await env.ok(['wait', id]), '7');
    assert.equal(JSON.parse(readFileSync(`${dir}/state.json`, 'utf8')).status, 'running', 'the record waits for the hook');
    assert.ok(existsSync(`${dir}/exit`));
    const shown = await state(id);
    assert.deepEqual([shown.Status, shown.Running, shown.ExitCode, shown.Pid], ['exited', false, 7, 0]);
    assert.match(await env.ok(['ps', '-a', '--filter', `id=${id}`, '--format', '{{.Status}}']), /^Exited \(7\)/);
    release();
    await eventually(() => !existsSync(`${dir}/exit`), 'the hook recorded the exit');
    const rec = JSON.parse(readFileSync(`${dir}/state.json`, 'utf8'));
    assert.deepEqual([rec.status, rec.exitCode, rec.finishedAt], ['exited', 7, shown.FinishedAt], 'FinishedAt does not move');
  } finally {
    release();
    await env.dl(['rm', '-f', id]);
  }
});

test('rm right after wait waits for the monitor to finish recording; start right after wait runs again', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
  const dir = `${env.root}/containers/${id}`;
  const release = holdLock(id);
  try {
    assert.equal(await env.ok(['wait', id]), '3');
    const rm = env.dl(['rm', id], { timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(existsSync(dir), 'rm is waiting');
    release();
    const done = await rm;
    assert.equal(done.status, 0, done.stderr);
    assert.equal(existsSync(dir), false);
  } finally {
    release();
    await env.dl(['rm', '-f', id]);
  }
  const again = await env.ok(['create', '--network', 'none', 'busybox', 'sh', '-c', 'exit 4']);
  try {
    await env.ok(['start', again]);
    assert.equal(await env.ok(['wait', again]), '4');
    await env.ok(['start', again]); // its monitor may still be recording the first exit: start waits for it
    assert.equal(await env.ok(['wait', again]), '4');
    await eventually(() => !existsSync(`${env.root}/containers/${again}/exit`), 'the second exit recorded');
    assert.equal(JSON.parse(readFileSync(`${env.root}/containers/${again}/state.json`, 'utf8')).status, 'exited');
  } finally {
    await env.dl(['rm', '-f', again]);
  }
});
