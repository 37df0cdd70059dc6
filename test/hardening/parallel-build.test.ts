// Parallel builds of one Dockerfile share cache keys and race each other's
// clean-up: every build must still succeed, and every image it makes must
// name layers that exist and run. Prunes running meanwhile must not break
// a build either, nor the store.
//
// Before the fix, one run of this file saw: 4 parallel --no-cache builds all
// exit 0 with 3 of the 4 images naming deleted layers (then `images` and
// `system df` failed with "layer ... is missing"), and 1 or 2 of 3 builds fail
// with "btrfs subvolume snapshot ... ERROR: Could not statfs".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs', 'busybox'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(async () => {
  await env.cleanup();
  assert.deepEqual(env.leaks(), []);
});

let n = 0;
function context(files: Record<string, string>): string {
  const dir = join(env.dir, `ctx${n++}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

const builtId = (out: string) => /Successfully built ([0-9a-f]{12})$/m.exec(out)?.[1];

/** Layers each image names that are not in the store. */
function missingLayers(): string[] {
  const out: string[] = [];
  const dir = join(env.root, 'images');
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    const img = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { layers: string[] };
    for (const l of img.layers) {
      if (!existsSync(join(env.root, 'layers', l)) || !existsSync(join(env.root, 'layers', `${l}.json`))) out.push(`${f}: ${l}`);
    }
  }
  return out;
}

/** Run count builds of dir at once; check all of them and their images. */
async function parallelBuilds(dir: string, count: number, args: string[], alongside?: () => Promise<void>): Promise<void> {
  const done = { v: false };
  const side = alongside
    ? (async () => {
        while (!done.v) await alongside();
      })()
    : Promise.resolve();
  const results = await Promise.all(Array.from({ length: count }, (_, i) => env.dl(['build', ...args, '-t', `par${n}-${i}`, dir])));
  done.v = true;
  await side;
  const failed = results.filter((r) => r.status !== 0).map((r) => r.stderr);
  assert.deepEqual(failed, [], `${failed.length} of ${count} builds failed`);
  assert.deepEqual(missingLayers(), []);
  for (const r of results) {
    const id = builtId(r.stdout);
    assert.ok(id, r.stdout);
    const x = await env.dl(['run', '--rm', id, 'cat', '/x']);
    assert.equal(x.status, 0, `image ${id}: ${x.stderr}`);
    assert.match(x.stdout, /^\d+\n$/);
  }
  await env.ok(['images']);
  await env.ok(['system', 'df']);
  await env.ok(['system', 'df', '-v']);
}

test('4 parallel --no-cache builds ending in RUN all make images that run', { skip }, async () => {
  await parallelBuilds(context({ Dockerfile: 'FROM busybox\nRUN echo $RANDOM > /x\n' }), 4, ['--no-cache']);
});

test('4 parallel --no-cache builds with a COPY and two RUNs', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nCOPY f /f\nRUN echo $RANDOM > /y\nRUN echo $RANDOM > /x\n', f: 'data\n' });
  await parallelBuilds(dir, 4, ['--no-cache']);
});

test('3 parallel builds with the cache on', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nCOPY f /f\nRUN echo $RANDOM > /y\nRUN echo $RANDOM > /x\n', f: `${env.id}\n` });
  await parallelBuilds(dir, 3, []);
  // And again, now that the cache holds entries the builds hit.
  await parallelBuilds(dir, 3, []);
});

test('image prune and builder prune alongside parallel builds', { skip }, async () => {
  const dir = context({ Dockerfile: 'FROM busybox\nCOPY f /f\nRUN echo $RANDOM > /x\n', f: 'more\n' });
  const prunes = async () => {
    for (const args of [
      ['image', 'prune', '-f'],
      ['builder', 'prune', '-f'],
    ]) {
      const r = await env.dl(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  };
  await parallelBuilds(dir, 3, ['--no-cache'], prunes);
  await parallelBuilds(dir, 3, [], prunes);
  await prunes();
  assert.deepEqual(missingLayers(), []);
  await env.ok(['images']);
  await env.ok(['system', 'df']);
});
