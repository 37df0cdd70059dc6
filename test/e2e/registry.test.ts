// dockerlite against a real registry (docker-registry, plain HTTP on
// 127.0.0.1), with skopeo and umoci as the independent implementations:
// what skopeo pushes, dockerlite pulls into the same rootfs umoci unpacks;
// what dockerlite pushes, skopeo reads and copies and umoci unpacks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { TestRegistry } from '../helpers/registry.js';
import { FaultProxy } from '../helpers/faultproxy.js';
import { readTree, diffTrees } from '../helpers/tree.js';
import {
  busyboxBase,
  dir,
  file,
  symlink,
  hardlink,
  whiteout,
  opaque,
  writeImage,
  writeIndex,
  writePlatformIndex,
  skopeoPush,
  skopeoPull,
  skopeoInspect,
  skopeoRawManifest,
  umociUnpack,
} from '../helpers/oci.js';
import { emptyHeader } from '../../src/oci/tar.js';

const skip = missingPrereq({ tools: ['docker-registry', 'skopeo', 'umoci', 'lxc-execute', 'btrfs', 'getfattr', 'setfattr', 'openssl'] });
const env = new TestEnv();
let reg: TestRegistry;
const work = join(env.dir, 'work');

before(async () => {
  if (skip) return;
  mkdirSync(work, { recursive: true });
  await env.ok(['init']);
  reg = await TestRegistry.start(join(env.dir, 'registry'), { catalogMax: 2 });
});
after(async () => {
  await reg?.stop();
  await env.cleanup();
});

/** file capability cap_net_raw+ep, as setcap writes it (VFS_CAP_REVISION_2). */
const CAP_NET_RAW = Buffer.from('0100000200200000000000000000000000000000', 'hex');

