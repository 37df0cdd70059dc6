// Images without a registry: save and load in every format (into a second,
// empty store, so nothing is shared), what docker save wrote in the old
// layout, hostile archives, and the image commands: rmi, prune, history,
// images, system df.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { readTree, diffTrees } from '../helpers/tree.js';
import { tarBytes, busyboxBase, dir, file, symlink } from '../helpers/oci.js';
import type { WriteEntry } from '../../src/oci/tar.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'mkfs.btrfs', 'setfattr', 'getfattr'] });
const env = new TestEnv();
const other = new TestEnv();
before(async () => {
  if (skip) return;
  await env.ok(['init']);
  await other.ok(['init']);
});
after(async () => {
  await env.cleanup();
  await other.cleanup();
});

const CAP = '0x0100000200200000000000000000000000000000';
const rootfsOf = (e: TestEnv, ref: string) => e.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.Rootfs}}', ref]);
const idOf = (e: TestEnv, ref: string) => e.ok(['image', 'inspect', '-f', '{{.Id}}', ref]);

/** A two-commit image whose layers hold every kind of change. */
async function madeImage(ref: string): Promise<void> {
  await env.ok([
    'run',
    '--name',
    'src1',
    'busybox',
    'sh',
    '-c',
    [
      'mkdir -p /srv/www/a/b',
      'echo page > /srv/www/a/b/index.html',
      'chown -R 33:33 /srv/www',
      'chmod 2750 /srv/www',
      'ln -s /srv/www /www',
      'ln /bin/busybox /bin/another-name',
      'echo secret > /root/.hidden',
      'mkfifo /tmp/fifo',
    ].join(' && '),
  ]);
  const r1 = await env.ok(['rootfs', 'src1']);
  spawnSync('setfattr', ['-n', 'security.capability', '-v', CAP, join(r1, 'bin/another-name')]);
  spawnSync('setfattr', ['-n', 'user.origin', '-v', 'dockerlite test', join(r1, 'srv/www/a/b/index.html')]);
  spawnSync('mknod', ['-m', '640', join(r1, 'dev/tty9-like'), 'c', '4', '9']);
  await env.ok(['commit', '-m', 'first', 'src1', `${ref}-base`]);
  // The second layer deletes, replaces a directory wholesale, changes metadata only, and empties a directory.
  await env.ok([
    'run',
    '--name',
    'src2',
    `${ref}-base`,
    'sh',
    '-c',
    [
      'rm /root/.hidden',
      'rm -rf /srv/www/a',
      'mkdir /srv/www/a',
      'echo new > /srv/www/a/fresh',
      'chmod 600 /etc/passwd',
      'rm -rf /var/spool/mail/*',
      'touch -d @1600000000 /etc/group',
    ].join(' && '),
  ]);
  await env.ok(['commit', '-m', 'second', '-a', 'Tester <t@example.com>', 'src2', ref]);
  await env.ok(['rm', 'src1', 'src2']);
}

