// Many commands at once on one store: run, run -d, commit, tag, rmi and rm,
// with ps and images polling meanwhile. Before the fix, a commit racing
// removals (whose collection took its new layer before the image named it)
// left an image naming a deleted layer within 15 s. Every command must succeed, every
// listing must be whole, and afterwards the store must hold exactly what the
// commands left: no containers, the expected images, no half-made
// subvolumes, locks or leases, and nothing on the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/** Poll ps -a and images until stop() while work runs; every answer must be whole. */
function poller(): { stop: () => Promise<{ polls: number; problems: string[] }> } {
  let done = false;
  const problems: string[] = [];
  let polls = 0;
  const loop = (async () => {
    while (!done) {
      const ps = await env.dl(['ps', '-a', '--no-trunc', '--format', '{{.ID}}|{{.Image}}|{{.Names}}|{{.Status}}']);
      if (ps.status !== 0 || ps.stderr) problems.push(`ps: ${ps.status} ${ps.stderr}`);
      for (const l of ps.stdout.split('\n').filter(Boolean)) {
        const [id, image, name, status] = l.split('|');
        if (!/^[0-9a-f]{64}$/.test(id) || !image || !name || !status) problems.push(`ps row: ${l}`);
      }
      const im = await env.dl(['images', '-a', '--no-trunc', '--format', 'json']);
      if (im.status !== 0 || im.stderr) problems.push(`images: ${im.status} ${im.stderr}`);
      for (const l of im.stdout.split('\n').filter(Boolean)) {
        let r: { ID?: string; Repository?: string; Size?: string } = {};
        try {
          r = JSON.parse(l);
        } catch {
          /* reported below */
        }
        if (!/^sha256:[0-9a-f]{64}$/.test(r.ID ?? '') || !r.Repository || !r.Size) problems.push(`images row: ${l}`);
      }
      polls++;
    }
  })();
  return {
    stop: async () => {
      done = true;
      await loop;
      return { polls, problems };
    },
  };
}

/** Run fn(i) for i < count, at most width at a time. */
async function pool(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

/** What the store holds that nothing should: half-made names, locks, leases, unnamed subvolumes. */
function strays(): string[] {
  const out: string[] = [];
  for (const d of ['layers', 'containers', 'images', 'volumes', 'tmp']) {
    const p = join(env.root, d);
    if (!existsSync(p)) continue;
    for (const n of readdirSync(p)) if (n.startsWith('.')) out.push(`${d}/${n}`);
  }
  for (const d of ['locks', 'leases']) {
    const p = join(env.root, d);
    if (existsSync(p)) out.push(...readdirSync(p).map((n) => `${d}/${n}`));
  }
  // Every subvolume is a recorded layer, a container's rootfs, or a volume.
  const list = spawnSync('btrfs', ['subvolume', 'list', '-o', env.root], { encoding: 'utf8' });
  assert.equal(list.status, 0, list.stderr);
  for (const line of list.stdout.split('\n').filter(Boolean)) {
    const path = line.replace(/^.* path /, '');
    const m = /^layers\/([^/]+)$/.exec(path);
    if (m && (m[1] === 'empty' || existsSync(join(env.root, 'layers', `${m[1]}.json`)))) continue;
    const c = /^containers\/([0-9a-f]{64})\/rootfs$/.exec(path);
    if (c && existsSync(join(env.root, 'containers', c[1], 'config.json'))) continue;
    if (/^volumes\/[^/.][^/]*$/.test(path)) continue;
    out.push(`subvolume ${path}`);
  }
  return out;
}

/** Layers no image needs (the build cache is empty here), and layers images name that are gone. */
function layerLeaks(): { unused: string[]; missing: string[] } {
  const named = new Set<string>(['empty']);
  const missing: string[] = [];
  for (const f of readdirSync(join(env.root, 'images')).filter((n) => n.endsWith('.json'))) {
    for (const l of (JSON.parse(readFileSync(join(env.root, 'images', f), 'utf8')) as { layers: string[] }).layers) {
      named.add(l);
      if (!existsSync(join(env.root, 'layers', l))) missing.push(`${f}: ${l}`);
    }
  }
  const unused = readdirSync(join(env.root, 'layers'))
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .filter((k) => !named.has(k));
  return { unused, missing };
}

test('20 parallel run --rm, with ps and images polling', { skip }, async () => {
  const poll = poller();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => env.dl(['run', '--rm', 'busybox', 'sh', '-c', `echo out-${i}`])));
  const { polls, problems } = await poll.stop();
  results.forEach((r, i) => {
    assert.equal(r.status, 0, `run ${i}: ${r.stderr}`);
    assert.equal(r.stdout, `out-${i}\n`);
  });
  assert.deepEqual(problems, []);
  assert.ok(polls > 0);
  assert.equal(await env.ok(['ps', '-aq']), '');
  assert.deepEqual(strays(), []);
});

