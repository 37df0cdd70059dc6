// sys/exec.ts starts programs through native/spawn.node.c (posix_spawn) where
// it is built: the same contract as child_process, without forking the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeSpawn, run, spawnDetached } from '../../src/sys/exec.js';
import { ExecError, Unavailable } from '../../src/errors.js';
import { missingPrereq } from '../helpers/env.js';

const execJs = fileURLToPath(new URL('../../src/sys/exec.js', import.meta.url));

test('the addon is built and loads', () => {
  assert.ok(nativeSpawn(), 'dist/native/spawn.node did not load: run npm run build');
});

test('run: output, status, input, cwd, env, failures', async () => {
  const r = await run('sh', ['-c', 'echo out; echo err >&2; pwd; echo "$X"; cat'], { cwd: '/tmp', env: { PATH: process.env.PATH, X: 'x1' }, input: 'in\n' });
  assert.deepEqual(r, { stdout: 'out\n/tmp\nx1\nin\n', stderr: 'err\n', status: 0 });
  assert.equal((await run('sh', ['-c', 'echo no >&2; exit 3'], { allowFail: true })).status, 3);
  await assert.rejects(
    run('sh', ['-c', 'echo why >&2; exit 4']),
    (e: unknown) => e instanceof ExecError && e.status === 4 && /\(exit status 4\): why/.test(e.message),
  );
  await assert.rejects(run('sh', ['-c', 'kill -TERM $$']), (e: unknown) => e instanceof ExecError && e.signal === 'SIGTERM');
  await assert.rejects(run('no-such-program-here', []), Unavailable);
  await assert.rejects(run('sleep', ['30'], { timeoutMs: 50 }), (e: unknown) => e instanceof ExecError && e.signal === 'SIGTERM');
  // Large output on both pipes at once, read to the end.
  const big = await run('sh', ['-c', 'head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2']);
  assert.deepEqual([big.stdout.length, big.stderr.length], [300000, 200000]);
  // Input larger than a pipe holds, echoed while it is still being written: neither side waits on the other.
  const input = Buffer.alloc(1 << 20, 'x');
  const echoed = await run('sh', ['-c', 'cat; cat /dev/null >&2'], { input });
  assert.equal(echoed.stdout, input.toString());
  // A program that reads none of its input still ends as itself.
  assert.deepEqual(await run('sh', ['-c', 'echo done'], { input }), { stdout: 'done\n', stderr: '', status: 0 });
  assert.equal((await run('cat', [], { input: '' })).stdout, '');
});

test('run: the program gets default signal dispositions (node ignores SIGPIPE)', async () => {
  const line = (await run('grep', ['SigIgn', '/proc/self/status'])).stdout;
  const mask = BigInt(`0x${line.split(/\s+/)[1]}`);
  assert.equal(mask & 0x7fffffffn, 0n, `standard signals ignored: ${line}`); // glibc keeps its two internal ones (32, 33) ignored
});

test('run: the program is started with vfork, not a fork of node', { skip: missingPrereq({ root: false, tools: ['strace'] }) }, () => {
  const script = `const { run } = await import(${JSON.stringify(execJs)}); await run('true', []);`;
  const r = spawnSync('strace', ['-f', '-e', 'trace=clone,clone3,fork,vfork', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const spawns = r.stderr.split('\n').filter((l) => /clone|fork/.test(l) && !/CLONE_THREAD/.test(l) && !/resumed/.test(l));
  assert.equal(spawns.length, 1, spawns.join('\n'));
  assert.match(spawns[0], /CLONE_VFORK/);
});

test('spawnDetached: fd 3 is a line channel to us, the program has its own session, and node does not wait for it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dl-spawn-'));
  let pid = 0;
  try {
    const done = join(dir, 'done');
    // The child says its pid and session over fd 3 (two lines in one write, one split over two), answers one line, then outlives its parent by a second.
    const child = `printf "$$ $(cut -d' ' -f6 /proc/self/stat)\\nsecond\\nthi" >&3; sleep 0.1; echo "rd é" >&3; read x <&3; echo "got $x" >&3; read y <&3; echo "eof $?" > ${dir}/eof; exec 3>&-; sleep 1; touch ${done}`;
    const script = `
const { spawnDetached } = await import(${JSON.stringify(execJs)});
const c = spawnDetached('sh', ['-c', ${JSON.stringify(child)}], { stdio: [-1, -1, -1], env: process.env, cwd: '/' });
const lines = [await c.channel.next(), await c.channel.next(), await c.channel.next()];
c.channel.write('hi\\n');
lines.push(await c.channel.next());
c.channel.close();
lines.push(await c.channel.next());
c.channel.write('after the end\\n');
c.unref();
console.log(JSON.stringify({ pid: c.pid, lines }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(done), false, 'node waited for the detached program');
    const got = JSON.parse(r.stdout) as { pid: number; lines: Array<string | null> };
    pid = got.pid;
    // JSON has no undefined: the end reads as null.
    assert.deepEqual(got.lines, [`${pid} ${pid}`, 'second', 'third é', 'got hi', null]);
    for (let i = 0; i < 100 && !existsSync(join(dir, 'eof')); i++) spawnSync('sleep', ['0.02']);
    assert.equal(readFileSync(join(dir, 'eof'), 'utf8'), 'eof 1\n', 'the program read the end of its fd 3');
  } finally {
    if (pid) process.kill(pid, 'SIGKILL'); // it would sleep on for a second
    rmSync(dir, { recursive: true, force: true });
  }
});

test('spawnDetached: a missing program is an error at once', () => {
  assert.throws(() => spawnDetached('no-such-program-here', [], { stdio: [-1, -1, -1], env: process.env, cwd: '/' }), Unavailable);
});
