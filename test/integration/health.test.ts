// Health checks, as Docker 20.10 runs them (expected values recorded from a
// real dockerd 20.10.24 + docker CLI 28 with the same flags): starting ->
// healthy / unhealthy, FailingStreak, the last 5 probes in State.Health.Log,
// the (healthy) suffix of ps's STATUS, ps --filter health=, the image's
// HEALTHCHECK, and the prober that ends with the container.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'lxc-attach', 'btrfs', 'script', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const health = async (name: string) => JSON.parse(await env.ok(['inspect', '-f', '{{json .State.Health}}', name]));
const status = async (name: string) => (await env.ok(['ps', '-a', '--filter', `name=^${name}$`, '--format', '{{.Status}}'])).trim();
/** Alive and not a zombie (a detached prober is reparented; its reaper may be slow). */
const alive = (pid: number) => {
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(st.slice(st.lastIndexOf(')') + 2).split(' ')[0]);
  } catch {
    return false;
  }
};
const proberPid = (id: string): number | undefined => {
  try {
    return JSON.parse(readFileSync(`${env.root}/containers/${id}/prober.json`, 'utf8')).pid;
  } catch {
    return undefined;
  }
};

test('a passing check: starting, then healthy with the probe in the log; ps shows it and filters on it', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'good', '--health-cmd', 'echo ok', '--health-interval', '1s', 'busybox', 'sleep', '1000']);
  // Docker: "Up Less than a second (health: starting)" until the first probe, one interval after the start.
  assert.match(await status('good'), /^Up .* \(health: starting\)$/);
  const cfg = JSON.parse(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'good']));
  // Docker 20.10 records only what was given: {"Test":["CMD-SHELL","echo ok"],"Interval":1000000000}
  assert.deepEqual(cfg, { Test: ['CMD-SHELL', 'echo ok'], Interval: 1000000000 });
  await eventually(async () => (await health('good')).Status === 'healthy', 'healthy', 30_000);
  const h = await health('good');
  assert.equal(h.FailingStreak, 0);
  assert.equal(h.Log[0].ExitCode, 0);
  assert.equal(h.Log[0].Output, 'ok\n');
  assert.match(h.Log[0].Start, /^\d{4}-\d\d-\d\dT/);
  assert.match(await status('good'), /^Up .* \(healthy\)$/);
  assert.equal(await env.ok(['ps', '--filter', 'health=healthy', '--format', '{{.Names}}']), 'good');
  assert.equal(await env.ok(['ps', '--filter', 'health=unhealthy', '--format', '{{.Names}}']), '');
  // Docker: "Error response from daemon: Unrecognised filter value for health: bogus", exit 1.
  const bad = await env.dl(['ps', '--filter', 'health=bogus']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /Unrecognised filter value for health: bogus/);

  // stop ends the prober; Docker then reads unhealthy, and a new start is "starting" again with the log kept.
  const id = await env.ok(['inspect', '-f', '{{.Id}}', 'good']);
  const pid = proberPid(id);
  assert.ok(pid && alive(pid), 'a prober runs beside the container');
  await env.ok(['stop', '-t', '1', 'good']);
  assert.equal(alive(pid), false, 'stop ended the prober');
  assert.equal((await health('good')).Status, 'unhealthy');
  await env.ok(['start', 'good']);
  const again = await health('good');
  assert.equal(again.Status, 'starting');
  assert.ok(again.Log.length >= 1);
  const pid2 = proberPid(id)!;
  await env.ok(['rm', '-f', 'good']);
  assert.equal(alive(pid2), false, 'rm -f ended the prober');
});

