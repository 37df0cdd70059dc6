// A full store must not kill containers or hang commands (hardening items 6
// and 7). A container fills a small store until ENOSPC while another prints a
// line every 0.2 s: the chatty one keeps running, and rm -f, ps, images,
// system df and rmi each finish (command timeouts, not timing assertions: a
// hang is a failure); the next run works after rm, and nothing half-written is left.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync, statfsSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'script', 'setpriv'] });
const env = new TestEnv({ DOCKERLITE_LOOPSIZE: '512' });
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/** A command that must finish within a few seconds, whatever it answers. */
const quick = (args: string[]) => env.dl(args, { timeoutMs: 15_000 });
const state = async (name: string) => JSON.parse(await env.ok(['inspect', '-f', '{{json .State}}', name])) as { Running: boolean; Status: string };

/** Names under the store that a crash or a full disk would leave half-made. */
function leftovers(): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      if (/\.tmp$|\.lock\.|^tmp-|\.partial$|\.new$/.test(n)) out.push(`${dir}/${n}`);
      if (depth > 0 && n !== 'rootfs' && n !== 'layers') walk(`${dir}/${n}`, depth - 1);
    }
  };
  walk(env.root, 2);
  const tmp = (() => {
    try {
      return readdirSync(`${env.root}/tmp`);
    } catch {
      return [];
    }
  })();
  return [...out, ...tmp.filter((n) => !n.startsWith('monitor-')).map((n) => `tmp/${n}`)];
}

test('a full store keeps other containers running, and rm/ps/images/df/rmi still work', { skip, timeout: 600_000 }, async () => {
  // An unused image to remove later, made while there is room.
  await env.ok(['run', '--name', 'base', 'busybox', 'sh', '-c', 'echo x > /spare']);
  await env.ok(['commit', 'base', 'spare:1']);
  await env.ok(['rm', 'base']);

  await env.ok(['run', '-d', '--name', 'chatty', 'busybox', 'sh', '-c', 'while true; do echo tick; sleep 0.2; done']);
  await env.ok(['run', '-d', '--name', 'filler', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/fill bs=1M; echo dd-ended; sleep 3600']);
  // Full: the fill file stops growing and the store has (next to) no room left.
  const fid = await env.ok(['inspect', '-f', '{{.Id}}', 'filler']);
  const fill = `${env.root}/containers/${fid}/rootfs/fill`;
  let last = -1;
  await eventually(
    async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const size = existsSync(fill) ? statSync(fill).size : 0;
      const full = size > 0 && size === last && statfsSync(env.root).bavail * statfsSync(env.root).bsize < 16 << 20;
      last = size;
      return full;
    },
    'the filler to fill the store',
    300_000,
  );
  // A few more ticks on a full disk.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await state('chatty')).Running, true, 'the chatty container still runs on a full store');

  for (const args of [['ps'], ['images'], ['system', 'df']]) {
    const r = await quick(args);
    assert.notEqual(r.status, 137, `${args.join(' ')} hung`);
    assert.ok(r.status === 0 || /no space left/.test(r.stderr), `${args.join(' ')}: ${r.status} ${r.stderr}`);
  }
  // commit needs room it does not have: one clear error, not a wait on a lock.
  const commit = await quick(['commit', 'chatty', 'full:1']);
  assert.notEqual(commit.status, 137, 'commit hung');
  if (commit.status !== 0) assert.match(commit.stderr, /^dockerlite: error: .*no space left/);
  const rm = await quick(['rm', '-f', 'filler']);
  assert.equal(rm.status, 0, `rm -f filler on a full store: ${rm.stderr}`);
  const rmi = await quick(['rmi', 'spare:1']);
  assert.equal(rmi.status, 0, `rmi: ${rmi.stderr}`);
  for (const args of [['ps'], ['images'], ['system', 'df']]) {
    const r = await quick(args);
    assert.equal(r.status, 0, `${args.join(' ')} after rm: ${r.stderr}`);
  }

  const run = await env.dl(['run', '--rm', 'busybox', 'true'], { timeoutMs: 60_000 });
  assert.equal(run.status, 0, `run after rm: ${run.stderr}`);
  assert.equal((await state('chatty')).Running, true);
  // What it printed meanwhile was dropped from its log and counted by its monitor (dl-mon's
  // log.dropped), once there was room to record it; the exit puts the total in state.json.
  const cid = await env.ok(['inspect', '-f', '{{.Id}}', 'chatty']);
  await eventually(() => {
    try {
      return Number(readFileSync(`${env.root}/containers/${cid}/log.dropped`, 'utf8')) > 0;
    } catch {
      return false;
    }
  }, 'the dropped log lines to be counted');
  const logs = await quick(['logs', '--tail', '3', 'chatty']);
  assert.equal(logs.status, 0);
  assert.match(logs.stdout, /tick\n$/);
  await quick(['rm', '-f', 'chatty']);
  assert.deepEqual(leftovers(), []);
  const subvols = await env.dl(['system', 'df', '-v']);
  assert.doesNotMatch(subvols.stdout, /tmp-|\.tmp/);
});
