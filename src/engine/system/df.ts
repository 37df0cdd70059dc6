// system df: disk use by images, containers, volumes, the build cache and
// the content store. Layers are shared between images, so an image's size
// splits into what it shares with other images and what is its alone, and
// the images' total counts each layer once.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { listImages, type ImageView } from '../image/images.js';
import { listContainers, type ContainerView } from '../../store/containers.js';
import { containerChanges, layerSize } from '../container/diff.js';
import { cachedLayers } from '../build/cache.js';
import { listBlobs } from '../content/blobs.js';
import { listVolumes, volumePath, volumeUsers } from '../volume/volumes.js';
import { blobsInUse } from '../content/gc.js';

export interface ImageUsage {
  image: ImageView;
  size: number;
  shared: number;
  unique: number;
  containers: number;
}

export interface ContainerUsage {
  container: ContainerView;
  size: number;
}

export interface VolumeUsage {
  name: string;
  size: number;
  links: number;
  mountpoint: string;
}

export interface Usage {
  images: ImageUsage[];
  /** Distinct layers of all images, each counted once. */
  imagesTotal: number;
  imagesActive: number;
  imagesReclaimable: number;
  containers: ContainerUsage[];
  volumes: VolumeUsage[];
  buildCache: { count: number; size: number };
  blobs: { count: number; size: number; unused: number; unusedSize: number };
}

/** Bytes of the files a container added or changed (Docker's SizeRw). */
export async function containerSize(store: Store, c: ContainerView): Promise<number> {
  let size = 0;
  for (const ch of await containerChanges(store, c).catch(() => [])) {
    if (ch.kind === 'D') continue;
    const st = await lstat(join(store.paths.rootfs(c.id), ch.path)).catch(() => null);
    if (st?.isFile()) size += st.size;
  }
  return size;
}

export async function treeSize(path: string): Promise<number> {
  let total = 0;
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await treeSize(p);
    else if (e.isFile()) total += (await lstat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

export async function diskUsage(store: Store, o: { containers?: boolean } = {}): Promise<Usage> {
  const images = (await listImages(store)).filter((i) => i.layers.length > 0);
  const containers = await listContainers(store);
  const users = new Map<string, number>();
  for (const c of containers) users.set(c.image, (users.get(c.image) ?? 0) + 1);

  const sizes = new Map<string, number>();
  const holders = new Map<string, number>();
  for (const img of images) {
    for (const k of new Set(img.layers)) {
      if (!sizes.has(k)) sizes.set(k, await layerSize(store, k));
      holders.set(k, (holders.get(k) ?? 0) + 1);
    }
  }
  const activeLayers = new Set<string>();
  for (const img of images) if (users.has(img.id)) img.layers.forEach((k) => activeLayers.add(k));
  for (const c of containers) activeLayers.add(c.layer);
  const usage: ImageUsage[] = images.map((image) => {
    let size = 0;
    let shared = 0;
    for (const k of new Set(image.layers)) {
      size += sizes.get(k)!;
      if ((holders.get(k) ?? 0) > 1) shared += sizes.get(k)!;
    }
    return { image, size, shared, unique: size - shared, containers: users.get(image.id) ?? 0 };
  });
  const imagesTotal = [...sizes.values()].reduce((a, b) => a + b, 0);
  const imagesReclaimable = [...sizes].filter(([k]) => !activeLayers.has(k)).reduce((a, [, s]) => a + s, 0);

  const cu: ContainerUsage[] = [];
  if (o.containers !== false) {
    for (const c of containers) {
      cu.push({ container: c, size: await containerSize(store, c) });
    }
  }

  const volumes: VolumeUsage[] = [];
  const volUsers = await volumeUsers(store);
  for (const v of await listVolumes(store)) {
    const mountpoint = volumePath(store, v.Name);
    volumes.push({ name: v.Name, size: await treeSize(mountpoint), links: volUsers.get(v.Name)?.length ?? 0, mountpoint });
  }

  const inImages = new Set(sizes.keys());
  const cache = new Set<string>();
  for (const k of await cachedLayers(store)) if (!inImages.has(k)) cache.add(k);
  let cacheSize = 0;
  for (const k of cache) cacheSize += await layerSize(store, k).catch(() => 0);

  const blobs = await listBlobs(store);
  const used = await blobsInUse(store);
  const unused = blobs.filter((b) => !used.has(b.digest));
  return {
    images: usage,
    imagesTotal,
    imagesActive: images.filter((i) => users.has(i.id)).length,
    imagesReclaimable,
    containers: cu,
    volumes,
    buildCache: { count: cache.size, size: cacheSize },
    blobs: { count: blobs.length, size: blobs.reduce((a, b) => a + b.size, 0), unused: unused.length, unusedSize: unused.reduce((a, b) => a + b.size, 0) },
  };
}
