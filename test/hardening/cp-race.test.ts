// CVE-2018-15664 for dockerlite: a running container swaps a directory on a
// cp/export path for a symlink to a host directory, over and over. However the
// race falls, cp and export must never read or write the host's files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();
const SECRET = `HOST-SECRET-${env.id}`;
// Directories below the swapped one, in the container and on the host alike. A
// check-then-use resolver lstats every prefix of the path after the swapped
// component (quadratic in its length): that widens its window to milliseconds,
// as long as a busybox mv takes, so the test catches one in seconds. Without
// the fix, one run of this file saw 2 host reads in 40 cp out, 7 host files in
// 53 cp in, and 7 exports in 35 holding the host's secret.
const DEEP = 'a/'.repeat(400);

before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

/**
 * A container flipping /w/x between a real directory (holding deep/secret, and
 * with many, that many more files f1..fN beside it, all "inside") and a symlink
 * to hostDir, as fast as busybox can rename; with hold, each of the two states
 * lasts that many microseconds.
 */
async function racer(name: string, hostDir: string, o: { deep?: string; many?: number; hold?: number } = {}): Promise<void> {
  const deep = o.deep ?? DEEP;
  const wait = o.hold ? `usleep ${o.hold};` : '';
  const many = o.many ? `for i in $(seq ${o.many}); do echo inside > /w/x.dir/${deep}f$i; done;` : '';
  const swap = `mkdir -p /w/x.dir/${deep} && echo inside > /w/x.dir/${deep}secret && ${many} ln -s ${hostDir} /w/x.lnk && while :; do mv /w/x.dir /w/x; ${wait} mv /w/x /w/x.dir; mv /w/x.lnk /w/x; ${wait} mv /w/x /w/x.lnk; done`;
  await env.ok(['run', '-d', '--name', name, 'busybox', 'sh', '-c', swap]);
}

/** A host directory with the same deep chain; with the secret (as secret and f1..fN) at its end, or empty. */
function hostDir(name: string, secret: boolean, o: { deep?: string; many?: number } = {}): string {
  const d = `${env.dir}/${name}/${o.deep ?? DEEP}`;
  mkdirSync(d, { recursive: true });
  if (secret) for (const f of ['secret', ...Array.from({ length: o.many ?? 0 }, (_, i) => `f${i + 1}`)]) writeFileSync(`${d}/${f}`, SECRET);
  return `${env.dir}/${name}`;
}

/** Regular files at or under p, never following a symlink (a link cp copied as a link is not a read). */
function filesUnder(p: string): string[] {
  const st = lstatSync(p, { throwIfNoEntry: false });
  if (st?.isFile()) return [p];
  if (!st?.isDirectory()) return [];
  return readdirSync(p).flatMap((n) => filesUnder(`${p}/${n}`));
}

/** Everything but directories under dir (a file, link or node cp made there). */
function nonDirsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => `${e.parentPath ?? e.path}/${e.name}`);
}

/** Does any regular file at or under p hold the host's secret? */
const holdsSecret = (p: string) => filesUnder(p).some((f) => readFileSync(f, 'utf8').includes(SECRET));

/** Run attempt(i) from a few workers at once until max attempts or ms have passed. */
async function race(attempt: (i: number) => Promise<void>, o = { ms: 15_000, max: 200, workers: 4 }): Promise<number> {
  const deadline = Date.now() + o.ms;
  let n = 0;
  const worker = async () => {
    while (n < o.max && Date.now() < deadline) await attempt(n++);
  };
  await Promise.all(Array.from({ length: o.workers }, worker));
  return n;
}

const oneErrorLine = /^dockerlite: error: [^\n]*\n$/;

