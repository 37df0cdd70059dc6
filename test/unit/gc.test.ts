// Garbage collection decisions on a plain temp directory as the store (no
// BTRFS): which blobs gcBlobs keeps (image configs, manifests a repo digest
// names and what an index lists, layer records' blobs, leases) and removes;
// and which layers layersInUse holds (images, containers, leases, build cache).
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { writeJson } from '../../src/store/json.js';
import { writeBlob, hasBlob } from '../../src/engine/content/blobs.js';
import { gcBlobs } from '../../src/engine/content/gc.js';
import { Lease } from '../../src/engine/content/leases.js';
import { canonicalConfig, layersInUse, saveImage, tagImage } from '../../src/engine/image/images.js';
import { put } from '../../src/engine/build/cache.js';
import { EMPTY_LAYER } from '../../src/engine/content/layers.js';
import type { ImageConfig } from '../../src/store/types.js';

function setup(t: TestContext): Store {
  const root = mkdtempSync(join(tmpdir(), 'dl-gc-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store = new Store({
    root,
    loopFile: join(root, 'unused.img'),
    loopSizeMB: 256,
    bridge: 'dl0',
    subnet: '10.9.9.0/24',
    pool: '10.200.0.0/16',
    debug: false,
  });
  for (const d of ['images', 'layers', 'blobs/sha256', 'containers', 'locks']) mkdirSync(join(root, d), { recursive: true });
  return store;
}

const config = (tag: string): ImageConfig => ({ architecture: 'amd64', os: 'linux', config: { Labels: { tag } }, rootfs: { type: 'layers', diff_ids: [] } });

test('gcBlobs keeps what images, indexes, layers and leases hold, and removes the rest', async (t) => {
  const store = setup(t);
  const cfg = config('a');
  const cfgDigest = await writeBlob(store, Buffer.from(canonicalConfig(cfg)));
  const manifest = await writeBlob(
    store,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfgDigest, size: 1 },
        layers: [],
      }),
    ),
  );
  const index = await writeBlob(
    store,
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifest, size: 1, platform: { os: 'linux', architecture: 'amd64' } }],
      }),
    ),
  );
  const img = await saveImage(store, { created: new Date(0).toISOString(), config: cfg, layers: [], repoDigests: [`reg.example/a@${index}`] });
  assert.equal(`sha256:${img.id}`, cfgDigest, 'an image id is its config digest');
  await tagImage(store, img.id, 'a:1');
  const layerBlob = await writeBlob(store, Buffer.from('layer tar, compressed'));
  await writeJson(store.paths.layerMeta('k1'), {
    key: 'k1',
    parent: null,
    created: new Date(0).toISOString(),
    blob: { digest: layerBlob, size: 21, compression: 'gzip' },
  });
  const leasedBlob = await writeBlob(store, Buffer.from('being pulled'));
  const lease = new Lease(store);
  await lease.hold({ blobs: [leasedBlob] });
  const orphan = await writeBlob(store, Buffer.from('nobody wants me'));

  const gone = await gcBlobs(store);
  assert.deepEqual(
    gone.map((b) => b.digest),
    [orphan],
  );
  assert.equal(gone[0].size, 'nobody wants me'.length);
  for (const d of [cfgDigest, manifest, index, layerBlob, leasedBlob]) assert.ok(hasBlob(store, d), `${d} kept`);
  assert.equal(hasBlob(store, orphan), false);

  await lease.release();
  assert.deepEqual(
    (await gcBlobs(store)).map((b) => b.digest),
    [leasedBlob],
    'a released lease holds nothing',
  );
  assert.deepEqual(await gcBlobs(store), [], 'nothing more to collect');
});

test('layersInUse holds image, container, lease and build-cache layers, and the empty layer', async (t) => {
  const store = setup(t);
  await saveImage(store, { created: new Date(0).toISOString(), config: config('b'), layers: ['img1', 'img2'] });
  const cid = 'c'.repeat(64);
  mkdirSync(store.paths.container(cid), { recursive: true });
  await writeJson(store.paths.containerConfig(cid), {
    id: cid,
    name: 'x',
    created: new Date(0).toISOString(),
    image: 'i',
    imageRef: 'i',
    layer: 'ctr1',
    path: 'sh',
    args: [],
    config: {},
    hostConfig: {},
  });
  const lease = new Lease(store);
  await lease.hold({ layers: ['leased1'] });
  await put(store, {
    key: 'a'.repeat(64),
    parent: 'scratch',
    created: new Date(0).toISOString(),
    step: 'RUN x',
    layer: 'cache2',
    layers: ['cache1', 'cache2'],
    config: { config: {} },
  } as Parameters<typeof put>[1]);
  const used = await layersInUse(store);
  assert.deepEqual([...used].sort(), [EMPTY_LAYER, 'cache1', 'cache2', 'ctr1', 'img1', 'img2', 'leased1'].sort());
  await lease.release();
  assert.equal((await layersInUse(store)).has('leased1'), false);
});
