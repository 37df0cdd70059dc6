// Restart policies survive a reboot: `dockerlite start --restartable` (run by
// dockerlite-restart.service) after a simulated one, where every monitor and
// every container process was killed and nothing recorded their end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const stateFile = async (name: string) => {
  const id = await env.ok(['inspect', '-f', '{{.Id}}', name]);
  return JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, 'utf8')) as { status: string; pid: number; monitorPid: number };
};

test('after a reboot, always and unless-stopped containers come back as dockerd brings them back; others stay down', { skip }, async () => {
  const run = (name: string, policy?: string) => env.ok(['run', '-d', '--name', name, ...(policy ? ['--restart', policy] : []), 'busybox', 'sleep', '1000']);
  await run('always-up', 'always');
  await run('unless-up', 'unless-stopped');
  await run('unless-stopped-by-user', 'unless-stopped');
  await run('always-stopped-by-user', 'always');
  await run('no-policy');
  await env.ok(['stop', '-t', '1', 'unless-stopped-by-user', 'always-stopped-by-user']);

  // The "reboot": every monitor dies at once (SIGKILL, no chance to record anything); their containers die with them.
  const running = ['always-up', 'unless-up', 'no-policy'];
  const before = await Promise.all(running.map(stateFile));
  for (const s of before) process.kill(s.monitorPid, 'SIGKILL');
  for (const s of before) {
    for (let i = 0; i < 200; i++) {
      try {
        process.kill(s.pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // The boot-time entry point is the first dockerlite to run.
  const boot = await env.dl(['start', '--restartable']);
  assert.equal(boot.status, 0, boot.stderr);
  assert.deepEqual(boot.stdout.trim().split('\n'), ['always-stopped-by-user'], 'the others were brought back when the store was opened');

  const status = async (n: string) => (await stateFile(n)).status;
  // As dockerd at its start (docs: "always ... if it is manually stopped, it is restarted only when Docker daemon restarts").
  assert.equal(await status('always-up'), 'running');
  assert.equal(await status('unless-up'), 'running');
  assert.equal(await status('always-stopped-by-user'), 'running');
  assert.equal(await status('unless-stopped-by-user'), 'exited');
  assert.equal(await status('no-policy'), 'exited');

  // The events tell the story: the recovered containers died (255) and started again.
  const ev = await env.ok([
    'events',
    '--since',
    '5m',
    '--until',
    '0s',
    '--filter',
    'container=always-up',
    '--format',
    '{{.Action}} {{.Actor.Attributes.exitCode}}',
  ]);
  assert.match(ev, /die 255\nstart <no value>$/);
  // A second run finds nothing to do.
  assert.equal(await env.ok(['start', '--restartable']), '');
  await env.ok(['rm', '-f', 'always-up', 'unless-up', 'always-stopped-by-user', 'unless-stopped-by-user', 'no-policy']);
});
