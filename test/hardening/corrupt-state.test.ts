// Hardening item 11: one corrupt record must not take the rest down. A
// container whose config.json or state.json is garbage, empty, null or of the
// wrong shape still lists (dead, with what is wrong), `rm -f` removes it, and
// every other container can be listed, inspected, started and removed. A
// garbage image record is skipped by `images` with a warning naming the file,
// and `system df` and `run` of a good image work beside it. An image config
// with "Volumes": null (Docker 20.10's import + save write it) loads and runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq, type RunResult } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'tar'] });
const env = new TestEnv();

before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const containerDir = (id: string) => join(env.root, 'containers', id);

/** No stack trace, no raw TypeError: at most one `dockerlite: error:` line. */
function clean(r: RunResult, what: string): void {
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /TypeError|SyntaxError|Cannot read prop/, `${what}: raw JS error\n${r.stderr}`);
  assert.ok(r.stderr.split('\n').filter((l) => l.startsWith('dockerlite: error:')).length <= 1, `${what}: more than one error line\n${r.stderr}`);
}

const BAD: Array<[file: 'config.json' | 'state.json', label: string, text: string]> = [
  ['config.json', 'garbage', '{"id": "x", tru'],
  ['config.json', 'empty', ''],
  ['config.json', 'null', 'null'],
  ['config.json', 'wrong shape', '{"name": 7, "args": null, "config": "x"}'],
  ['state.json', 'garbage', '\u0000\u0001not json'],
  ['state.json', 'empty', ''],
  ['state.json', 'null', 'null'],
  ['state.json', 'wrong shape', '{"status": "running", "pid": "12", "exitCode": null}'],
];

test('corrupt container records: ps lists the rest and marks them; inspect, start and rm of others work; rm -f removes them', { skip }, async () => {
  const good = await env.ok(['create', '--name', 'good', 'busybox', 'true']);
  const other = await env.ok(['create', '--name', 'other', 'busybox', 'true']);
  const broken: Array<{ id: string; file: string; label: string }> = [];
  for (const [file, label, text] of BAD) {
    const id = await env.ok(['create', 'busybox', 'true']);
    writeFileSync(join(containerDir(id), file), text);
    broken.push({ id, file, label });
  }

  const ps = await env.dl(['ps', '-a', '--no-trunc']);
  clean(ps, 'ps -a');
  assert.equal(ps.status, 0, ps.stderr);
  for (const name of ['good', 'other']) assert.match(ps.stdout, new RegExp(`\\b${name}\\b`), 'the good containers are listed');
  for (const b of broken) {
    const line = ps.stdout.split('\n').find((l) => l.startsWith(b.id));
    assert.ok(line, `${b.file} ${b.label}: the broken container is listed by its id\n${ps.stdout}`);
    assert.match(line, /Dead/, `${b.file} ${b.label}: marked dead`);
  }
  clean(await env.dl(['ps']), 'ps');

  // The good ones: inspect, start (it runs true and exits 0), rm.
  const insp = await env.dl(['inspect', 'good']);
  clean(insp, 'inspect good');
  assert.equal(insp.status, 0, insp.stderr);
  assert.equal(JSON.parse(insp.stdout)[0].Id, good);
  const start = await env.dl(['start', '-a', 'good']);
  clean(start, 'start good');
  assert.equal(start.status, 0, start.stderr);
  const rm = await env.dl(['rm', 'other']);
  clean(rm, 'rm other');
  assert.equal(rm.status, 0, rm.stderr);
  assert.ok(!existsSync(containerDir(other)));

  for (const b of broken) {
    const what = `${b.file} ${b.label}`;
    // inspect shows what is wrong, naming the file.
    const i = await env.dl(['inspect', b.id]);
    clean(i, `inspect (${what})`);
    assert.ok((i.stdout + i.stderr).includes(join(containerDir(b.id), b.file)), `inspect (${what}) names the file\n${i.stdout}${i.stderr}`);
    // Starting it is refused in one line that names the file.
    const s = await env.dl(['start', b.id]);
    clean(s, `start (${what})`);
    assert.equal(s.status, 1, `start (${what})`);
    assert.match(s.stderr, new RegExp(`^dockerlite: error: .*${join(containerDir(b.id), b.file).replace(/[/.]/g, '\\$&')}`, 'm'));
    // rm -f removes it: its rootfs subvolume and its directory.
    const r = await env.dl(['rm', '-f', b.id]);
    clean(r, `rm -f (${what})`);
    assert.equal(r.status, 0, `rm -f (${what}): ${r.stderr}`);
    assert.ok(!existsSync(containerDir(b.id)), `rm -f (${what}) removed the directory`);
  }
  const subvols = spawnSync('btrfs', ['subvolume', 'list', '-o', join(env.root, 'containers')], { encoding: 'utf8' }).stdout;
  for (const b of broken) assert.ok(!subvols.includes(b.id), `the rootfs of ${b.id} is gone`);
  const after = await env.ok(['ps', '-a', '-q', '--no-trunc']);
  assert.deepEqual(after.split('\n').filter(Boolean), [good]);
  await env.ok(['rm', 'good']);
});