test('save and load round-trip in every format, into an empty store, exactly', { skip }, async () => {
  await madeImage('roundtrip:1');
  const want = readTree(await rootfsOf(env, 'roundtrip:1'));
  assert.match(want.get('bin/another-name')?.links ?? '', /bin\/another-name,.*bin\/busybox/, 'a new name of a lower file');
  assert.match(want.get('bin/another-name')?.xattrs ?? '', /security\.capability=0x01000002/);
  assert.equal(want.has('root/.hidden'), false);
  assert.deepEqual(
    [...want.keys()].filter((k) => k.startsWith('srv/www/a/')),
    ['srv/www/a/fresh'],
  );

  const files: Record<string, string> = {};
  for (const format of ['docker-archive', 'oci-archive', 'oci-dir']) {
    const out = join(env.dir, `saved-${format}${format === 'oci-dir' ? '' : '.tar'}`);
    await env.ok(['save', '--format', format, '-o', out, 'roundtrip:1']);
    files[format] = out;
    assert.ok(existsSync(out));
    assert.deepEqual(
      readdirSync(env.dir).filter((n) => n.endsWith('.tmp')),
      [],
      'no temporary file left',
    );
  }
  // The id is the config digest, so it must survive every trip unchanged.
  const id = await idOf(env, 'roundtrip:1');
  for (const [format, path] of Object.entries(files)) {
    const loaded = await other.ok(['load', '-i', path]);
    assert.equal(loaded, 'Loaded image: roundtrip:1', format);
    assert.equal(await idOf(other, 'roundtrip:1'), id, format);
    const got = readTree(await rootfsOf(other, 'roundtrip:1'));
    assert.deepEqual(diffTrees(want, got), [], `${format}: the loaded rootfs equals the saved one`);
    assert.equal(await other.ok(['run', '--rm', 'roundtrip:1', 'cat', '/srv/www/a/fresh']), 'new');
    const h = await other.ok(['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'roundtrip:1']);
    assert.match(h, /\|second\n.*\|first\n.*\|busybox from/);
    await other.ok(['rmi', 'roundtrip:1']);
  }
  // Loading from stdin, gzip-compressed, works as well.
  const gz = gzipSync(readFileSync(files['docker-archive']));
  assert.equal(await other.ok(['load'], { input: gz }), 'Loaded image: roundtrip:1');
  assert.equal(await idOf(other, 'roundtrip:1'), id);
});

/** The layout docker save wrote before Docker 25: <id>/layer.tar, VERSION, json, repositories, links for repeats. */
async function legacyArchive(): Promise<{ tar: Buffer; configDigest: string }> {
  const l1 = await tarBytes([...busyboxBase(), file('etc/legacy', 'from an old docker save\n')]);
  const l2 = await tarBytes([dir('opt'), file('opt/second', 'two\n'), symlink('opt/link', 'second')]);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2019-01-01T00:00:00Z',
      config: { Cmd: ['cat', '/etc/legacy'] },
      rootfs: { type: 'layers', diff_ids: [`sha256:${sha(l1)}`, `sha256:${sha(l2)}`, `sha256:${sha(l2)}`] },
    }),
  );
  const cfgName = `${sha(config)}.json`;
  const [id1, id2, id3] = ['a'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  const entries: WriteEntry[] = [
    dir(id1),
    file(`${id1}/VERSION`, '1.0'),
    file(`${id1}/json`, '{}'),
    file(`${id1}/layer.tar`, l1),
    dir(id2),
    file(`${id2}/VERSION`, '1.0'),
    file(`${id2}/json`, '{}'),
    file(`${id2}/layer.tar`, l2),
    // A repeated layer is a symlink to the first copy, as docker save writes it.
    dir(id3),
    file(`${id3}/VERSION`, '1.0'),
    file(`${id3}/json`, '{}'),
    symlink(`${id3}/layer.tar`, `../${id2}/layer.tar`),
    file(cfgName, config),
    file('repositories', JSON.stringify({ 'old/app': { v1: id3 } })),
    file(
      'manifest.json',
      JSON.stringify([{ Config: cfgName, RepoTags: ['old/app:v1'], Layers: [`${id1}/layer.tar`, `${id2}/layer.tar`, `${id3}/layer.tar`] }]),
    ),
  ];
  return { tar: await tarBytes(entries), configDigest: `sha256:${sha(config)}` };
}

test('loads what docker save wrote in its old layout, compressed or not', { skip }, async () => {
  const { tar, configDigest } = await legacyArchive();
  const path = join(env.dir, 'legacy.tar');
  writeFileSync(path, tar);
  assert.equal(await env.ok(['load', '-i', path]), 'Loaded image: old/app:v1');
  assert.equal(await idOf(env, 'old/app:v1'), configDigest);
  assert.equal(await env.ok(['run', '--rm', 'old/app:v1']), 'from an old docker save');
  await env.ok(['rmi', 'old/app:v1']);
  assert.equal(await env.ok(['load'], { input: gzipSync(tar) }), 'Loaded image: old/app:v1');
  assert.equal(await env.ok(['run', '--rm', 'old/app:v1', 'cat', '/opt/link']), 'two');
});

