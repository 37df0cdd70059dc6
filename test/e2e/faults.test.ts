// Pulls that go wrong: unknown names, corrupt and truncated data, a failing
// or hanging registry, unsupported manifests, missing blobs, hostile layers
// and a full disk. Each ends in one clear error and leaves nothing
// half-made: no image, no scratch layer, no unverified blob. An interrupted
// pull resumes with the blobs it had verified.
//
// The registry is always the real docker-registry; where it cannot be made to
// fail on cue, a small proxy in front of it stages the failure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, openSync, writeSync, closeSync, rmSync, statSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';
import { TestRegistry } from '../helpers/registry.js';
import { FaultProxy } from '../helpers/faultproxy.js';
import { busyboxBase, dir, file, symlink, hardlink, writeImage, writeIndex, skopeoPush, skopeoRawManifest, pushRaw, sha256Of } from '../helpers/oci.js';

const skip = missingPrereq({ tools: ['docker-registry', 'skopeo', 'lxc-execute', 'btrfs'] });
const env = new TestEnv({ DOCKERLITE_REGISTRY_TIMEOUT: '2' });
let reg: TestRegistry;
let proxy: FaultProxy;
const work = join(env.dir, 'work');
const images: Record<string, { configDigest: string; layers: string[] }> = {};

/** Push a fixture image through skopeo; remember its blob digests. */
async function fixture(name: string, layers: Parameters<typeof writeImage>[1]['layers'], repo = `faults/${name}:1`): Promise<string> {
  const layout = join(work, name);
  const img = await writeImage(layout, { layers, config: { Cmd: ['sh'] } });
  writeIndex(layout, [{ tag: 't', desc: img.manifest }]);
  skopeoPush(layout, 't', `${reg.host}/${repo}`);
  // What the registry holds (skopeo compresses uncompressed layers on the way).
  const manifest = skopeoRawManifest(`${reg.host}/${repo}`) as { layers: Array<{ digest: string }> };
  images[name] = { configDigest: img.configDigest, layers: manifest.layers.map((l) => l.digest) };
  return `${proxy.host}/${repo}`;
}

before(async () => {
  if (skip) return;
  mkdirSync(work, { recursive: true });
  await env.ok(['init']);
  reg = await TestRegistry.start(join(env.dir, 'registry'));
  proxy = await FaultProxy.start(reg.host);
});
after(async () => {
  await proxy?.stop();
  await reg?.stop();
  await env.cleanup();
});

/** One error line, no stack trace. */
function assertCleanError(r: { status: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.status, 1, r.stderr);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('dockerlite: error: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/** Nothing half-made: no new image, no scratch layer, no blob being written, no lease left. */
async function assertNothingHalfMade(imagesBefore: string): Promise<void> {
  assert.equal(await env.ok(['images', '-aq', '--no-trunc']), imagesBefore, 'no image was made');
  assert.deepEqual(
    readdirSync(join(env.root, 'layers')).filter((n) => n.startsWith('.tmp-')),
    [],
    'no scratch layer',
  );
  const incoming = join(env.root, 'blobs', 'incoming');
  assert.deepEqual(existsSync(incoming) ? readdirSync(incoming) : [], [], 'no unverified blob');
  const leases = join(env.root, 'leases');
  assert.deepEqual(existsSync(leases) ? readdirSync(leases).filter((n) => n.endsWith('.json')) : [], [], 'no lease left');
}

const blobsHave = (digest: string) => existsSync(join(env.root, 'blobs', 'sha256', digest.slice(7)));
const gets = (digest: string) => proxy.seen.filter((s) => s.startsWith('GET ') && s.includes(`/blobs/${digest}`)).length;

test('an unknown image or tag is a clear error', { skip }, async () => {
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  assertCleanError(await env.dl(['pull', `${proxy.host}/no/such:thing`]), /manifest no\/such:thing: not found .*manifest unknown/);
  await fixture('known', [{ entries: busyboxBase() }]);
  assertCleanError(await env.dl(['pull', `${proxy.host}/faults/known:nope`]), /manifest faults\/known:nope: not found/);
  await assertNothingHalfMade(before);
});

test('corrupt data from the registry is caught by the digest and never stored', { skip }, async () => {
  const ref = await fixture('corrupt', [{ entries: [...busyboxBase(), file('payload', 'x'.repeat(100_000))] }]);
  const layer = images.corrupt.layers[0];
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  // Really corrupt: flip bytes in the registry's own storage (same size), so it serves bad data.
  const data = join(reg.storage, 'docker/registry/v2/blobs/sha256', layer.slice(7, 9), layer.slice(7), 'data');
  const original = readFileSync(data);
  const fd = openSync(data, 'r+');
  writeSync(fd, Buffer.from('garbage!'), 0, 8, original.length >> 1);
  closeSync(fd);
  try {
    assertCleanError(await env.dl(['pull', ref]), /failed verification: expected sha256:[0-9a-f]{64}, got sha256:[0-9a-f]{64} \(corrupt data\)/);
    assert.equal(blobsHave(layer), false);
    await assertNothingHalfMade(before);
  } finally {
    writeFileSync(data, original);
  }
  // And corruption in transit (the proxy flips a byte), with the manifest itself this time.
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.includes('/manifests/sha256:'), fault: { kind: 'corrupt' } }];
  const digestRef = `${proxy.host}/faults/corrupt@${sha256Of(readFileSync(join(work, 'corrupt', 'blobs', 'sha256', JSON.parse(readFileSync(join(work, 'corrupt', 'index.json'), 'utf8')).manifests[0].digest.slice(7))))}`;
  const r = await env.dl(['pull', digestRef]);
  proxy.rules = [];
  assertCleanError(r, /not valid JSON|has digest sha256:[0-9a-f]+, not the one asked for/);
  await assertNothingHalfMade(before);
  await env.ok(['pull', ref]); // the real thing still pulls
});