test('cp from a racing container never returns a host file', { skip }, async () => {
  await racer('from', hostDir('host-from', true));
  const out = `${env.dir}/from`;
  mkdirSync(out);
  const seen = { inside: 0, host: 0, failed: 0 };
  try {
    const tries = await race(async (i) => {
      const dst = `${out}/s${i}`;
      const r = await env.dl(['cp', `from:/w/x/${DEEP}secret`, dst]);
      if (r.status !== 0) {
        seen.failed++;
        assert.match(r.stderr, oneErrorLine, 'a lost race is one clean error line');
      }
      if (!filesUnder(dst).length) return;
      if (holdsSecret(dst)) seen.host++;
      else seen.inside++;
    });
    console.log(`cp from: ${tries} tries, ${JSON.stringify(seen)}`);
    assert.equal(seen.host, 0, `cp read the host's secret ${seen.host} times in ${tries}`);
    assert.ok(seen.inside > 0, 'some copies found the directory in place (the race ran)');
  } finally {
    await env.ok(['rm', '-f', 'from']);
  }
});

test('cp of a directory from a racing container never reads a host file', { skip }, async () => {
  // Many files in the directory, the same names in the host's: a walk that re-resolves each entry by
  // path can cross a swap part-way through. (It rarely does without missing a file first: 4 hits in
  // 50 tries in one run without the fix, none in another; the other tests catch that code reliably.)
  const shape = { deep: '', many: 100 };
  await racer('fromdir', hostDir('host-fromdir', true, shape), shape);
  const out = `${env.dir}/fromdir`;
  mkdirSync(out);
  let host = 0;
  let copied = 0;
  try {
    const tries = await race(async (i) => {
      const dst = `${out}/d${i}`;
      const r = await env.dl(['cp', 'fromdir:/w/x', dst]);
      if (r.status === 0) copied++;
      else assert.match(r.stderr, oneErrorLine);
      // Whatever a failed copy wrote before it stopped counts too.
      if (holdsSecret(dst)) host++;
    });
    console.log(`cp dir from: ${tries} tries, ${copied} copied, ${host} with host content`);
    assert.equal(host, 0, `cp read the host's secret ${host} times in ${tries}`);
    assert.ok(copied > 0, 'some copies succeeded (the race ran)');
  } finally {
    await env.ok(['rm', '-f', 'fromdir']);
  }
});

test('cp into a racing container never writes a host file', { skip }, async () => {
  const host = hostDir('host-to', false);
  await racer('to', host);
  writeFileSync(`${env.dir}/payload`, 'payload\n');
  let ok = 0;
  try {
    const tries = await race(async (i) => {
      const r = await env.dl(['cp', `${env.dir}/payload`, `to:/w/x/${DEEP}p${i}`]);
      if (r.status === 0) ok++;
      else assert.match(r.stderr, oneErrorLine, 'a lost race is one clean error line');
    });
    const leaked = nonDirsUnder(host);
    console.log(`cp to: ${tries} tries, ${ok} succeeded, ${leaked.length} files written in the host directory`);
    assert.deepEqual(leaked, [], `cp wrote ${leaked.length} files in the host directory in ${tries} tries`);
    assert.ok(ok > 0, 'some copies landed in the directory (the race ran)');
  } finally {
    await env.ok(['rm', '-f', 'to']);
  }
});

test('export of a racing container never contains a host file', { skip }, async () => {
  // Export takes longer than one swap: states that last a while let it list /w/x
  // as a directory and read it as a link, instead of finding it missing half-way.
  await racer('exp', hostDir('host-exp', true, { deep: '' }), { deep: '', hold: 40_000 });
  let host = 0;
  let exported = 0;
  try {
    const tries = await race(
      async (i) => {
        const tarFile = `${env.dir}/x${i}.tar`;
        const r = await env.dl(['export', '-o', tarFile, 'exp']);
        if (r.status === 0) exported++;
        else assert.match(r.stderr, oneErrorLine);
        // What a failed export wrote before it stopped counts too.
        if (holdsSecret(tarFile)) host++;
        rmSync(tarFile, { force: true });
      },
      { ms: 15_000, max: 60, workers: 2 },
    );
    console.log(`export: ${tries} tries, ${exported} exported, ${host} with host content`);
    assert.equal(host, 0, `export read the host's secret ${host} times in ${tries}`);
    assert.ok(exported > 0);
  } finally {
    await env.ok(['rm', '-f', 'exp']);
  }
});

