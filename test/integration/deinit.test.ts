// deinit -f ends every container, a paused one too: its frozen processes take
// SIGKILL only once thawed (CI's leak check once found a paused container still
// running after its store was gone), and one still starting through its monitor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();
after(() => env.cleanup());

/** Pids of processes whose command line names this store. */
function ofStore(): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(env.root)) out.push(Number(p));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

test('deinit -f ends a paused container and its monitor', { skip }, async () => {
  await env.ok(['init']);
  await env.ok(['run', '-d', '--name', 'frozen', 'busybox', 'sleep', '300']);
  await env.ok(['run', '-d', '--name', 'plain', 'busybox', 'sleep', '300']);
  await env.ok(['pause', 'frozen']);
  assert.ok(ofStore().length >= 4, 'two monitors and two lxc-starts run');
  await env.ok(['deinit', '-f']);
  await eventually(() => ofStore().length === 0, 'every process of the store to end');
});
