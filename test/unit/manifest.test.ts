import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseManifest, checkDigest, layerCompression, layerMediaType, MediaType } from '../../src/oci/manifest.js';
import { parsePlatform, selectManifest, formatPlatform, platformMatches, isAttestation } from '../../src/oci/platform.js';
import { InvalidArgument, NotFound } from '../../src/errors.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const json = (o: unknown) => Buffer.from(JSON.stringify(o));
const image = (over: Record<string, unknown> = {}) => ({
  schemaVersion: 2,
  mediaType: MediaType.OciManifest,
  config: { mediaType: MediaType.OciConfig, digest: D('a'), size: 10 },
  layers: [{ mediaType: MediaType.OciLayerGzip, digest: D('b'), size: 20 }],
  ...over,
});

test('manifests: OCI and Docker schema 2, with the media type from the document or the response', () => {
  const oci = parseManifest(json(image()), undefined, 'x');
  assert.equal(oci.kind, 'manifest');
  const docker = parseManifest(
    json({
      ...image(),
      mediaType: undefined,
      config: { mediaType: MediaType.DockerConfig, digest: D('a'), size: 1 },
      layers: [{ mediaType: MediaType.DockerLayer, digest: D('c'), size: 2 }],
    }),
    `${MediaType.DockerManifest}; charset=utf-8`,
    'x',
  );
  assert.equal(docker.kind === 'manifest' && docker.mediaType, MediaType.DockerManifest);
  const list = parseManifest(
    json({
      schemaVersion: 2,
      mediaType: MediaType.DockerList,
      manifests: [{ mediaType: MediaType.DockerManifest, digest: D('d'), size: 3, platform: { os: 'linux', architecture: 'amd64' } }],
    }),
    undefined,
    'x',
  );
  assert.equal(list.kind, 'index');
});

test('manifests: what is not a runnable image is refused, by kind', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ schemaVersion: 1, name: 'x', fsLayers: [] }, /schema 1 .* not supported/],
    [image({ config: { mediaType: 'application/vnd.cncf.helm.config.v1+json', digest: D('a'), size: 1 } }), /not a container image/],
    [image({ layers: [{ mediaType: 'application/vnd.example.weird', digest: D('b'), size: 1 }] }), /unsupported media type 'application\/vnd.example.weird'/],
    [
      image({ layers: [{ mediaType: MediaType.OciLayer, digest: 'sha256:../../etc/passwd', size: 1 }] }),
      /malformed: layers\[0\]\.digest: invalid digest 'sha256:\.\.\/\.\.\/etc\/passwd'/,
    ],
    [image({ layers: [{ mediaType: MediaType.OciLayer, digest: D('b'), size: -1 }] }), /malformed: layers\[0\]\.size: expected a non-negative integer/],
    [image({ schemaVersion: 3 }), /schemaVersion 3/],
    [image({ mediaType: 'text/html' }), /unsupported manifest type 'text\/html'/],
  ];
  for (const [doc, re] of bad)
    assert.throws(
      () => parseManifest(json(doc), undefined, 'x'),
      (e: unknown) => e instanceof InvalidArgument && re.test((e as Error).message),
      JSON.stringify(doc),
    );
  assert.throws(() => parseManifest(Buffer.from('<html>'), undefined, 'x'), /not valid JSON/);
});

test('digests are checked for shape before they become file names', () => {
  assert.equal(checkDigest(D('f')), D('f'));
  assert.throws(() => checkDigest('sha256:abc'), InvalidArgument);
  assert.throws(() => checkDigest(`sha256:${'A'.repeat(64)}`), InvalidArgument);
  assert.throws(() => checkDigest(`sha512:${'a'.repeat(128)}`), /sha512, which dockerlite does not support/);
  assert.equal(layerCompression(MediaType.DockerLayer), 'gzip');
  assert.equal(layerCompression(MediaType.OciLayerZstd), 'zstd');
  assert.equal(layerCompression(MediaType.OciLayer), 'none');
  assert.equal(layerMediaType('gzip', 'docker'), MediaType.DockerLayer);
  assert.equal(layerMediaType('zstd', 'docker'), MediaType.OciLayerZstd);
});

test('platforms: parsing, aliases, variants', () => {
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64' }, 'arm64 implies v8');
  assert.deepEqual(parsePlatform('linux/arm/v7'), { os: 'linux', architecture: 'arm', variant: 'v7' });
  assert.deepEqual(parsePlatform('aarch64'), { os: 'linux', architecture: 'arm64' });
  assert.deepEqual(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' });
  assert.throws(() => parsePlatform('linux/../x'), InvalidArgument);
  assert.throws(() => parsePlatform('a/b/c/d'), InvalidArgument);
  assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }), 'linux/arm/v6');
  assert.ok(platformMatches({ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }));
  assert.ok(!platformMatches({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm', variant: 'v7' }));
});

test('selectManifest: the wanted platform, attestations skipped, a helpful error otherwise', () => {
  const entry = (c: string, platform: Record<string, string>, annotations?: Record<string, string>) => ({
    mediaType: MediaType.OciManifest,
    digest: D(c),
    size: 1,
    platform: platform as never,
    annotations,
  });
  const index = {
    schemaVersion: 2 as const,
    manifests: [
      entry('1', { os: 'linux', architecture: 'arm', variant: 'v6' }),
      entry('2', { os: 'linux', architecture: 'arm', variant: 'v7' }),
      entry('3', { os: 'linux', architecture: 'amd64' }),
      entry('4', { os: 'unknown', architecture: 'unknown' }, { 'vnd.docker.reference.type': 'attestation-manifest' }),
      entry('5', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
    ],
  };
  assert.equal(selectManifest(index, { os: 'linux', architecture: 'amd64' }, 'x').digest, D('3'));
  assert.equal(selectManifest(index, parsePlatform('linux/arm/v7'), 'x').digest, D('2'));
  assert.equal(selectManifest(index, parsePlatform('linux/arm64'), 'x').digest, D('5'));
  assert.ok(isAttestation(index.manifests[3]));
  assert.throws(
    () => selectManifest(index, parsePlatform('linux/s390x'), 'busybox'),
    (e: unknown) =>
      e instanceof NotFound &&
      /no matching manifest for linux\/s390x in busybox \(it has: linux\/arm\/v6, linux\/arm\/v7, linux\/amd64, linux\/arm64\)/.test((e as Error).message),
  );
});