test('cp still works both ways on a running, a paused and a stopped container; a paused one stays paused', { skip }, async () => {
  await env.ok([
    'run',
    '-d',
    '--name',
    'plain',
    'busybox',
    'sh',
    '-c',
    'mkdir -p /data/sub && echo hello > /data/sub/f && ln -s sub/f /data/link && ln -s /data /abs && touch /ready && sleep 1000',
  ]);
  const src = `${env.dir}/src`;
  mkdirSync(`${src}/dir`, { recursive: true });
  writeFileSync(`${src}/a.txt`, 'first\n', { mode: 0o640 });
  writeFileSync(`${src}/dir/b.txt`, 'bee\n');
  symlinkSync('b.txt', `${src}/dir/ln`);
  try {
    for (let i = 0; (await env.dl(['cp', 'plain:/ready', `${env.dir}/ready`])).status !== 0; i++) {
      assert.ok(i < 100, 'the container made its files');
      await new Promise((r) => setTimeout(r, 100));
    }
    const roundTrip = async (state: string) => {
      // Host -> container: a file onto a new name, then over itself; a tree into a directory reached through an absolute symlink (inside).
      await env.ok(['cp', `${src}/a.txt`, `plain:/data/a-${state}.txt`]);
      writeFileSync(`${src}/a.txt`, `second ${state}\n`);
      await env.ok(['cp', `${src}/a.txt`, `plain:/data/a-${state}.txt`]);
      await env.ok(['cp', `${src}/dir`, 'plain:/abs/sub/']);
      // Container -> host: the whole tree, and one file onto a new name.
      const out = `${env.dir}/out-${state}`;
      mkdirSync(out);
      await env.ok(['cp', 'plain:/data', out]);
      assert.equal(readFileSync(`${out}/data/a-${state}.txt`, 'utf8'), `second ${state}\n`);
      assert.equal(lstatSync(`${out}/data/a-${state}.txt`).mode & 0o777, 0o640);
      assert.equal(readFileSync(`${out}/data/sub/f`, 'utf8'), 'hello\n');
      assert.equal(readFileSync(`${out}/data/sub/dir/b.txt`, 'utf8'), 'bee\n');
      assert.equal(readlinkSync(`${out}/data/sub/dir/ln`), 'b.txt');
      assert.equal(readlinkSync(`${out}/data/link`), 'sub/f', 'a link is copied as a link');
      await env.ok(['cp', '-L', 'plain:/data/link', `${out}/followed`]);
      assert.equal(readFileSync(`${out}/followed`, 'utf8'), 'hello\n');
      // As a tar stream.
      const tar = await env.ok(['cp', 'plain:/data/sub', '-']);
      assert.match(tar, /sub\/dir\/b\.txt/);
    };
    await roundTrip('running');
    await env.ok(['pause', 'plain']);
    await roundTrip('paused');
    assert.equal(await env.ok(['inspect', '-f', '{{.State.Status}}', 'plain']), 'paused', 'cp left the paused container paused');
    await env.ok(['unpause', 'plain']);
    await env.ok(['stop', '-t', '0', 'plain']);
    await roundTrip('stopped');
    // Errors stay one clean line.
    const missing = await env.dl(['cp', `${src}/a.txt`, 'plain:/nowhere/at/all']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^dockerlite: error: no such directory nowhere on the way to \/nowhere\/at\/all in container plain\n$/);
    const overFile = await env.dl(['cp', `${src}/dir`, 'plain:/data/sub/f']);
    assert.match(overFile.stderr, /^dockerlite: error: cannot copy a directory over the non-directory f\n$/);
    // export and diff see the copies.
    await env.ok(['export', '-o', `${env.dir}/plain.tar`, 'plain']);
    assert.ok(readFileSync(`${env.dir}/plain.tar`).includes('second stopped'));
    assert.match(await env.ok(['diff', 'plain']), /^A \/data\/a-paused\.txt$/m);
  } finally {
    await env.ok(['rm', '-f', 'plain']);
  }
});
