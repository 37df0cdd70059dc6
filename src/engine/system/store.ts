// Bringing a store up (init) and down (deinit).
import type { Config } from '../../config.js';
import { Store } from '../../store/store.js';
import { isRunning, killMonitor, listContainers, signalOwner, updateState, waitGone } from '../../store/containers.js';
import { isAlive } from '../../sys/proc.js';
import { thaw } from '../../runtime/freezer.js';
import { sweep, type SweepOptions } from './sweep.js';
import * as hooks from '../container/hooks.js';
import { storeOf } from './subsystems.js';
import { parseReference, formatReference } from '../../oci/reference.js';

export const EMPTY_IMAGE_REF = 'empty:latest';

/** The original's base of all images: no layers at all. */
async function makeEmptyImage(store: Store) {
  const [{ saveImage, tagImage }, { hostPlatform }] = await Promise.all([import('../image/images.js'), import('../image/importer.js')]);
  const created = new Date(0).toISOString();
  const img = await saveImage(store, {
    created,
    config: {
      ...hostPlatform(),
      created,
      config: {},
      rootfs: { type: 'layers', diff_ids: [] },
      history: [{ created, comment: 'empty image (base of all other images)', empty_layer: true }],
    },
    layers: [],
  });
  await tagImage(store, img.id, EMPTY_IMAGE_REF);
  return img;
}

/**
 * Make the store ready: mount (a loop image if the root is not on BTRFS),
 * lay out directories, and create the empty and busybox images. Idempotent;
 * a store that was set up before (say, before a reboot) is only remounted.
 */
export async function init(cfg: Config, log: (line: string) => void = () => {}): Promise<Store> {
  const store = storeOf(cfg);
  store.checkAccess();
  await store.lockSetup(async () => {
    if (store.ready) return;
    const mounted = await store.mountAndLayout();
    if (mounted) log(`mounted ${cfg.loopFile} on ${cfg.root}`);
    await sweep(store);
    if (store.ready) return; // it was set up before: mounting it again was all it needed
    // Loaded only here: every other command opens a ready store and needs none of this.
    const [{ ensureEmptyLayer }, { listImages }, { makeBusyboxImage }] = await Promise.all([
      import('../content/layers.js'),
      import('../image/images.js'),
      import('../image/base-busybox.js'),
    ]);
    await ensureEmptyLayer(store);
    const names = new Set((await listImages(store)).flatMap((i) => i.names));
    if (!names.has(formatReference(parseReference(EMPTY_IMAGE_REF)))) await makeEmptyImage(store);
    if (!names.has(formatReference(parseReference('busybox:latest')))) {
      const bb = await makeBusyboxImage(store);
      log(`created image busybox:latest (${bb.id.slice(0, 12)})`);
    }
    await store.writeMarker();
  });
  return store;
}

/** Open the store, initialising it first if it is not ready (log tells what init did). */
export async function openStore(cfg: Config, log: (line: string) => void = () => {}, opts: SweepOptions = {}): Promise<Store> {
  const store = storeOf(cfg);
  store.checkAccess();
  if (!store.ready) return init(cfg, log);
  store.secure();
  // Finish what a crashed dockerlite left half done, and record the exits
  // that killed monitors could not (cheap: directory listings and state files).
  await sweep(store, opts);
  return store;
}

/** Stop every container, then unmount and remove the store and its loop image. */
export async function deinit(cfg: Config): Promise<void> {
  const store = storeOf(cfg);
  await store.lockSetup(async () => {
    if (store.ready) {
      for (const c of await listContainers(store)) {
        // No restart policy may bring it back while the store goes away; then let its monitor finish.
        if (isRunning(c.state)) await updateState(store, c.id, (s) => ({ ...s, stopRequested: true })).catch(() => {});
        if (signalOwner(c.state, 'SIGKILL')) {
          thaw(c.id); // a paused container's processes take the kill only once thawed
          await waitGone(c.state);
        }
        const monitor = { pid: c.state.monitorPid ?? 0, start: c.state.monitorStart ?? 0 };
        // One still starting (its start not recorded) has no owner on record: end it through its monitor.
        if (!isRunning(c.state) && isAlive(monitor)) killMonitor(c.state);
        await waitGone({ ...c.state, pid: monitor.pid, pidStart: monitor.start });
      }
      await hooks.beforeDeinit(store);
    }
    await store.destroy();
  });
}