test('hostile or broken archives are refused and leave nothing behind', { skip }, async () => {
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  const outside = join(env.dir, 'outside-archive');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.json'), '{"rootfs":{"type":"layers","diff_ids":[]},"architecture":"amd64","os":"linux"}');
  const cases: Array<[string, WriteEntry[], RegExp]> = [
    [
      'a config path climbing out',
      [file('manifest.json', JSON.stringify([{ Config: `../../../../../../..${outside}/secret.json`, Layers: [] }]))],
      /has no config/,
    ],
    [
      'a config symlink out',
      [symlink('c.json', `${outside}/secret.json`), file('manifest.json', JSON.stringify([{ Config: 'c.json', Layers: [] }]))],
      /has no config/,
    ],
    ['an entry escaping the archive', [file('../../escape', 'x'), file('manifest.json', '[]')], /points outside the root/],
    ['no manifest at all', [file('hello', 'world')], /not an image archive/],
    [
      'a layer that does not match its diff id',
      [
        file('l.tar', 'x'.repeat(1024)),
        file('c.json', JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [`sha256:${'0'.repeat(64)}`] } })),
        file('manifest.json', JSON.stringify([{ Config: 'c.json', RepoTags: ['bad:1'], Layers: ['l.tar'] }])),
      ],
      /not a valid tar archive|does not match its diff id/,
    ],
  ];
  for (const [what, entries, pattern] of cases) {
    const r = await env.dl(['load'], { input: await tarBytes(entries) });
    assert.equal(r.status, 1, `${what}: ${r.stderr}`);
    assert.match(r.stderr, pattern, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.equal(await env.ok(['images', '-aq', '--no-trunc']), before);
  assert.deepEqual(readdirSync(join(env.root, 'tmp')), [], 'the scratch directory is gone');
  assert.deepEqual(
    readdirSync(join(env.root, 'layers')).filter((n) => n.startsWith('.tmp-')),
    [],
  );
  assert.deepEqual(readdirSync(outside), ['secret.json']);
});

test('rmi untags first, deletes when nothing is left, and respects containers', { skip }, async () => {
  await env.ok(['run', '--name', 'rmi-src', 'busybox', 'sh', '-c', 'echo x > /x']);
  const id = (await env.ok(['commit', 'rmi-src', 'one/app:1'])).replace('sha256:', '');
  await env.ok(['rm', 'rmi-src']);
  await env.ok(['tag', 'one/app:1', 'one/app:2']);
  await env.ok(['tag', 'one/app:1', 'two/app:1']);
  assert.equal(await env.ok(['rmi', 'one/app:2']), 'Untagged: one/app:2');
  const byId = await env.dl(['rmi', id.slice(0, 12)]);
  assert.equal(byId.status, 1);
  assert.match(byId.stderr, /referenced in several repositories \(one\/app:1, two\/app:1\)/);
  await env.ok(['rmi', 'two/app:1']);
  await env.ok(['create', '--name', 'user', 'one/app:1']);
  const used = await env.dl(['rmi', 'one/app:1']);
  assert.equal(used.status, 1);
  assert.match(used.stderr, /in use by container/);
  // -f untags; the image stays (dangling) while the container needs it, as Docker.
  assert.equal(await env.ok(['rmi', '-f', 'one/app:1']), 'Untagged: one/app:1');
  assert.match(await env.ok(['images', '--filter', 'dangling=true', '-q', '--no-trunc']), new RegExp(id));
  assert.equal(await env.ok(['start', '-a', 'user', 'cat', '/x']), 'x', 'the container still works');
  await env.ok(['rm', 'user']);
  const del = await env.ok(['rmi', id]);
  assert.match(del, new RegExp(`^Deleted: sha256:${id}$`, 'm'));
});