test('run -d, commit, tag, run the commit, rm and rmi, 4 at a time, with ps and images polling', { skip }, async () => {
  const before = new Set((await env.ok(['images', '-q', '--no-trunc'])).split('\n'));
  const poll = poller();
  const kept: string[] = [];
  await pool(8, 4, async (i) => {
    const name = `c${i}`;
    await env.ok(['run', '-d', '--name', name, 'busybox', 'sh', '-c', `echo ${i} > /f; sleep 600`]);
    // Wait for the file, then commit the running container.
    for (let t = 0; (await env.dl(['exec', name, 'cat', '/f'])).stdout.trim() !== String(i); t++) {
      assert.ok(t < 100, `${name}: /f never appeared`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await env.ok(['commit', name, `img${i}:one`]);
    await env.ok(['tag', `img${i}:one`, `img${i}:two`]);
    assert.equal(await env.ok(['run', '--rm', `img${i}:two`, 'cat', '/f']), String(i));
    await env.ok(['rm', '-f', name]);
    await env.ok(['rmi', `img${i}:two`]);
    // Half the images go entirely; the rest stay, tagged :one.
    if (i % 2) await env.ok(['rmi', `img${i}:one`]);
    else kept.push(`img${i}:one`);
  });
  const { polls, problems } = await poll.stop();
  assert.deepEqual(problems, []);
  assert.ok(polls > 0);
  assert.equal(await env.ok(['ps', '-aq']), '');
  const tags = (await env.ok(['images', '--format', 'json']))
    .split('\n')
    .map((l) => JSON.parse(l) as { Repository: string; Tag: string })
    .map((r) => `${r.Repository}:${r.Tag}`)
    .filter((t) => t.startsWith('img'))
    .sort();
  assert.deepEqual(tags, kept.sort());
  for (const t of kept) assert.equal(await env.ok(['run', '--rm', t, 'cat', '/f']), t.slice(3, -4));
  for (const t of kept) await env.ok(['rmi', t]);
  assert.deepEqual(new Set((await env.ok(['images', '-q', '--no-trunc'])).split('\n')), before);
  await env.ok(['system', 'df']);
  assert.deepEqual(strays(), []);
  assert.deepEqual(layerLeaks(), { unused: [], missing: [] });
});

test('commits racing removals: every committed image keeps its layer', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'src', 'busybox', 'sh', '-c', 'echo x > /f; sleep 600']);
  const deadline = Date.now() + 10_000;
  const images: string[] = [];
  // Removals collect layers; each commit's new layer must survive them.
  const remover = async () => {
    while (Date.now() < deadline) {
      const id = await env.ok(['create', 'busybox', 'true']);
      await env.ok(['rm', id]);
    }
  };
  const committer = async () => {
    while (Date.now() < deadline) images.push(await env.ok(['commit', 'src']));
  };
  await Promise.all([remover(), remover(), committer(), committer()]);
  assert.ok(images.length > 4, `only ${images.length} commits`);
  assert.deepEqual(layerLeaks().missing, []);
  for (const id of images.slice(-2)) assert.equal(await env.ok(['run', '--rm', id, 'cat', '/f']), 'x');
  await env.ok(['rm', '-f', 'src']);
  await env.ok(['rmi', ...images]);
  await env.ok(['system', 'df']);
  assert.deepEqual(strays(), []);
  assert.deepEqual(layerLeaks(), { unused: [], missing: [] });
});