test('a download cut short resumes with a Range request; one cut every time is an error', { skip }, async () => {
  const big = Buffer.alloc(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24; // poorly compressible
  const ref = await fixture('cut', [{ entries: [...busyboxBase(), file('big', big)], compression: 'none' }]);
  const layer = images.cut.layers[0];
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'truncate', after: 1 << 20 }, times: 1 }];
  const mark = reg.requests().length;
  const r = await env.dl(['pull', ref]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Retrying \(got \d+ of \d+ bytes\)/, proxy.seen.join('\n'));
  assert.ok(
    reg
      .requests()
      .slice(mark)
      .some((q) => q.startsWith(`GET /v2/faults/cut/blobs/${layer}`) && q.endsWith(' 206')),
    'the second request asked for the rest only',
  );
  assert.equal(await env.ok(['run', '--rm', ref, 'stat', '-c', '%s', '/big']), String(big.length));

  await env.ok(['rmi', ref]);
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'truncate', after: 4096 } }];
  const cut = await env.dl(['pull', ref]);
  proxy.rules = [];
  assertCleanError(cut, /closed the connection|truncated/);
  assert.equal(blobsHave(layer), false);
  await assertNothingHalfMade(before);
});

test('a registry answering 500 is retried, then reported; one that hangs times out', { skip }, async () => {
  const ref = await fixture('flaky', [{ entries: [...busyboxBase(), file('flaky', 'ok')] }]);
  const layer = images.flaky.layers[0];
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'status', status: 500 }, times: 1 }];
  const once = await env.dl(['pull', ref]);
  assert.equal(once.status, 0, once.stderr);
  await env.ok(['rmi', ref]);

  const before = await env.ok(['images', '-aq', '--no-trunc']);
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.includes('/manifests/'), fault: { kind: 'status', status: 500 } }];
  proxy.seen.length = 0;
  const down = await env.dl(['pull', ref]);
  assertCleanError(down, /failed manifest faults\/flaky:1 \(500 Internal Server Error\).*try again later/);
  assert.equal(proxy.seen.filter((s) => s.startsWith('GET /v2/faults/flaky/manifests/')).length, 3, 'three attempts');

  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'hang' } }];
  const t0 = Date.now();
  const hung = await env.dl(['pull', ref], { timeoutMs: 60_000 });
  proxy.rules = [];
  assertCleanError(hung, /did not answer within 2s/);
  assert.ok(Date.now() - t0 < 40_000, 'gave up in bounded time');
  await assertNothingHalfMade(before);
});