const rootfsOf = async (ref: string) => env.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.Rootfs}}', ref]);
const blobGets = () => reg.requests().filter((r) => /^GET \/v2\/.*\/blobs\//.test(r)).length;

test('an image skopeo pushes is pulled by dockerlite into the rootfs umoci unpacks', { skip }, async () => {
  const layout = join(work, 'fidelity');
  const long = `deep/${'d'.repeat(60)}/${'e'.repeat(60)}/file-with-a-long-name-${'f'.repeat(40)}`;
  const base = [
    ...busyboxBase(),
    dir('srv', { mode: 0o750, uid: 1000, gid: 1000 }),
    file('srv/owned', 'by app\n', { uid: 1000, gid: 1000, mode: 0o640 }),
    file('bin/suid', 'not really a program\n', { mode: 0o4755 }),
    file('bin/ping', 'pretend ping\n', { mode: 0o755, xattrs: new Map([['security.capability', CAP_NET_RAW]]) }),
    file('etc/tagged', 'has a user xattr\n', { xattrs: new Map([['user.note', Buffer.from('hello\0binary\xff', 'latin1')]]) }),
    symlink('etc/rel-link', 'tagged'),
    symlink('etc/abs-link', '/etc/passwd'),
    symlink('dangling', '/no/such/target'),
    file('etc/hl-a', 'shared inode\n'),
    hardlink('etc/hl-b', 'etc/hl-a'),
    { header: emptyHeader('dev/mynull', 'char', { mode: 0o666, devmajor: 1, devminor: 3 }) },
    { header: emptyHeader('dev/myfifo', 'fifo', { mode: 0o600 }) },
    dir('deep'),
    dir(`deep/${'d'.repeat(60)}`),
    dir(`deep/${'d'.repeat(60)}/${'e'.repeat(60)}`),
    file(long, 'long path\n'),
    dir('data'),
    file('data/old1', '1'),
    dir('data/sub'),
    file('data/sub/old2', '2'),
    dir('gone'),
    file('gone/a', 'a'),
    file('file-to-dir', 'was a file'),
    file('mode-change', 'x', { mode: 0o644 }),
  ];
  const second = [
    whiteout('etc/tagged'),
    opaque('data'),
    dir('data'),
    file('data/new', 'only this survives'),
    dir('file-to-dir'),
    file('file-to-dir/inside', 'now a directory'),
    file('mode-change', 'x', { mode: 0o600 }),
    hardlink('bin/hl-c', 'etc/hl-a'),
  ];
  const third = [whiteout('gone'), file('etc/late', 'added last\n'), whiteout('dangling')];
  const img = await writeImage(layout, {
    layers: [{ entries: base }, { entries: second }, { entries: third, compression: 'none' }],
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
  });
  writeIndex(layout, [{ tag: 'v1', desc: img.manifest }]);
  skopeoPush(layout, 'v1', `${reg.host}/fixtures/fidelity:v1`);

  const before = blobGets();
  const r = await env.dl(['pull', `${reg.host}/fixtures/fidelity:v1`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${reg.host}/fixtures/fidelity:v1`);
  assert.match(r.stderr, /Pull complete/);
  assert.ok(blobGets() - before >= 4, 'config and three layers were fetched');

  const oracle = umociUnpack(layout, 'v1', join(work, 'fidelity-bundle'));
  const ours = await rootfsOf(`${reg.host}/fixtures/fidelity:v1`);
  const differences = diffTrees(readTree(oracle), readTree(ours));
  assert.deepEqual(differences, [], 'dockerlite and umoci unpack the same rootfs');
  // And the fixture really exercised what it meant to (umoci agrees, and so do we).
  const t = readTree(ours);
  assert.equal(t.get('bin/suid')?.mode, '4755');
  assert.match(t.get('bin/ping')?.xattrs ?? '', /security\.capability=0x01000002002/);
  assert.equal(t.has('etc/tagged'), false, 'whiteout');
  assert.deepEqual(
    [...t.keys()].filter((p) => p.startsWith('data/')),
    ['data/new'],
    'opaque directory',
  );
  assert.equal(t.get('file-to-dir')?.type, 'dir');
  assert.equal(t.get('bin/hl-c')?.links, 'bin/hl-c,etc/hl-a,etc/hl-b');
  assert.equal(t.get('dev/mynull')?.type, 'char');
  assert.equal(t.has('gone'), false);

  // The image's config drives run; and the image id is its config digest, as Docker's.
  assert.equal(await env.ok(['run', '--rm', `${reg.host}/fixtures/fidelity:v1`, 'sh', '-c', 'cat /data/new; cat /etc/late']), 'only this survivesadded last');
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/fixtures/fidelity:v1`]), img.configDigest);

  // A second pull does no work: no blob is fetched again.
  const again = blobGets();
  const r2 = await env.dl(['pull', `${reg.host}/fixtures/fidelity:v1`]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.match(r2.stderr, /Image is up to date/);
  assert.equal(blobGets(), again, 'no blob downloads on the second pull');
});

test('a second pull of the same image asks for its manifest once and fetches nothing else (counted by a proxy)', { skip }, async () => {
  const layout = join(work, 'again');
  const img = await writeImage(layout, {
    layers: [{ entries: busyboxBase() }, { entries: [file('etc/second', 'two\n')] }],
    config: { Cmd: ['sh'] },
  });
  writeIndex(layout, [{ tag: 'v1', desc: img.manifest }]);
  skopeoPush(layout, 'v1', `${reg.host}/fixtures/again:v1`);
  const proxy = await FaultProxy.start(reg.host);
  try {
    const ref = `${proxy.host}/fixtures/again:v1`;
    const first = await env.dl(['pull', ref]);
    assert.equal(first.status, 0, first.stderr);
    const blobs = (seen: string[]) => seen.filter((r) => /^GET \/v2\/fixtures\/again\/blobs\//.test(r));
    assert.equal(blobs(proxy.seen).length, 3, `config and two layers, each once: ${proxy.seen.join(', ')}`);

    const id = (await env.ok(['image', 'inspect', '-f', '{{.Id}}', ref])).slice(7);
    const records = [join(env.root, 'refs.json'), join(env.root, 'images', `${id}.json`)];
    const written = () => records.map((f) => statSync(f).mtimeMs);
    const before = written();
    const mark = proxy.seen.length;
    const second = await env.dl(['pull', ref]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stderr, /Image is up to date/);
    assert.deepEqual(written(), before, 'nothing changed, so neither the image record nor refs.json was rewritten');
    // Besides the version check (GET /v2/, which Docker's pull sends too): one manifest request, no blob.
    const asked = proxy.seen.slice(mark).filter((r) => r !== 'GET /v2/');
    assert.deepEqual(asked, ['GET /v2/fixtures/again/manifests/v1'], proxy.seen.slice(mark).join(', '));
  } finally {
    await proxy.stop();
  }
});

test('a pull whose first layer is here but not its blob finds the image up to date and leaves nothing behind', { skip }, async () => {
  const layout = join(work, 'early');
  const img = await writeImage(layout, { layers: [{ entries: [...busyboxBase(), file('etc/early', 'e\n')] }], config: { Cmd: ['sh'] } });
  writeIndex(layout, [{ tag: 'v1', desc: img.manifest }]);
  skopeoPush(layout, 'v1', `${reg.host}/fixtures/early:v1`);
  const ref = `${reg.host}/fixtures/early:v1`;
  await env.ok(['pull', ref]);
  // The layer stays; its compressed blob goes (as after a crash between the two, or a blob collected by hand).
  const layer = JSON.parse(readFileSync(join(env.root, 'layers', `${img.diffIds[0].slice(7)}.json`), 'utf8')) as { blob: { digest: string } };
  rmSync(join(env.root, 'blobs', 'sha256', layer.blob.digest.slice(7)));
  const mark = reg.requests().length;
  const r = await env.dl(['pull', ref]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Image is up to date/);
  // The layer is here: its blob is not fetched again.
  const gets = reg
    .requests()
    .slice(mark)
    .filter((q) => q.startsWith(`GET /v2/fixtures/early/blobs/${layer.blob.digest}`));
  assert.deepEqual(gets, []);
  assert.deepEqual(readdirSync(join(env.root, 'blobs', 'incoming')), [], 'no half-written blob');
  assert.deepEqual(readdirSync(join(env.root, 'leases')), [], 'no lease');
  assert.equal(await env.ok(['run', '--rm', ref, 'cat', '/etc/early']), 'e');
});

test('an image dockerlite pushes is read by skopeo, unpacked by umoci, and runs after being pulled back', { skip }, async () => {
  await env.ok([
    'run',
    '--name',
    'maker',
    'busybox',
    'sh',
    '-c',
    [
      'echo hello > /greeting',
      'rm /etc/nsswitch.conf',
      'mkdir -p /opt/app/conf',
      'echo k=v > /opt/app/conf/app.ini',
      'chown -R 1000:1000 /opt/app',
      'chmod 4711 /opt/app/conf/app.ini',
      'ln -s /opt/app /app',
      'ln /greeting /greeting-link',
      'rm -rf /var/spool',
      'mkfifo /run-fifo',
    ].join(' && '),
  ]);
  // What a shell in the container cannot do: file capabilities and device nodes, from the host.
  const rootfs = await env.ok(['rootfs', 'maker']);
  writeFileSync(join(rootfs, 'capable'), 'x');
  spawnSync('setfattr', ['-n', 'security.capability', '-v', `0x${CAP_NET_RAW.toString('hex')}`, join(rootfs, 'capable')]);
  spawnSync('mknod', ['-m', '600', join(rootfs, 'dev/kmsg-like'), 'c', '1', '11']);
  await env.ok(['commit', '-m', 'made by dockerlite', 'maker', `${reg.host}/dl/made:1`]);
  const push = await env.dl(['push', `${reg.host}/dl/made:1`]);
  assert.equal(push.status, 0, push.stderr);
  assert.match(push.stderr, /1: digest: sha256:[0-9a-f]{64} size: \d+/);

  const info = skopeoInspect(`${reg.host}/dl/made:1`);
  assert.equal((info.Layers as string[]).length, 2);
  const cfg = skopeoInspect(`${reg.host}/dl/made:1`, true) as { rootfs: { diff_ids: string[] }; history: Array<{ comment?: string }> };
  assert.equal(cfg.rootfs.diff_ids.length, 2);
  assert.equal(cfg.history.length, 2);
  assert.equal(cfg.history[1].comment, 'made by dockerlite');
  // The local id became the config digest once the commit's layer was exported.
  const manifest = skopeoRawManifest(`${reg.host}/dl/made:1`) as { config: { digest: string } };
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/dl/made:1`]), manifest.config.digest);

  skopeoPull(`${reg.host}/dl/made:1`, join(work, 'made-layout'), 'm');
  const oracle = umociUnpack(join(work, 'made-layout'), 'm', join(work, 'made-bundle'));
  const ours = await rootfsOf(`${reg.host}/dl/made:1`);
  assert.deepEqual(diffTrees(readTree(oracle), readTree(ours)), [], 'umoci unpacks what the committed rootfs holds');
  const t = readTree(oracle);
  assert.equal(t.has('etc/nsswitch.conf'), false, 'the deletion travelled as a whiteout');
  assert.equal(t.has('var/spool'), false);
  assert.equal(t.get('opt/app/conf/app.ini')?.mode, '4711');
  assert.equal(t.get('opt/app/conf/app.ini')?.owner, '1000:1000');
  assert.match(t.get('capable')?.xattrs ?? '', /security\.capability/);
  assert.equal(t.get('dev/kmsg-like')?.type, 'char');
  assert.equal(t.get('greeting')?.links, 'greeting,greeting-link');

  await env.ok(['rm', 'maker']);
  await env.ok(['rmi', `${reg.host}/dl/made:1`]);
  const back = await env.dl(['pull', `${reg.host}/dl/made:1`]);
  assert.equal(back.status, 0, back.stderr);
  assert.equal(
    await env.ok(['run', '--rm', `${reg.host}/dl/made:1`, 'sh', '-c', 'cat /greeting /app/conf/app.ini; ls /etc/nsswitch.conf 2>&1 || true']),
    'hello\nk=v\nls: /etc/nsswitch.conf: No such file or directory',
  );
});

test('a multi-platform index: the host platform by default, --platform to choose, attestations skipped', { skip }, async () => {
  const layout = join(work, 'multi');
  const amd = await writeImage(layout, { layers: [{ entries: [...busyboxBase(), file('platform', 'amd64\n')] }], config: { Cmd: ['cat', '/platform'] } });
  const arm = await writeImage(layout, { architecture: 'arm64', variant: 'v8', layers: [{ entries: [file('platform', 'arm64\n')] }] });
  const idx = writePlatformIndex(layout, [
    { desc: amd.manifest, platform: { os: 'linux', architecture: 'amd64' } },
    { desc: arm.manifest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
  ]);
  writeIndex(layout, [{ tag: 'multi', desc: idx }]);
  skopeoPush(layout, 'multi', `${reg.host}/fixtures/multi:1`, { all: true });

  await env.ok(['pull', `${reg.host}/fixtures/multi:1`]);
  assert.equal(await env.ok(['run', '--rm', `${reg.host}/fixtures/multi:1`]), 'amd64');
  const digests = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .RepoDigests}}', `${reg.host}/fixtures/multi:1`]));
  assert.deepEqual(digests, [`${reg.host}/fixtures/multi@${idx.digest}`], 'the repo digest is the index digest, as Docker records it');

  await env.ok(['pull', '--platform', 'linux/arm64', `${reg.host}/fixtures/multi:1`]);
  assert.equal(await env.ok(['image', 'inspect', '-f', '{{.Architecture}}', `${reg.host}/fixtures/multi:1`]), 'arm64');
  assert.equal(readFileSync(join(await rootfsOf(`${reg.host}/fixtures/multi:1`), 'platform'), 'utf8'), 'arm64\n');

  const none = await env.dl(['pull', '--platform', 'linux/s390x', `${reg.host}/fixtures/multi:1`]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /^dockerlite: error: no matching manifest for linux\/s390x .*\(it has: linux\/amd64, linux\/arm64\)/m);
  assert.doesNotMatch(none.stderr, /unknown/, 'the attestation entry is not offered as a platform');
});

test('push skips blobs the registry has, mounts across repositories, and keeps a pulled manifest byte for byte', { skip }, async () => {
  await env.ok(['run', '--name', 'unique', 'busybox', 'sh', '-c', 'echo only here > /unique']);
  await env.ok(['commit', 'unique', `${reg.host}/share/one:1`]);
  await env.ok(['tag', `${reg.host}/share/one:1`, `${reg.host}/share/two:1`]);
  const first = await env.dl(['push', `${reg.host}/share/one:1`]);
  assert.equal(first.status, 0, first.stderr);
  const top = /^([0-9a-f]{12}): Pushed$/m.exec(first.stderr)?.[1];
  assert.ok(top, `the new layer was uploaded:\n${first.stderr}`);
  const mark = reg.requests().length;
  const second = await env.dl(['push', `${reg.host}/share/two:1`]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, new RegExp(`^${top}: Mounted from share/one$`, 'm'));
  const during = reg.requests().slice(mark);
  assert.ok(
    during.some((r) => new RegExp(`^POST /v2/share/two/blobs/uploads/\\?mount=sha256%3A${top}[0-9a-f]+&from=share%2Fone 201$`).test(r)),
    during.join('\n'),
  );
  assert.equal(during.filter((r) => r.startsWith('PUT /v2/share/two/blobs/uploads/')).length, 0, 'no layer or config was uploaded again');
  const third = await env.dl(['push', `${reg.host}/share/one:1`]);
  assert.match(third.stderr, new RegExp(`^${top}: Layer already exists$`, 'm'));
  const pushed = /digest: (sha256:[0-9a-f]{64})/.exec(third.stderr)![1];
  assert.match(await env.ok(['images', '--digests', `${reg.host}/share/one`]), new RegExp(`^${reg.host}/share/one\\s+1\\s+${pushed}\\s`, 'm'));
  await env.ok(['rm', 'unique']);

  // Re-pushing a pulled image elsewhere keeps its manifest digest.
  const src = `${reg.host}/fixtures/fidelity:v1`;
  const digest = skopeoInspect(src).Digest as string;
  await env.ok(['tag', src, `${reg.host}/copies/fidelity:v1`]);
  const out = await env.ok(['push', '-q', `${reg.host}/copies/fidelity:v1`]);
  assert.equal(out, `${reg.host}/copies/fidelity@${digest}`);
});

test('search walks the catalog page by page and lists tags', { skip }, async () => {
  // The registry serves at most 2 repositories per catalog page (catalogMax), so this needs the Link header.
  const r = await env.dl(['search', `${reg.host}/`]);
  assert.equal(r.status, 0, r.stderr);
  for (const name of ['fixtures/fidelity', 'fixtures/multi', 'dl/made', 'share/one', 'share/two', 'copies/fidelity']) {
    assert.match(r.stdout, new RegExp(`^${reg.host}/${name}\\s`, 'm'));
  }
  assert.match(r.stdout, new RegExp(`^${reg.host}/fixtures/fidelity\\s+v1$`, 'm'));
  const some = await env.ok(['search', `${reg.host}/share`]);
  assert.deepEqual(
    some
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[0]),
    [`${reg.host}/share/one`, `${reg.host}/share/two`],
  );
  const limited = await env.ok(['search', '--limit', '1', '--format', '{{.Name}}', `${reg.host}/fixtures`]);
  assert.equal(limited.split('\n').length, 1);
  const hub = await env.dl(['search', 'busybox']);
  assert.equal(hub.status, 1);
  assert.match(hub.stderr, /Docker Hub offers no catalog/);
});

test('run honours the pulled image config: Entrypoint, Cmd, Env, WorkingDir, User, and keeps the rest', { skip }, async () => {
  const layout = join(work, 'configured');
  const img = await writeImage(layout, {
    layers: [{ entries: [...busyboxBase(), dir('home'), dir('home/app', { uid: 1000, gid: 1000 })] }],
    config: {
      Entrypoint: ['sh', '-c', 'echo "$GREETING from $(pwd) as $(id -u):$(id -g) args:$0 $1"'],
      Cmd: ['first', 'second'],
      Env: ['PATH=/bin', 'GREETING=hi'],
      WorkingDir: '/home/app',
      User: 'app',
      Labels: { 'org.example.role': 'fixture' },
      ExposedPorts: { '8080/tcp': {} },
      Volumes: { '/data': {} },
      StopSignal: 'SIGUSR1',
    },
  });
  writeIndex(layout, [{ tag: 'c', desc: img.manifest }]);
  skopeoPush(layout, 'c', `${reg.host}/fixtures/configured:1`);
  const never = await env.dl(['run', '--rm', '--pull', 'never', `${reg.host}/fixtures/configured:1`]);
  assert.equal(never.status, 125);
  assert.match(never.stderr, /no such image/);
  // Missing, and naming its registry: run pulls it first, as docker run does.
  const first = await env.dl(['run', '--rm', `${reg.host}/fixtures/configured:1`]);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`Unable to find image '${reg.host}/fixtures/configured:1' locally`));
  assert.equal(first.stdout.trim(), 'hi from /home/app as 1000:1000 args:first second');
  assert.equal(await env.ok(['run', '--rm', '-e', 'GREETING=hey', `${reg.host}/fixtures/configured:1`, 'x', 'y']), 'hey from /home/app as 1000:1000 args:x y');
  const cfg = JSON.parse(await env.ok(['image', 'inspect', '-f', '{{json .Config}}', `${reg.host}/fixtures/configured:1`]));
  assert.deepEqual(cfg.ExposedPorts, { '8080/tcp': {} });
  assert.deepEqual(cfg.Volumes, { '/data': {} });
  assert.equal(cfg.StopSignal, 'SIGUSR1');
  assert.deepEqual(cfg.Labels, { 'org.example.role': 'fixture' });
});

test('zstd layers (as skopeo writes them on request) are pulled and run', { skip }, async () => {
  const layout = join(work, 'zstd');
  const img = await writeImage(layout, {
    layers: [{ entries: [...busyboxBase(), file('zstd-marker', 'compressed with zstd')] }],
    config: { Cmd: ['cat', '/zstd-marker'] },
  });
  writeIndex(layout, [{ tag: 'z', desc: img.manifest }]);
  const r = spawnSync(
    'skopeo',
    ['copy', '-q', '--dest-tls-verify=false', '--dest-compress-format', 'zstd', '--dest-compress', `oci:${layout}:z`, `docker://${reg.host}/fixtures/zstd:1`],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  const m = skopeoRawManifest(`${reg.host}/fixtures/zstd:1`) as { layers: Array<{ mediaType: string }> };
  assert.match(m.layers[0].mediaType, /zstd/, 'the registry really holds a zstd layer');
  await env.ok(['pull', '-q', `${reg.host}/fixtures/zstd:1`]);
  assert.equal(await env.ok(['run', '--rm', `${reg.host}/fixtures/zstd:1`]), 'compressed with zstd');
});

test('build FROM an image in the registry (pulled on the way), then push the built image and pull it back', { skip }, async () => {
  const ctxDir = join(work, 'build-context');
  mkdirSync(ctxDir, { recursive: true });
  writeFileSync(join(ctxDir, 'hello.txt'), 'copied into the image\n');
  writeFileSync(
    join(ctxDir, 'Dockerfile'),
    [
      `FROM ${reg.host}/fixtures/configured:1`,
      'USER root',
      'RUN echo built > /home/app/built && rm /etc/group',
      'COPY hello.txt /srv/hello.txt',
      'ENTRYPOINT []',
      'CMD ["cat", "/home/app/built", "/srv/hello.txt"]',
    ].join('\n'),
  );
  await env.dl(['rmi', '-f', `${reg.host}/fixtures/configured:1`]);
  const b = await env.dl(['build', '-t', `${reg.host}/built/app:1`, ctxDir]);
  assert.equal(b.status, 0, b.stderr);
  const push = await env.dl(['push', `${reg.host}/built/app:1`]);
  assert.equal(push.status, 0, push.stderr);
  const cfg = skopeoInspect(`${reg.host}/built/app:1`, true) as { rootfs: { diff_ids: string[] } };
  const manifest = skopeoRawManifest(`${reg.host}/built/app:1`) as { config: { digest: string }; layers: unknown[] };
  assert.equal(cfg.rootfs.diff_ids.length, manifest.layers.length);
  assert.equal(
    await env.ok(['image', 'inspect', '-f', '{{.Id}}', `${reg.host}/built/app:1`]),
    manifest.config.digest,
    'the built image id became its config digest',
  );
  skopeoPull(`${reg.host}/built/app:1`, join(work, 'built-layout'), 'b');
  const t = readTree(umociUnpack(join(work, 'built-layout'), 'b', join(work, 'built-bundle')));
  assert.equal(t.has('etc/group'), false, 'the RUN deletion travelled as a whiteout');
  assert.ok(t.has('srv/hello.txt'));
  await env.ok(['rmi', `${reg.host}/built/app:1`]);
  assert.equal(await env.ok(['run', '--rm', `${reg.host}/built/app:1`]), 'built\ncopied into the image');
});