test('image prune removes dangling images (or all unused ones with -a) and reports the space', { skip }, async () => {
  await env.ok(['run', '--name', 'pr', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/blob bs=1k count=512 2>/dev/null']);
  const dangling = (await env.ok(['commit', 'pr'])).replace('sha256:', '');
  await env.ok(['commit', 'pr', 'kept:1']);
  await env.ok(['rm', 'pr']);
  const r = await env.ok(['image', 'prune', '-f']);
  assert.match(r, new RegExp(`^Deleted Images:\\ndeleted: sha256:${dangling}\\n\\nTotal reclaimed space: \\d`, 'm'));
  assert.equal(await env.ok(['images', '-q', 'kept']), (await idOf(env, 'kept:1')).slice(7, 19));
  const none = await env.ok(['image', 'prune', '-f']);
  assert.equal(none, 'Total reclaimed space: 0B');
  // Asked without -f on a closed stdin, nothing happens.
  assert.match(await env.ok(['image', 'prune', '-a'], { input: 'n\n' }), /^$/);
  assert.ok((await env.ok(['images', '-q', 'kept'])).length > 0);
});

test('history, images --filter, image inspect and system df describe what is there', { skip }, async () => {
  await env.ok(['run', '--name', 'df-src', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/mb bs=1k count=1024 2>/dev/null']);
  await env.ok(['commit', '-m', 'one megabyte', 'df-src', 'df:1']);
  const h = (await env.ok(['history', 'df:1'])).split('\n');
  assert.match(h[0], /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
  assert.match(h[1], /^[0-9a-f]{12}\s+.*dd if=\/dev\/zero.*\s+1\.05MB\s+one megabyte$/);
  assert.match(h[2], /^[0-9a-f]{12}\s+.*dockerlite init/, 'the busybox image is here, so its id is shown');

  assert.equal(await env.ok(['images', '--filter', 'reference=df', '--format', 'json']).then((t) => JSON.parse(t).Repository), 'df');
  const inspect = JSON.parse(await env.ok(['image', 'inspect', 'df:1']))[0];
  assert.ok(inspect.Size > 1048576);
  assert.deepEqual(inspect.RepoTags, ['df:1']);
  const missing = await env.dl(['image', 'inspect', 'no-such-image']);
  assert.equal(missing.status, 1);

  const rows = (await env.ok(['system', 'df', '--format', 'json'])).split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(
    rows.map((r) => r.Type),
    ['Images', 'Containers', 'Local Volumes', 'Build Cache', 'Content store'],
  );
  // Docker's json rows hold strings: {"Active":"0",...}.
  assert.equal(rows[1].Active, '0');
  assert.match(rows[1].Size, /^1\.05MB$/, 'the container wrote a megabyte');
  const verbose = await env.ok(['system', 'df', '-v']);
  const line = verbose.split('\n').find((l) => l.startsWith('df '))!;
  // df:1 shares busybox's layer and has one megabyte of its own.
  assert.match(line, /^df\s+1\s+[0-9a-f]{12}\s+.*\s+(\S+)\s+(\S+)\s+1\.05MB\s+0$/);
  const busybox = verbose.split('\n').find((l) => l.startsWith('busybox '))!;
  assert.match(busybox, /\s0B\s+\d+$/, 'busybox has nothing of its own: all of it is shared');
  await env.ok(['rm', 'df-src']);
});

test('tar entries of an image can be exported as an uncompressed layer with whiteouts', { skip }, async () => {
  // A commit's layer, as saved: only the change, with a whiteout for the deletion.
  await env.ok(['run', '--name', 'wh', 'busybox', 'sh', '-c', 'rm /etc/group && mkdir /new && echo 1 > /new/one']);
  await env.ok(['commit', 'wh', 'wh:1']);
  await env.ok(['rm', 'wh']);
  const out = join(env.dir, 'wh.tar');
  await env.ok(['save', '-o', out, 'wh:1']);
  const manifest = JSON.parse(spawnSync('tar', ['-xOf', out, 'manifest.json'], { encoding: 'utf8' }).stdout);
  const top = manifest[0].Layers.at(-1);
  const list = spawnSync('sh', ['-c', `tar -xOf '${out}' '${top}' | tar -t`], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .sort();
  assert.deepEqual(list, ['etc/', 'etc/.wh.group', 'new/', 'new/one']);
});
