// The store: a BTRFS directory at DOCKERLITE_ROOT. This file knows how to
// find it, bring it up (a loopback image when the root is not on BTRFS) and
// take it down. What lives in it is the engine's business.
import { ensureReserve, withReserve } from './reserve.js';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Config } from '../config.js';
import { InvalidArgument } from '../errors.js';
import { Paths } from './paths.js';
import { withLock } from './lock.js';
import * as btrfs from '../snapshots/btrfs.js';
import * as mount from '../sys/mount.js';
import * as losetup from '../sys/losetup.js';

export class Store {
  readonly paths: Paths;
  /** Where the engine's warnings go: the front end that opened the store decides (the CLI prints them to stderr). */
  warn: (message: string) => void = () => {};
  private warned = new Set<string>();
  /** Warn about something once per store handle, however many times it is read (a corrupt record, say). */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }
  constructor(readonly cfg: Config) {
    this.paths = new Paths(cfg.root);
  }

  get ready(): boolean {
    return existsSync(this.paths.marker);
  }

  /** Serialise a shared mutation (names, tags, layers, addresses) across processes. */
  lock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return withLock(this.paths.locks, name, fn);
  }

  /** Run a removal with the store's reserved space at hand (store/reserve.ts). */
  withReserve<T>(fn: () => Promise<T>): Promise<T> {
    return withReserve(this.paths.root, this.paths.reserve, fn);
  }

  /** Serialise bringing the store up or down; this lock lives beside the root, not in it. */
  async lockSetup<T>(fn: () => Promise<T>): Promise<T> {
    await mkdir(dirname(this.cfg.root), { recursive: true });
    return withLock(dirname(this.cfg.root), `.${basename(this.cfg.root)}.setup`, fn);
  }

  /** Make sure the root is a mounted BTRFS filesystem with the store's directories. Returns true if it mounted the loop image. */
  async mountAndLayout(): Promise<boolean> {
    const { root, loopFile, loopSizeMB } = this.cfg;
    await mkdir(root, { recursive: true });
    let mounted = false;
    if (!(await btrfs.isBtrfs(root))) {
      if ((await readdir(root)).length) {
        throw new InvalidArgument(`${root} is not on BTRFS and is not empty; point DOCKERLITE_ROOT at an empty directory or a BTRFS one`);
      }
      if (!existsSync(loopFile)) await makeLoopImage(loopFile, loopSizeMB);
      await mount.mountLoop(loopFile, root);
      mounted = true;
    }
    for (const d of [
      this.paths.layers,
      this.paths.images,
      this.paths.containers,
      this.paths.volumes,
      this.paths.networks,
      this.paths.lxc,
      this.paths.tmp,
      this.paths.locks,
      this.paths.blobs,
    ]) {
      await mkdir(d, { recursive: true });
    }
    await ensureReserve(this.paths.reserve);
    return mounted;
  }

  async writeMarker(): Promise<void> {
    await writeFile(this.paths.marker, JSON.stringify({ store: 'dockerlite', version: 1, created: new Date().toISOString() }) + '\n');
  }

  /** Is the root a mount of our own loop image? */
  async isLoopMounted(): Promise<boolean> {
    const devs = existsSync(this.cfg.loopFile) ? await losetup.devicesFor(this.cfg.loopFile) : [];
    return devs.length > 0 && (await mount.mountsUnder(this.cfg.root)).includes(this.cfg.root);
  }

  /** Delete every subvolume dockerlite made under root (on a native BTRFS root). */
  async deleteSubvolumes(): Promise<void> {
    const p = this.paths;
    const candidates: string[] = [];
    const list = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).map((n) => join(dir, n));
    candidates.push(...(await list(p.layers)), ...(await list(p.volumes)), ...(await list(p.tmp)));
    for (const c of await list(p.containers)) candidates.push(join(c, 'rootfs'), ...(await list(c)));
    for (const c of candidates) if (await btrfs.isSubvolume(c)) await btrfs.remove(c);
  }

  /** Unmount and remove everything: the inverse of init. */
  async destroy(): Promise<void> {
    const { root, loopFile } = this.cfg;
    for (const m of await mount.mountsUnder(root)) if (m !== root) await mount.umount(m, true);
    if (await this.isLoopMounted()) {
      await mount.umount(root);
    } else if (await btrfs.isBtrfs(root)) {
      await this.deleteSubvolumes();
      await rm(root, { recursive: true, force: true });
      return;
    }
    if (existsSync(loopFile)) {
      for (const dev of await losetup.devicesFor(loopFile)) await losetup.detach(dev);
      await unlink(loopFile);
    }
    await rmdir(root).catch(() => {});
  }
}

async function makeLoopImage(file: string, sizeMB: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const fh = await open(file, 'wx', 0o600);
  try {
    await fh.truncate(sizeMB * 1024 * 1024); // sparse: takes no space until used
  } finally {
    await fh.close();
  }
  try {
    await btrfs.mkfs(file);
  } catch (e) {
    await unlink(file).catch(() => {});
    throw e;
  }
}
