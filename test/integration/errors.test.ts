// Bad input gets one clear error line and the right exit code, and loses nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';
import { writeTar, emptyHeader, type WriteEntry } from '../../src/oci/tar.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

async function tarOf(entries: WriteEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of writeTar(entries)) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
const file = (name: string, text: string): WriteEntry => ({ header: emptyHeader(name, 'file', { size: Buffer.byteLength(text) }), body: Buffer.from(text) });

/** One error line, no stack trace. */
function assertCleanError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0], /^dockerlite: error: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
}

/** Monitor processes of a store (their argument names its root). */
function monitorsOf(root: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    const cmd = (() => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return '';
      }
    })();
    if (cmd.includes('--dl-monitor-hook') && cmd.includes(`"root":"${root}"`)) out.push(Number(pid));
  }
  return out;
}

function scratchLeft(): string[] {
  return [...readdirSync(join(env.root, 'layers')), ...readdirSync(join(env.root, 'containers'))].filter((n) => n.startsWith('.tmp-'));
}

test('unknown images and containers', { skip }, async () => {
  const run = await env.dl(['run', 'no-such-image', 'true']);
  assert.equal(run.status, 125);
  assertCleanError(run.stderr, /no such image: no-such-image/);
  // run starts the container's monitor before it knows the image: it must be gone again, with its log.
  assert.deepEqual(
    readdirSync(join(env.root, 'tmp')).filter((n) => n.startsWith('monitor-')),
    [],
  );
  await eventually(() => !monitorsOf(env.root).length, 'the unneeded monitor to exit');
  const rm = await env.dl(['rm', 'no-such-container']);
  assert.equal(rm.status, 1);
  assertCleanError(rm.stderr, /no such container: no-such-container/);
  const bad = await env.dl(['run', 'Not_A/Valid::Ref', 'true']);
  assert.equal(bad.status, 125);
  assertCleanError(bad.stderr, /invalid reference format/);
  const flag = await env.dl(['ps', '--nope']);
  assert.equal(flag.status, 1);
  assertCleanError(flag.stderr, /--nope/);
});

test('an ambiguous id prefix lists what it matched', { skip }, async () => {
  const ids: string[] = [];
  for (let i = 0; i < 17; i++) ids.push(await env.ok(['create', 'busybox']));
  const first = ids.map((id) => id[0]);
  const dup = first.find((c, i) => first.indexOf(c) !== i)!; // 17 ids, 16 digits: one repeats
  const r = await env.dl(['inspect', '--type', 'container', dup]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ambiguous: it matches [0-9a-f]{12} \(\w+\), [0-9a-f]{12}/);
  await env.ok(['rm', ...ids]);
});

test('a command missing from the image exits 127; a non-executable one 126', { skip }, async () => {
  const nf = await env.dl(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(nf.status, 127);
  assertCleanError(nf.stderr, /executable file not found in \$PATH/);
  const ne = await env.dl(['run', '--rm', 'busybox', '/etc/passwd']);
  assert.equal(ne.status, 126);
  assert.equal(await env.ok(['ps', '-aq']), '', '--rm removed the containers even though they never ran');
});

test('rm of a running container is refused, rm -f kills it', { skip }, async () => {
  const child = spawn(process.execPath, [BIN, 'run', '--name', 'sleeper', 'busybox', 'sleep', '300'], { env: env.env, stdio: 'ignore' });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await eventually(async () => (await env.dl(['running', 'sleeper'])).status === 0, 'the container to run');
  const r = await env.dl(['rm', 'sleeper']);
  assert.equal(r.status, 1);
  assertCleanError(r.stderr, /is running; stop it first, or use rm -f/);
  await env.ok(['rm', '-f', 'sleeper']);
  assert.equal(await exited, 137, 'the attached run ends as killed');
  assert.equal(await env.ok(['ps', '-aq']), '');
});

test('hostile tarballs cannot write outside the rootfs', { skip }, async () => {
  const before = await env.ok(['images', '-aq']);
  const escape = await env.dl(['import', '-', 'evil:1'], { input: await tarOf([file('ok', 'fine'), file('../../../../tmp/escaped', 'x')]) });
  assert.equal(escape.status, 1);
  assertCleanError(escape.stderr, /points outside the root/);
  assert.equal(await env.ok(['images', '-aq']), before, 'no image was made');
  assert.deepEqual(scratchLeft(), [], 'no half-made layer');

  const outside = join(env.dir, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'victim'), 'untouched');
  const sneaky = await tarOf([{ header: emptyHeader('etc', 'symlink', { linkname: outside }) }, file('etc/victim', 'overwritten'), file('etc/new', 'planted')]);
  await env.ok(['import', '-', 'sneaky:1'], { input: gzipSync(sneaky) });
  assert.deepEqual(readdirSync(outside), ['victim']);
  assert.equal((await import('node:fs')).readFileSync(join(outside, 'victim'), 'utf8'), 'untouched');
  const rootfsHas = await env.ok(['run', '--rm', 'busybox', 'true']);
  assert.equal(rootfsHas, '');
  await env.ok(['rmi', 'sneaky:1']);

  const garbage = await env.dl(['import', '-'], { input: Buffer.from('definitely not a tar archive\n'.repeat(100)) });
  assert.equal(garbage.status, 1);
  assertCleanError(garbage.stderr, /not a valid tar archive/);
  const badgz = await env.dl(['import', '-'], { input: Buffer.concat([gzipSync(sneaky).subarray(0, 30), Buffer.alloc(100, 7)]) });
  assert.equal(badgz.status, 1);
  assertCleanError(badgz.stderr, /corrupt compressed data|not a valid tar/);
  assert.equal(await env.ok(['images', '-aq']), before);
  assert.deepEqual(scratchLeft(), []);
});

