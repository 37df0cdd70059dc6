// Hardening item 12: logs rotate (--log-opt max-size/max-file, with a default
// cap), `logs` streams and `--tail` reads from the end in bounded memory, and
// an env value holding a newline or an edge blank reaches the container whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv', '/usr/bin/time'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const PAD = 'abcdefghijklmnopqrstuvwxyz0123456789';
const idOf = (name: string) => env.ok(['inspect', '-f', '{{.Id}}', name]);

/** `dockerlite logs ARGS` under /usr/bin/time: its stdout and its peak RSS in KiB. */
function logsWithRss(args: string[]): { stdout: string; status: number | null; rssKiB: number } {
  const out = join(env.dir, 'time.out');
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, BIN, 'logs', ...args], {
    env: env.env,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: 120_000,
  });
  return { stdout: r.stdout, status: r.status, rssKiB: Number(readFileSync(out, 'utf8').trim().split('\n').pop()) };
}

test('logs rotate at max-size, keep max-file files, and read back in order', { skip, timeout: 300_000 }, async () => {
  await env.ok(['run', '--name', 'rot', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', `seq 1 200000 | sed 's/$/ ${PAD}/'`], {
    timeoutMs: 240_000,
  });
  const dir = `${env.root}/containers/${await idOf('rot')}`;
  const files = readdirSync(dir)
    .filter((n) => n.startsWith('log.jsonl'))
    .sort();
  assert.deepEqual(files, ['log.jsonl', 'log.jsonl.1', 'log.jsonl.2']);
  for (const f of files) assert.ok(statSync(join(dir, f)).size <= 1 << 20, `${f} is ${statSync(join(dir, f)).size} bytes`);

  const all = (await env.dl(['logs', 'rot'])).stdout.split('\n').filter(Boolean);
  assert.ok(all.length > 10_000, `only ${all.length} lines retained`);
  const nums = all.map((l) => Number(l.split(' ')[0]));
  assert.equal(nums[nums.length - 1], 200000);
  for (let i = 1; i < nums.length; i++) assert.equal(nums[i], nums[i - 1] + 1, `line ${i} out of order: ${all[i - 1]} then ${all[i]}`);
  assert.deepEqual((await env.dl(['logs', '--tail', '5', 'rot'])).stdout.split('\n').filter(Boolean), all.slice(-5));
  // The tail reaches back into the rotated files when it must.
  const many = (await env.dl(['logs', '--tail', String(all.length - 3), 'rot'])).stdout.split('\n').filter(Boolean);
  assert.deepEqual(many, all.slice(3));
  assert.equal((await env.dl(['logs', '--tail', '0', 'rot'])).stdout, '');
});

test('logs --tail 5 of a large log reads from the end in bounded memory', { skip, timeout: 300_000 }, async () => {
  await env.ok(['run', '--name', 'small', 'busybox', 'sh', '-c', 'seq 1 10']);
  // About 60 MB of log lines in one file (no rotation).
  await env.ok(['run', '--name', 'huge', '--log-opt', 'max-size=200m', '--log-opt', 'max-file=1', 'busybox', 'sh', '-c', `seq 1 600000 | sed 's/$/ ${PAD}/'`], {
    timeoutMs: 240_000,
  });
  const small = logsWithRss(['--tail', '5', 'small']);
  assert.equal(small.stdout, '6\n7\n8\n9\n10\n');
  const huge = logsWithRss(['--tail', '5', 'huge']);
  assert.equal(huge.status, 0);
  assert.deepEqual(
    huge.stdout.split('\n').filter(Boolean),
    [599996, 599997, 599998, 599999, 600000].map((n) => `${n} ${PAD}`),
  );
  assert.ok(huge.rssKiB < small.rssKiB + 30 * 1024, `logs --tail 5 peaked at ${huge.rssKiB} KiB, against ${small.rssKiB} KiB for a small log`);
  // The whole log streams too, in order, without holding it all.
  const whole = logsWithRss(['huge']);
  assert.equal(whole.status, 0);
  assert.equal(whole.stdout.split('\n').filter(Boolean).length, 600000);
  assert.ok(whole.rssKiB < small.rssKiB + 60 * 1024, `logs peaked at ${whole.rssKiB} KiB, against ${small.rssKiB} KiB for a small log`);
});

test('--log-driver none keeps no log; bad log options are refused at create', { skip }, async () => {
  await env.ok(['run', '--name', 'quiet', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
  const r = await env.dl(['logs', 'quiet']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^dockerlite: error: configured logging driver does not support reading/);
  assert.deepEqual(
    readdirSync(`${env.root}/containers/${await idOf('quiet')}`).filter((n) => n.startsWith('log.jsonl')),
    [],
  );
  assert.equal((await env.ok(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'quiet'])).trim(), '{"Type":"none","Config":{}}');
  for (const bad of [
    ['--log-driver', 'syslog'],
    ['--log-opt', 'max-size=lots'],
    ['--log-opt', 'max-file=0'],
    ['--log-opt', 'compress=true'],
    ['--log-driver', 'none', '--log-opt', 'max-size=1m'],
  ]) {
    // As docker create: the daemon refuses them, exit 125.
    const c = await env.dl(['create', ...bad, 'busybox', 'true']);
    assert.equal(c.status, 125, `${bad.join(' ')}: ${c.stderr}`);
    assert.match(c.stderr, /^dockerlite: error: .*(log|max-)/);
  }
});

test('an env value with a newline or an edge blank reaches the container whole', { skip }, async () => {
  const r = await env.dl(['run', '--rm', '-e', 'A=1\nB=2', '-e', 'T=x ', '-e', 'L= y', 'busybox', 'sh', '-c', 'printf "[%s]" "$A" "$T" "$L" "$B"']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '[1\nB=2][x ][ y][]');
  // Restarted by its policy (the monitor prepares that run itself) as well.
  await env.ok(['run', '-d', '--name', 'again', '--restart', 'on-failure:1', '-e', 'A=1\nB=2', 'busybox', 'sh', '-c', 'printf "[%s]" "$A"; exit 3']);
  await eventually(async () => (await env.dl(['logs', 'again'])).stdout === '[1\nB=2][1\nB=2]', 'the restarted run to print A whole', 20_000);
  const bad = await env.dl(['run', '--rm', '-e', 'LD_PRELOAD=/x.so\n', 'busybox', 'true']);
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /LD_PRELOAD/);
});
