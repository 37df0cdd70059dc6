// Crash orphans: SIGKILL the CLI at many points of each multi-step operation
// (and kill container monitors), then let the next command (`ps -a`, which
// opens the store and sweeps) clean up. Afterwards nothing may be left that
// no record names: layer subvolumes, scratch and temp files, lock files,
// veths, iptables rules, LXC processes of containers that are not running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, BIN, missingPrereq, eventually } from '../helpers/env.js';
import { TestRegistry, freePort } from '../helpers/registry.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'docker-registry'] });
const env = new TestEnv();
let registry: TestRegistry | undefined;
/** What each kill left before the sweep could see it, for the report. */
const found: string[] = [];

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  registry = await TestRegistry.start(join(env.dir, 'registry'));
});
after(async () => {
  await registry?.stop();
  await env.cleanup();
  if (found.length) process.stderr.write(`crash leftovers seen:\n  ${found.join('\n  ')}\n`);
});

/** Start the CLI and SIGKILL it after ms (or let it finish); resolves when it is gone. */
function killAfter(args: string[], ms: number): Promise<{ killed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [BIN, ...args], { env: env.env, stdio: ['ignore', 'ignore', 'ignore'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', ms: Date.now() - t0 });
    });
  });
}

function ls(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const TEMP = /^\.tmp-|\.tmp$|\.lock\.\d+\.[0-9a-f]+$|\.steal$/;

/** Everything in the store (and on the host) that nothing running or recorded owns. */
/** Ids of this store's containers whose dl-mon is alive. */
function supervised(): Set<string> {
  const ids = new Set<string>();
  for (const p of ls('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (readFileSync(`/proc/${p}/comm`, 'utf8').trim() !== 'dl-mon') continue;
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(env.root)) for (const m of cmd.matchAll(/[0-9a-f]{64}/g)) ids.add(m[0]);
    } catch {
      // gone meanwhile
    }
  }
  return ids;
}

