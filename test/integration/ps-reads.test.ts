// What `ps -a` reads (issue 11: ps -a with 500 containers at most 1.5x ps -a
// with one). Counted with strace, not timed: each container's config.json
// and state.json are opened once, and nothing else of a container that is
// not running (its directory, network or health files). And the store's
// sweep still does its job through the listing: a container whose monitor
// was killed is shown exited and recorded so by the ps itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN, alive } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv', 'strace'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/** The paths `dockerlite args` opens (openat, every thread and child), and its stdout. */
function opens(args: string[]): { paths: string[]; stdout: string } {
  const log = join(env.dir, 'strace.log');
  const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=openat,open', '-o', log, process.execPath, BIN, ...args], { env: env.env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const paths = [...readFileSync(log, 'utf8').matchAll(/open(?:at)?\((?:AT_FDCWD, )?"([^"]*)"/g)].map((m) => m[1]);
  rmSync(log, { force: true });
  return { paths, stdout: r.stdout };
}

test('ps -a opens each container record once, and nothing else of a stopped container', { skip }, async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push(await env.ok(['create', '--name', `rec${i}`, 'busybox', 'true']));
  await env.ok(['run', '--name', 'rec-exited', 'busybox', 'true']);
  ids.push(await env.ok(['inspect', '-f', '{{.Id}}', 'rec-exited']));
  const { paths, stdout } = opens(['ps', '-a']);
  for (const n of ['rec0', 'rec1', 'rec2', 'rec-exited']) assert.match(stdout, new RegExp(` ${n}\\n`));
  for (const id of ids) {
    const dir = join(env.root, 'containers', id);
    const mine = paths.filter((p) => p === dir || p.startsWith(dir + '/'));
    // Before: state.json twice (the store's sweep, then the listing) and the directory (the sweep's temp-file scan).
    assert.deepEqual(mine.sort(), [join(dir, 'config.json'), join(dir, 'state.json')], `what ps -a opened of ${id}`);
  }
  for (const id of ids) await env.ok(['rm', id]);
});

test('ps -a alone recovers a container whose monitor was killed: shown and recorded exited', { skip }, async () => {
  const id = await env.ok(['run', '-d', '--name', 'orphan', 'busybox', 'sleep', '1000']);
  const file = join(env.root, 'containers', id, 'state.json');
  const s = JSON.parse(readFileSync(file, 'utf8'));
  assert.ok(alive(s.monitorPid) && alive(s.pid));
  process.kill(s.monitorPid, 'SIGKILL');
  await eventually(() => !alive(s.pid), 'lxc-execute to die with its monitor');
  const { stdout } = opens(['ps', '-a', '--filter', 'name=orphan', '--format', '{{.Status}}']);
  assert.match(stdout, /^Exited \(255\)/);
  // No other command ran since: the ps itself recorded the exit.
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(after.status, 'exited');
  assert.match(after.error, /monitor was killed/);
  await env.ok(['rm', '-f', id]);
});