test('a failing check: retries, FailingStreak, at most 5 log entries, the timeout and the start period', { skip }, async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'bad',
    '--health-cmd',
    'echo hi; exit 1',
    '--health-interval',
    '200ms',
    '--health-retries',
    '2',
    'busybox',
    'sleep',
    '1000',
  ]);
  await env.ok([
    'run',
    '-d',
    '--name',
    'slow',
    '--health-cmd',
    'sleep 5',
    '--health-interval',
    '200ms',
    '--health-timeout',
    '500ms',
    '--health-retries',
    '1',
    'busybox',
    'sleep',
    '1000',
  ]);
  await env.ok([
    'run',
    '-d',
    '--name',
    'late',
    '--health-cmd',
    'exit 1',
    '--health-interval',
    '200ms',
    '--health-start-period',
    '1h',
    'busybox',
    'sleep',
    '1000',
  ]);
  await eventually(async () => (await health('bad')).Log.length === 5 && (await health('bad')).FailingStreak > 5, 'six failures', 60_000);
  const h = await health('bad');
  // Docker: {"Status":"unhealthy","FailingStreak":7,"Log":[…5 entries… {"ExitCode":1,"Output":"hi\n"}]}
  assert.equal(h.Status, 'unhealthy');
  assert.equal(h.Log.length, 5);
  assert.deepEqual(
    h.Log.map((l: { ExitCode: number; Output: string }) => [l.ExitCode, l.Output]),
    Array(5).fill([1, 'hi\n']),
  );
  assert.match(await status('bad'), /^Up .* \(unhealthy\)$/);
  await eventually(async () => (await health('slow')).Status === 'unhealthy', 'the timeout', 60_000);
  // Docker: {"ExitCode":-1,"Output":"Health check exceeded timeout (500ms)"}
  const s = (await health('slow')).Log[0];
  assert.equal(s.ExitCode, -1);
  assert.equal(s.Output, 'Health check exceeded timeout (500ms)');
  // Within the start period failures do not count: Docker shows "starting" with FailingStreak 0 and the failures logged.
  await eventually(async () => (await health('late')).Log.length >= 2, 'two probes', 60_000);
  const l = await health('late');
  assert.equal(l.Status, 'starting');
  assert.equal(l.FailingStreak, 0);
  assert.equal(await env.ok(['ps', '--filter', 'health=starting', '--format', '{{.Names}}']), 'late');
  await env.ok(['rm', '-f', 'bad', 'slow', 'late']);
});

test("the image's HEALTHCHECK runs; --no-healthcheck turns it off; the flags are checked as Docker checks them", { skip }, async () => {
  const ctx = `${env.dir}/hc`;
  await import('node:fs/promises').then(async (fs) => {
    await fs.mkdir(ctx, { recursive: true });
    await fs.writeFile(`${ctx}/Dockerfile`, 'FROM busybox\nHEALTHCHECK --interval=300ms --retries=1 CMD ["/bin/sh", "-c", "exit 3"]\n');
  });
  await env.ok(['build', '-q', '-t', 'hcimg', ctx]);
  await env.ok(['run', '-d', '--name', 'img', 'hcimg', 'sleep', '1000']);
  await eventually(async () => (await health('img')).Status === 'unhealthy', 'unhealthy', 60_000);
  assert.equal((await health('img')).Log[0].ExitCode, 3); // Docker keeps other exit codes as they are
  // A flag overrides one setting and keeps the image's others (Docker merges them).
  await env.ok(['create', '--name', 'merged', '--health-retries', '5', 'hcimg']);
  const m = JSON.parse(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck}}', 'merged']));
  assert.deepEqual(m.Test, ['CMD', '/bin/sh', '-c', 'exit 3']);
  assert.equal(m.Retries, 5);
  assert.equal(m.Interval, 300_000_000);
  const id = await env.ok(['run', '-d', '--name', 'off', '--no-healthcheck', 'hcimg', 'sleep', '1000']);
  assert.equal(await env.ok(['inspect', '-f', '{{json .Config.Healthcheck.Test}}', 'off']), '["NONE"]');
  assert.equal(existsSync(`${env.root}/containers/${id}/prober.json`), false, 'no prober without a check');
  assert.doesNotMatch(await status('off'), /health/);
  assert.equal(await env.ok(['ps', '--filter', 'health=none', '--filter', 'name=off', '--format', '{{.Names}}']), 'off');
  // Docker's words and exit 125 for each.
  for (const [args, msg] of [
    [['--no-healthcheck', '--health-cmd', 'true'], /--no-healthcheck conflicts with --health-\* options/],
    [['--health-interval=-1s'], /--health-interval cannot be negative/],
    [['--health-interval', '10us'], /Interval in Healthcheck cannot be less than 1ms/],
    [['--health-retries=-1'], /--health-retries cannot be negative/],
  ] as const) {
    const r = await env.dl(['run', ...args, 'busybox', 'true']);
    assert.equal(r.status, 125, r.stderr);
    assert.match(r.stderr, msg);
  }
  await env.ok(['rm', '-f', 'img', 'off', 'merged']);
});
