// The store: a BTRFS directory at DOCKERLITE_ROOT. This file knows how to
// find it, bring it up (a loopback image when the root is not on BTRFS) and
// take it down. What lives in it is the engine's business.
import { ensureReserve, withReserve } from './reserve.js';
import { accessSync, chmodSync, constants, existsSync, lstatSync, readdirSync } from 'node:fs';
import { mkdir, open, readdir, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import type { Config } from '../config.js';
import { InvalidArgument, PermissionDenied } from '../errors.js';
import { Paths } from './paths.js';
import type { TextCache } from './json.js';
import { withLock } from './lock.js';
import * as btrfs from '../snapshots/btrfs.js';
import * as mount from '../sys/mount.js';
import * as losetup from '../sys/losetup.js';

// The store is root's, as /var/lib/docker: a container's config, lxc.conf
// and logs hold its environment (passwords), and its rootfs may hold setuid
// programs. Directories are 0700, files 0600; the root, containers/ and each
// containers/<id>/ are 0710 as Docker's, so no one else can reach anything.
// Volume data and rootfs contents keep their own modes.
export const ROOT_DIR_MODE = 0o710;
export const CONTAINER_DIR_MODE = 0o710;
export const PRIVATE_DIR_MODE = 0o700;

function chmodIfThere(path: string, mode: number): void {
  try {
    chmodSync(path, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

export class Store {
  readonly paths: Paths;
  /** Where the engine's warnings go: the front end that opened the store decides (the CLI prints them to stderr). */
  warn: (message: string) => void = () => {};
  /** Set by a long-lived reader (the API server): container records are read through it (json.ts). */
  textCache?: TextCache;
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

  /** Refuse a user who cannot reach the store (it is root's) with one clear line, before anything reads it. */
  checkAccess(): void {
    try {
      accessSync(this.cfg.root, constants.R_OK | constants.W_OK | constants.X_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') throw new PermissionDenied(`permission denied on the store ${this.cfg.root}: run dockerlite as root`);
      if (code !== 'ENOENT') throw e;
    }
  }

  /**
   * Make the store private to root (stores made by an older dockerlite were 0755/0644). Cheap: the root and its top level.
   * Synchronous, as secureContainer: it runs at every store open, and a dozen chmods and lstats each through libuv's
   * thread pool took ~3 ms.
   */
  secure(): void {
    const p = this.paths;
    chmodIfThere(p.root, ROOT_DIR_MODE);
    chmodIfThere(p.containers, CONTAINER_DIR_MODE);
    for (const name of readdirSync(p.root)) {
      if (name === 'containers') continue;
      const path = join(p.root, name);
      const st = lstatSync(path, { throwIfNoEntry: false });
      if (st?.isDirectory()) chmodIfThere(path, PRIVATE_DIR_MODE);
      else if (st?.isFile()) chmodIfThere(path, 0o600);
    }
    chmodIfThere(this.cfg.loopFile, 0o600);
  }

  /** The same for one container's directory and its private files, at each start (its rootfs and the bind-mounted /etc files keep their modes). */
  secureContainer(id: string): void {
    const dir = this.paths.container(id);
    chmodSync(dir, CONTAINER_DIR_MODE);
    for (const [name, mode] of [
      ['config.json', 0o600],
      ['state.json', 0o600],
      ['network.json', 0o600],
      ['lxc.conf', 0o600],
      ['log.jsonl', 0o640],
    ] as const)
      chmodIfThere(join(dir, name), mode);
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
    await mkdir(root, { recursive: true, mode: ROOT_DIR_MODE });
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
      join(this.paths.root, 'events'),
      this.paths.blobs,
    ]) {
      await mkdir(d, { recursive: true, mode: d === this.paths.containers ? CONTAINER_DIR_MODE : PRIVATE_DIR_MODE });
    }
    this.secure(); // the mount's own root, and a store an older dockerlite made
    await ensureReserve(this.paths.reserve);
    return mounted;
  }

  async writeMarker(): Promise<void> {
    await writeFile(this.paths.marker, JSON.stringify({ store: 'dockerlite', version: 1, created: new Date().toISOString() }) + '\n', { mode: 0o600 });
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