test('a garbage image record: images skips it with a warning naming the file; system df and run of a good image work', { skip }, async (t) => {
  const records: string[] = [];
  t.after(() => records.forEach((p) => spawnSync('rm', ['-f', '--', p])));
  for (const [n, text] of [
    ['1', 'garbage {'],
    ['2', 'null'],
    ['3', '{"id": "x", "layers": "notalist", "config": null}'],
  ]) {
    const p = join(env.root, 'images', `${n.repeat(64)}.json`);
    writeFileSync(p, text);
    records.push(p);
  }
  const images = await env.dl(['images']);
  clean(images, 'images');
  assert.equal(images.status, 0, images.stderr);
  assert.match(images.stdout, /busybox/);
  for (const p of records) assert.ok(images.stderr.includes(p), `images warns about ${p}\n${images.stderr}`);

  // A garbage volume record beside them: volume ls and system df list the rest.
  await env.ok(['volume', 'create', 'goodvol']);
  const vol = join(env.root, 'volumes', 'badvol.json');
  writeFileSync(vol, '[1, 2');
  records.push(vol);
  const vls = await env.dl(['volume', 'ls']);
  clean(vls, 'volume ls');
  assert.equal(vls.status, 0, vls.stderr);
  assert.match(vls.stdout, /goodvol/);
  assert.ok(vls.stderr.includes(vol), `volume ls warns about ${vol}\n${vls.stderr}`);

  const df = await env.dl(['system', 'df']);
  clean(df, 'system df');
  assert.equal(df.status, 0, df.stderr);

  const run = await env.dl(['run', '--rm', 'busybox', 'echo', 'still-runs']);
  clean(run, 'run');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'still-runs');
  // Each bad record is reported once per command, however often the command reads the images.
  for (const p of records) assert.ok(run.stderr.split(p).length <= 2, `run warns once about ${p}\n${run.stderr}`);
  await env.ok(['volume', 'rm', 'goodvol']);
});

test('an image whose config has "Volumes": null, "Env": null and "Entrypoint": null loads and runs', { skip }, async () => {
  const dir = join(env.dir, 'vnull');
  mkdirSync(dir, { recursive: true });
  await env.ok(['save', '-o', join(dir, 'in.tar'), 'busybox']);
  const x = join(dir, 'x');
  mkdirSync(x);
  assert.equal(spawnSync('tar', ['-xf', join(dir, 'in.tar'), '-C', x]).status, 0);
  const manifest = JSON.parse(readFileSync(join(x, 'manifest.json'), 'utf8')) as Array<{ Config: string; RepoTags: string[] }>;
  const cfgPath = join(x, manifest[0].Config);
  const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { config?: Record<string, unknown> };
  // As Docker 20.10's import + save write them.
  cfg.config = { ...cfg.config, Volumes: null, Env: null, Entrypoint: null, Labels: null, OnBuild: null, Cmd: ['sh'] };
  writeFileSync(cfgPath, JSON.stringify(cfg));
  manifest[0].RepoTags = ['vnull:latest'];
  writeFileSync(join(x, 'manifest.json'), JSON.stringify(manifest));
  // A docker-archive: load reads manifest.json (the OCI index.json beside it is left out).
  spawnSync('rm', ['-f', '--', join(x, 'index.json'), join(x, 'oci-layout')]);
  assert.equal(spawnSync('tar', ['-cf', join(dir, 'out.tar'), '-C', x, '.']).status, 0);

  const load = await env.dl(['load', '-i', join(dir, 'out.tar')]);
  clean(load, 'load');
  assert.equal(load.status, 0, load.stderr);
  const run = await env.dl(['run', '--rm', 'vnull', 'echo', 'volumes-null-ok']);
  clean(run, 'run vnull');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'volumes-null-ok');
  const ins = JSON.parse(await env.ok(['image', 'inspect', 'vnull'])) as Array<{ Config: { Volumes?: unknown } }>;
  assert.ok(ins[0].Config.Volumes === undefined || ins[0].Config.Volumes === null);
});