async function orphans(): Promise<string[]> {
  const psRows = async () => (await env.ok(['ps', '-a', '--no-trunc', '--format', '{{.ID}} {{.State}}'])).split('\n').filter(Boolean);
  // A start whose CLI was killed before it recorded it is recorded by dl-mon's fallback hook
  // (one node start-up later): wait for that, so the check below is strict about the rest.
  let rows = await psRows();
  await eventually(
    async () => {
      rows = await psRows();
      const live = supervised();
      return !rows.some((r) => r.endsWith(' created') && live.has(r.split(' ')[0]));
    },
    'dl-mon to record the start its killed starter left unrecorded',
    30_000,
  );
  // ps leaves the scan of each container's directory for temp files to the next other command
  // (engine/system/sweep.ts, listing mode): run one, as a user's next command would.
  await env.ok(['images', '-q']);
  const all = new Set(rows.map((r) => r.split(' ')[0]));
  const running = new Set(rows.filter((r) => /running|paused|restarting/.test(r)).map((r) => r.split(' ')[0]));
  for (const id of all) env.containerIds.add(id);
  const out: string[] = [];
  const r = env.root;
  const layers = ls(join(r, 'layers'));
  for (const n of layers) {
    if (n.endsWith('.json') || n === 'empty' || TEMP.test(n)) continue;
    if (!layers.includes(`${n}.json`)) out.push(`layer subvolume without a record: layers/${n}`);
  }
  const dirs = ['', 'layers', 'images', 'buildcache', 'volumes', 'containers', 'networks', ...[...all].map((id) => `containers/${id}`)];
  for (const d of ls(join(r, 'networks'))) dirs.push(`networks/${d}`, `networks/${d}/ips`);
  for (const d of dirs) for (const n of ls(join(r, d))) if (TEMP.test(n)) out.push(`temp file: ${join(d, n)}`);
  for (const d of ['blobs/incoming', 'leases', 'locks', 'tmp/build']) for (const n of ls(join(r, d))) out.push(`leftover: ${d}/${n}`);
  for (const n of ls(join(r, 'tmp'))) if (n !== 'build') out.push(`leftover: tmp/${n}`);
  for (const n of ls(join(r, 'containers'))) if (!TEMP.test(n) && !all.has(n)) out.push(`container directory without a record: containers/${n}`);
  const live = [...running].map((id) => id.slice(0, 11));
  const net = env.netFootprint();
  for (const l of net.links) if (l.startsWith('vdl') && !live.some((p) => l.startsWith(`vdl${p}`))) out.push(`veth of a container not running: ${l}`);
  for (const rule of net.rules) {
    const m = /:ctr:([0-9a-f]{12})/.exec(rule);
    if (m && ![...running].some((id) => id.startsWith(m[1]))) out.push(`iptables rule of a container not running: ${rule}`);
  }
  // LXC processes and monitors of this store whose container is not running.
  for (const p of ls('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmd.includes(r) || !/lxc-execute|monitor/.test(cmd)) continue;
    const ids = [...cmd.matchAll(/[0-9a-f]{64}/g)].map((m) => m[0]);
    if (ids.length && !ids.some((id) => running.has(id))) out.push(`process of a container not running: ${p} ${cmd.split('\0').join(' ').slice(0, 160)}`);
  }
  return out;
}

/** Kill `args()` at 4 points spread over its normal duration; after each, sweep and check. */
async function crashAt(what: string, args: () => string[], setup: () => Promise<void> = async () => {}, undo: () => Promise<void> = async () => {}) {
  await setup();
  const normal = await killAfter(args(), 60_000);
  assert.equal(normal.killed, false, `${what} did not finish in a minute`);
  await undo();
  const delays = [20, 0.3, 0.6, 0.9].map((f) => (f < 1 ? Math.round(normal.ms * f) : f));
  for (const ms of delays) {
    await setup();
    await killAfter(args(), ms);
    await new Promise((res) => setTimeout(res, 200)); // let its tools (btrfs, tar) finish
    // Before the sweep: what the kill left (for the report only; lock/lease leftovers included).
    const layers = ls(join(env.root, 'layers'));
    const raw = {
      'scratch layer': layers.filter((n) => n.startsWith('.tmp-')).length,
      'record-less layer': layers.filter((n) => !n.endsWith('.json') && !n.startsWith('.') && n !== 'empty' && !layers.includes(`${n}.json`)).length,
      'temp file': layers.filter((n) => n.endsWith('.tmp')).length,
      'incoming blob': ls(join(env.root, 'blobs/incoming')).length,
      lease: ls(join(env.root, 'leases')).length,
      lock: ls(join(env.root, 'locks')).length,
      'tmp entry': ls(join(env.root, 'tmp')).filter((n) => n !== 'build').length,
    };
    const seen = Object.entries(raw).filter(([, v]) => v);
    if (seen.length) found.push(`${what} killed at ${ms} ms: ${seen.map(([k, v]) => `${v} ${k}`).join(', ')}`);
    const left = await orphans();
    assert.deepEqual(left, [], `${what} killed at ${ms} ms (normal ${normal.ms} ms) left orphans`);
    await undo();
  }
}

async function rmAllBut(keep: string[]) {
  const ids = (await env.ok(['ps', '-aq'])).split('\n').filter((i) => i && !keep.some((k) => k.startsWith(i)));
  if (ids.length) await env.ok(['rm', '-f', ...ids]);
}

let bigId = '';

test('commit killed at any point leaves no orphan layer', { skip, timeout: 180_000 }, async () => {
  bigId = await env.ok(['run', '-d', 'busybox', 'dd', 'if=/dev/urandom', 'of=/big', 'bs=1M', 'count=50']);
  assert.equal((await env.ok(['wait', bigId])).trim(), '0');
  let n = 0;
  await crashAt(
    'commit',
    () => ['commit', bigId, `crash/commit:${n++}`],
    async () => {},
    async () => {
      const imgs = (await env.ok(['images', '-q', 'crash/commit'])).split('\n').filter(Boolean);
      if (imgs.length) await env.ok(['rmi', '-f', ...new Set(imgs)]);
    },
  );
  // load and pull move a 20 MB image: enough for many kill points, cheap enough to repeat.
  const mid = await env.ok(['run', '-d', 'busybox', 'dd', 'if=/dev/urandom', 'of=/mid', 'bs=1M', 'count=20']);
  assert.equal((await env.ok(['wait', mid])).trim(), '0');
  await env.ok(['commit', mid, 'crash/big:latest']);
  await env.ok(['rm', mid]);
});

test('load killed at any point leaves no half-written blob', { skip, timeout: 180_000 }, async () => {
  const tar = join(env.dir, 'big.tar');
  if (!existsSync(tar)) await env.ok(['save', '-o', tar, 'crash/big:latest'], { timeoutMs: 120_000 });
  await env.ok(['rmi', 'crash/big:latest']);
  await crashAt(
    'load',
    () => ['load', '-i', tar],
    async () => {},
    async () => {
      await env.dl(['rmi', '-f', 'crash/big:latest']);
    },
  );
  await env.ok(['load', '-i', tar]);
});

test('pull killed at any point leaves no half-written blob', { skip, timeout: 180_000 }, async () => {
  const ref = `${registry!.host}/crash/big:latest`;
  if (!(await env.ok(['images', '-q', 'crash/big:latest']))) await env.ok(['load', '-i', join(env.dir, 'big.tar')]);
  await env.ok(['tag', 'crash/big:latest', ref]);
  await env.ok(['push', ref], { timeoutMs: 120_000 });
  await env.ok(['rmi', ref]);
  await env.ok(['rmi', 'crash/big:latest']);
  await crashAt(
    'pull',
    () => ['pull', ref],
    async () => {},
    async () => {
      await env.dl(['rmi', '-f', ref]);
    },
  );
});

test('run killed at any point leaves no veth, rule or process', { skip, timeout: 180_000 }, async () => {
  await crashAt(
    'run',
    () => ['run', '-d', '-p', '80', 'busybox', 'sleep', '1000'],
    async () => {},
    () => rmAllBut([bigId]),
  );
});

test('rm killed at any point leaves no veth, rule or process', { skip, timeout: 180_000 }, async () => {
  let victim = '';
  await crashAt(
    'rm',
    () => ['rm', '-f', victim],
    async () => {
      victim = await env.ok(['run', '-d', '-p', '80', 'busybox', 'sleep', '1000']);
    },
    () => rmAllBut([bigId]),
  );
});

test('build killed at any point leaves no orphan layer', { skip, timeout: 180_000 }, async () => {
  const ctx = join(env.dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'f'), 'x'.repeat(1 << 20));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN dd if=/dev/urandom of=/x bs=1M count=20\nCOPY f /f\nRUN echo done > /done\n');
  await crashAt(
    'build',
    () => ['build', '--no-cache', '-t', 'crash/build', ctx],
    async () => {},
    async () => {
      await env.dl(['rmi', '-f', 'crash/build']);
      await env.ok(['builder', 'prune', '-f']);
      await rmAllBut([bigId]);
    },
  );
});