test("the first layer's request goes out beside the config's; a pull that fails before using it aborts it and leaves nothing", { skip }, async () => {
  const ref = await fixture('first', [{ entries: [...busyboxBase(), file('first', 'f')] }]);
  const layer = images.first.layers[0];
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  // The config never comes; the layer's download, under way meanwhile, stalls after 64 KiB.
  proxy.rules = [
    { match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${images.first.configDigest}`), fault: { kind: 'hang' } },
    { match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'stall', after: 64 << 10 } },
  ];
  proxy.seen.length = 0;
  const r = await env.dl(['pull', ref], { timeoutMs: 60_000 });
  proxy.rules = [];
  assertCleanError(r, /did not answer within 2s/);
  // (Asked again as the stalled download resumed while the config's request was retried.)
  assert.ok(gets(layer) >= 1, `the layer was asked for while the config was awaited: ${proxy.seen.join(', ')}`);
  assert.equal(blobsHave(layer), false, 'the stalled download was not stored');
  await assertNothingHalfMade(before);
  // Once the config comes: one request per blob, the layer streamed from the download started early.
  proxy.seen.length = 0;
  await env.ok(['pull', ref]);
  assert.equal(gets(layer), 1, proxy.seen.join(', '));
  assert.equal(await env.ok(['run', '--rm', ref, 'cat', '/first']), 'f');
});

test('unsupported manifests and images, and a manifest whose blob is missing', { skip }, async () => {
  const before = await env.ok(['images', '-aq', '--no-trunc']);
  // Not a container image: an artifact (a Helm chart's config type), pushed as is to the real registry.
  const cfg = Buffer.from('{"name":"chart","version":"1.0.0"}');
  const content = Buffer.from('not a layer');
  const artifact = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: sha256Of(cfg), size: cfg.length },
      layers: [{ mediaType: 'application/vnd.cncf.helm.chart.content.v1.tar+gzip', digest: sha256Of(content), size: content.length }],
    }),
  );
  await pushRaw(reg.host, 'faults/chart', '1', [cfg, content], artifact, 'application/vnd.oci.image.manifest.v1+json');
  assertCleanError(
    await env.dl(['pull', `${proxy.host}/faults/chart:1`]),
    /is not a container image: its config is of type 'application\/vnd\.cncf\.helm\.config\.v1\+json'/,
  );

  // Docker's schema 1, which the registry no longer accepts on push: served by the proxy.
  proxy.rules = [
    {
      match: (m, p) => m === 'GET' && p.includes('/faults/old/manifests/'),
      fault: {
        kind: 'replace',
        contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
        body: Buffer.from('{"schemaVersion":1,"name":"faults/old","tag":"1","fsLayers":[],"history":[]}'),
      },
    },
  ];
  const old = await env.dl(['pull', `${proxy.host}/faults/old:1`]);
  proxy.rules = [];
  assertCleanError(old, /manifest schema 1 .* not supported/);

  // A manifest that names a blob the registry lost.
  const ref = await fixture('lost', [{ entries: busyboxBase() }, { entries: [file('second', 'layer')] }]);
  const lost = images.lost.layers[1];
  rmSync(join(reg.storage, 'docker/registry/v2/blobs/sha256', lost.slice(7, 9), lost.slice(7)), { recursive: true });
  assertCleanError(await env.dl(['pull', ref]), new RegExp(`blob ${lost} of faults/lost: not found`));
  await assertNothingHalfMade(before);
});

test('hostile layers, pulled end to end, cannot write outside the rootfs', { skip }, async () => {
  const outside = join(env.dir, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'victim'), 'untouched');
  const before = await env.ok(['images', '-aq', '--no-trunc']);

  const escape = await fixture('escape', [{ entries: [...busyboxBase(), file('../../../../../../' + outside.slice(1) + '/escaped', 'x')] }]);
  assertCleanError(await env.dl(['pull', escape]), /points outside the root/);
  await assertNothingHalfMade(before);

  const linkOut = await fixture('linkout', [{ entries: [...busyboxBase(), hardlink('bin/stolen', '../../../../../../' + outside.slice(1) + '/victim')] }]);
  assertCleanError(await env.dl(['pull', linkOut]), /points outside the root|not in the rootfs/);
  await assertNothingHalfMade(before);

  // Symlinks out (absolute and ../), then writes through them, in the same layer and the next one.
  const through = await fixture('through', [
    {
      entries: [
        ...busyboxBase(),
        symlink('abs', outside),
        symlink('rel', '../../../../../../../..' + outside),
        file('abs/planted', 'p'),
        dir('sneaky'),
        symlink('sneaky/up', '/'),
      ],
    },
    { entries: [file('rel/victim', 'overwritten'), file('sneaky/up/' + outside.slice(1) + '/second', 's'), hardlink('abs/hl', 'bin/busybox')] },
  ]);
  const r = await env.dl(['pull', through]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(outside), ['victim'], 'nothing appeared outside');
  assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'untouched');
  const rootfs = await env.ok(['image', 'inspect', '-f', '{{.GraphDriver.Data.Rootfs}}', through]);
  assert.equal(readFileSync(join(rootfs, outside, 'victim'), 'utf8'), 'overwritten', 'the write landed inside the rootfs');
  assert.ok(existsSync(join(rootfs, outside, 'planted')));
  assert.ok(existsSync(join(rootfs, outside, 'second')));
});

test('a layer is unpacked while it downloads, and a pull killed mid-layer leaves nothing once the next command has run', { skip }, async () => {
  // Incompressible: the blob must be larger than where it stalls, or the download could end (and the
  // blob be stored) before the unpacker got to `early` (1.2 MB once gzip had its way with a pattern).
  const big = randomBytes(4 << 20);
  const ref = await fixture('stream', [{ entries: [file('early', 'first in the tar'), ...busyboxBase(), file('big', big)] }]);
  const [layer] = images.stream.layers;
  assert.ok(statSync(join(reg.storage, 'docker/registry/v2/blobs/sha256', layer.slice(7, 9), layer.slice(7), 'data')).size > 3 << 20);
  // The blob stalls after 2 MB: streamed, what those bytes hold is already in the scratch layer.
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'stall', after: 2 << 20 } }];
  const child = spawn(process.execPath, [BIN, 'pull', ref], { env: { ...env.env, DOCKERLITE_REGISTRY_TIMEOUT: '120' }, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  try {
    const layers = join(env.root, 'layers');
    await eventually(
      () => readdirSync(layers).some((n) => n.startsWith('.tmp-') && existsSync(join(layers, n, 'early'))),
      'the first file of the layer to be unpacked before its download ended',
      30_000,
    );
    assert.equal(blobsHave(layer), false, 'the blob is not verified yet, so not in the content store');
  } finally {
    child.kill('SIGKILL');
    await exited;
    proxy.rules = [];
  }
  await env.ok(['images']); // any command sweeps what the killed pull left
  assert.deepEqual(
    readdirSync(join(env.root, 'layers')).filter((n) => n.startsWith('.tmp-')),
    [],
    'no scratch layer',
  );
  assert.deepEqual(readdirSync(join(env.root, 'blobs', 'incoming')), [], 'no partial blob');
  // A registry that will not resume: after a cut, the whole blob comes again and the bytes already unpacked are skipped.
  proxy.rules = [
    { match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'truncate', after: 1 << 20 }, times: 1 },
    { match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${layer}`), fault: { kind: 'ignore-range' } },
  ];
  const r = await env.dl(['pull', ref]);
  proxy.rules = [];
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /Retrying \(got \d+ of \d+ bytes\)/);
  assert.equal(
    await env.ok(['run', '--rm', ref, 'sh', '-c', 'cat /early; md5sum < /big']),
    `first in the tar${createHash('md5').update(big).digest('hex')}  -`,
  );
  assert.equal(blobsHave(layer), true);
});

