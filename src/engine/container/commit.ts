// commit: a read-only snapshot of the container's rootfs becomes the top
// layer of a new image. O(1): no file is read or copied. The layer's digest
// is computed later, when the image is first pushed or saved.
import { applyChanges } from '../build/changes.js';
import { containerEvent } from '../../store/events.js';
import type { Store } from '../../store/store.js';
import type { ImageConfig, ImageRecord, RunConfig } from '../../store/types.js';
import { getContainer, isRunning } from '../../store/containers.js';
import { removeMountPoints } from '../../store/mountpoints.js';
import { readImage, saveImage, tagImage } from '../image/images.js';
import { holdLayers, snapshotLayer } from '../content/layers.js';
import { withLease, type Lease } from '../content/leases.js';
import { shellJoin, nowRfc3339Nano } from '../../util/human.js';

export interface CommitOptions {
  ref?: string;
  message?: string;
  author?: string;
  /** Replace parts of the run config. */
  changes?: Partial<RunConfig>;
  /** -c/--change: Dockerfile instructions applied to the config (applyChanges). */
  change?: string[];
}

// The new image's layers are leased until it is saved: an rm, rmi or prune
// running meanwhile would otherwise collect the new layer (or the base's).
export async function commit(store: Store, query: string, o: CommitOptions = {}): Promise<ImageRecord> {
  return withLease(store, (lease) => commitLeased(store, query, o, lease));
}

async function commitLeased(store: Store, query: string, o: CommitOptions, lease: Lease): Promise<ImageRecord> {
  const c = await getContainer(store, query);
  let base = await readImage(store, c.image).catch(() => null);
  // A base removed meanwhile is as one already gone: the snapshot alone is the whole rootfs.
  if (base && (await holdLayers(store, lease, base.layers)).length) base = null;
  // A stopped container's mount points are dockerlite's, not its changes (a running one's are in use).
  if (!isRunning(c.state)) await removeMountPoints(store, c.id);
  const layer = await snapshotLayer(store, store.paths.rootfs(c.id), c.layer, lease);
  const created = nowRfc3339Nano();
  const run: RunConfig = {
    ...(base?.config.config ?? {}),
    Env: c.config.Env,
    Cmd: c.config.Cmd,
    Entrypoint: c.config.Entrypoint,
    WorkingDir: c.config.WorkingDir,
    User: c.config.User,
    Labels: c.config.Labels,
    ...(o.changes ?? {}),
  };
  const runConfig = applyChanges(run, o.change);
  const config: ImageConfig = {
    architecture: base?.config.architecture ?? 'amd64',
    os: base?.config.os ?? 'linux',
    created,
    ...(o.author ? { author: o.author } : {}),
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: [...(base?.config.rootfs.diff_ids ?? [])] },
    history: [
      ...(base?.config.history ?? []),
      { created, created_by: shellJoin([c.path, ...c.args]), ...(o.message ? { comment: o.message } : {}), ...(o.author ? { author: o.author } : {}) },
    ],
  };
  const img = await saveImage(store, { created, config, layers: [...(base?.layers ?? []), layer.key], parent: base?.id, comment: o.message });
  if (o.ref) await tagImage(store, img.id, o.ref);
  containerEvent(store.paths.root, 'commit', c, { comment: o.message ?? '', imageID: `sha256:${img.id}`, imageRef: o.ref ?? '' });
  return img;
}