test('network create killed at any point leaves no bridge or claim', { skip, timeout: 180_000 }, async () => {
  let n = 0;
  await crashAt(
    'network create',
    () => ['network', 'create', '--subnet', env.freeSubnet(), `crash${n++}`],
    async () => {},
    async () => {
      await env.ok(['network', 'prune', '-f']);
    },
  );
});

function monitorPid(id: string): number {
  return JSON.parse(readFileSync(join(env.root, 'containers', id, 'state.json'), 'utf8')).monitorPid;
}

test('what a kill between two steps leaves is swept by the next command', { skip, timeout: 60_000 }, async () => {
  // The windows are too narrow to hit by timing: plant what each would leave.
  const dead = '4194304-1'; // PID_MAX_LIMIT: never a live process
  const layer = join(env.root, 'layers', 'f'.repeat(64));
  const made = spawnSync('btrfs', ['subvolume', 'create', layer], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr); // a commit killed between renaming its layer into place and recording it
  const planted = [
    join(env.root, 'images', `.${'e'.repeat(64)}.json.${dead}-0123abcd.tmp`), // a JSON write killed before its rename
    join(env.root, 'locks', 'refs.lock'), // a lock whose holder was killed
    join(env.root, 'locks', `names.lock.${dead}.0123abcd`), // a lock killed while being taken
  ];
  for (const f of planted) writeFileSync(f, '4194304 1\n');
  assert.deepEqual(await orphans(), []);
  assert.equal(existsSync(layer), false, 'the record-less layer is still there');
  for (const f of planted) assert.equal(existsSync(f), false, `${f} is still there`);
});

test('a --rm container whose monitor is killed is removed by the next command', { skip, timeout: 60_000 }, async () => {
  const port = await freePort();
  const id = await env.ok(['run', '-d', '--rm', '-p', `${port}:80`, 'busybox', 'sleep', '1000']);
  env.containerIds.add(id);
  process.kill(monitorPid(id), 'SIGKILL');
  await eventually(async () => !(await env.ok(['ps', '-aq', '--no-trunc'])).includes(id), 'the --rm container to be removed');
  assert.deepEqual(await orphans(), []);
});

test('a --restart always container whose monitor is killed runs again', { skip, timeout: 60_000 }, async () => {
  const id = await env.ok(['run', '-d', '--restart', 'always', '-p', '80', 'busybox', 'sleep', '1000']);
  env.containerIds.add(id);
  const first = monitorPid(id);
  process.kill(first, 'SIGKILL');
  await eventually(async () => (await env.ok(['ps', '-q', '--no-trunc'])).includes(id) && monitorPid(id) !== first, 'the container to run again');
  assert.deepEqual(await orphans(), []);
  await env.ok(['rm', '-f', id]);
  assert.deepEqual(await orphans(), []);
});