test('an interrupted pull resumes with the blobs it had verified', { skip }, async () => {
  const top = Buffer.alloc(2 << 20, 7);
  const ref = await fixture('resume', [{ entries: [...busyboxBase(), file('resume-bottom', 'unique')] }, { entries: [file('top', top)] }]);
  const [bottom, upper] = images.resume.layers;
  // The bottom layer hangs, so the upper one is downloaded and verified but cannot be applied yet.
  proxy.rules = [{ match: (m, p) => m === 'GET' && p.endsWith(`/blobs/${bottom}`), fault: { kind: 'hang' } }];
  const child = spawn(process.execPath, [BIN, 'pull', ref], { env: { ...env.env, DOCKERLITE_REGISTRY_TIMEOUT: '120' }, stdio: 'ignore' });
  const exited = new Promise((r) => child.on('exit', r));
  await eventually(() => blobsHave(upper), 'the upper layer blob to be verified', 30_000);
  child.kill('SIGKILL');
  await exited;
  proxy.rules = [];
  const before = gets(upper);
  const r = await env.dl(['pull', ref]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(gets(upper), before, 'the verified blob was not downloaded again');
  assert.match(r.stderr, new RegExp(`${upper.slice(7, 19)}: Download complete`));
  assert.equal(await env.ok(['run', '--rm', ref, 'stat', '-c', '%s', '/top']), String(top.length));
  assert.deepEqual(readdirSync(join(env.root, 'blobs', 'incoming')), [], "the killed pull's partial download was cleaned up");
});

test('a full disk during a pull is a clear error and the store still works', { skip }, async (t) => {
  const small = new TestEnv({ DOCKERLITE_LOOPSIZE: '300' });
  t.after(() => small.cleanup());
  await small.ok(['init']);
  const before = await small.ok(['images', '-aq', '--no-trunc']);
  // 500 MB of zeros compress to almost nothing: the download fits, the layer does not.
  const ref = await fixture('huge', [{ entries: [...busyboxBase(), file('fill', Buffer.alloc(500 << 20))] }]);
  const r = await small.dl(['pull', ref]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^dockerlite: error: no space left on the store/m);
  assert.equal(await small.ok(['images', '-aq', '--no-trunc']), before);
  assert.deepEqual(
    readdirSync(join(small.root, 'layers')).filter((n) => n.startsWith('.tmp-')),
    [],
  );
  assert.equal(await small.ok(['run', '--rm', 'busybox', 'echo', 'still fine']), 'still fine');
});