test('an interrupted import leaves nothing behind', { skip }, async () => {
  const before = await env.ok(['images', '-aq']);
  const child = spawn(process.execPath, [BIN, 'import', '-', 'interrupted:1'], { env: env.env, stdio: ['pipe', 'ignore', 'ignore'] });
  child.stdin.on('error', () => {}); // it is killed mid-write
  const header = await tarOf([{ header: emptyHeader('big', 'file', { size: 50 << 20 }), body: Buffer.alloc(50 << 20) }]);
  child.stdin.write(header.subarray(0, 4 << 20)); // part of the file, then silence
  await eventually(() => scratchLeft().length > 0, 'the import to start a layer');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  await env.ok(['images', '-aq']); // any command tidies up after a dead one
  assert.deepEqual(scratchLeft(), []);
  assert.equal(await env.ok(['images', '-aq']), before);
});

test('two dockerlite processes at once never corrupt the store', { skip }, async () => {
  const same = await Promise.all(Array.from({ length: 8 }, () => env.dl(['create', '--name', 'contested', 'busybox'])));
  assert.equal(same.filter((r) => r.status === 0).length, 1, 'exactly one create wins the name');
  for (const r of same.filter((x) => x.status !== 0)) assertCleanError(r.stderr, /name "contested" is already in use/);
  const tags = await Promise.all(Array.from({ length: 8 }, (_, i) => env.dl(['tag', 'busybox', `many:${i}`])));
  assert.ok(tags.every((r) => r.status === 0));
  const list = await env.ok(['images', 'many']);
  assert.equal(list.split('\n').length - 1, 8, 'every concurrent tag is kept');
  const runs = await Promise.all(Array.from({ length: 6 }, (_, i) => env.dl(['run', '--rm', 'busybox', 'sh', '-c', `echo ${i}`])));
  assert.deepEqual(
    runs.map((r) => r.stdout.trim()),
    ['0', '1', '2', '3', '4', '5'],
  );
  await env.ok(['rm', 'contested']);
  await env.ok(['rmi', ...Array.from({ length: 8 }, (_, i) => `many:${i}`)]);
  assert.ok(existsSync(join(env.root, 'refs.json')));
  JSON.parse((await import('node:fs')).readFileSync(join(env.root, 'refs.json'), 'utf8'));
});

test('a full disk is a clear error and leaves no half-made image', { skip }, async (t) => {
  const small = new TestEnv({ DOCKERLITE_LOOPSIZE: '300' });
  t.after(() => small.cleanup());
  await small.ok(['init']);
  const before = await small.ok(['images', '-aq']);
  const huge = await tarOf([{ header: emptyHeader('fill', 'file', { size: 600 << 20 }), body: Buffer.alloc(600 << 20, 1) }]);
  const r = await small.dl(['import', '-', 'huge:1'], { input: huge });
  assert.equal(r.status, 1);
  assertCleanError(r.stderr, /no space left/);
  assert.equal(await small.ok(['images', '-aq']), before);
  assert.deepEqual(
    readdirSync(join(small.root, 'layers')).filter((n) => n.startsWith('.tmp-')),
    [],
  );
  // The store still works once the failed import is gone.
  assert.equal(await small.ok(['run', '--rm', 'busybox', 'echo', 'still fine']), 'still fine');
});
