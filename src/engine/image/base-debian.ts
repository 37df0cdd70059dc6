// A Debian base image made with debootstrap from the machine's own apt
// mirror (on request, never at init). The downloaded packages are cached, so
// a second build needs the mirror only for its index.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { mkdir, rm, stat, rename } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { sha256 } from '../../store/ids.js';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ImageRecord } from '../../store/types.js';
import { debootstrap } from '../../sys/debootstrap.js';
import * as mount from '../../sys/mount.js';
import { scratchName } from '../../store/scratch.js';
import { writeTar } from '../../oci/tar.js';
import { packTree } from '../../oci/pack.js';
import { importTarball, hostPlatform, openInput } from './importer.js';
import { Unavailable } from '../../errors.js';
import { DEFAULT_PATH } from '../container/spec/command.js';

export const CACHE_DIR = '/var/cache/dockerlite/debootstrap';

/** The first Debian (non-security) mirror in the host's apt sources, one-line or deb822. */
export function aptMirror(files?: string[]): string {
  const list = files ?? [
    '/etc/apt/sources.list',
    ...(existsSync('/etc/apt/sources.list.d') ? readdirSync('/etc/apt/sources.list.d').map((f) => join('/etc/apt/sources.list.d', f)) : []),
  ];
  for (const f of list) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const uris = [
      ...[...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+/gm)].map((m) => m[1]),
      ...[...text.matchAll(/^URIs:\s*(.+)$/gm)].flatMap((m) => m[1].trim().split(/\s+/)),
    ];
    const uri = uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
    if (uri) return uri;
  }
  throw new Unavailable('no Debian mirror found in /etc/apt/sources.list(.d); pass --mirror URL');
}

export interface DebootstrapOptions {
  suite: string;
  ref: string;
  mirror?: string;
  variant?: string;
  /** Rebuild even if a cached rootfs is fresh. */
  refresh?: boolean;
}

/** How long a finished rootfs is reused before debootstrap runs again. */
const CACHE_DAYS = 7;

/**
 * Make (or reuse) a Debian rootfs tarball, then import it. The tarball is
 * cached under /var/cache/dockerlite/debootstrap, keyed by mirror, suite,
 * variant and architecture, so the same image (same id) comes back quickly
 * for a week; --refresh rebuilds it from the mirror.
 */
export async function debootstrapImage(store: Store, o: DebootstrapOptions, log: (l: string) => void): Promise<ImageRecord> {
  const mirror = o.mirror ?? aptMirror();
  const variant = o.variant ?? 'minbase';
  const arch = hostPlatform().architecture;
  const key = sha256(`${mirror} ${o.suite} ${variant} ${arch}`).slice(0, 16);
  const cached = join(CACHE_DIR, `rootfs-${o.suite}-${variant}-${arch}-${key}.tar`);
  await mkdir(CACHE_DIR, { recursive: true });
  const st = await stat(cached).catch(() => null);
  if (!st || o.refresh || Date.now() - st.mtimeMs > CACHE_DAYS * 86_400_000) {
    await buildRootfsTar(store, { suite: o.suite, mirror, variant }, cached, log);
  } else log(`using the debootstrap rootfs cached at ${cached} (--refresh rebuilds it)\n`);
  const created = (await stat(cached)).mtime.toISOString();
  return importTarball(store, openInput(cached), {
    ref: o.ref,
    created,
    config: { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ['bash'] },
    comment: `debootstrap --variant=${variant} ${o.suite} ${mirror}`,
    createdBy: `debootstrap ${o.suite} (${arch})`,
  });
}

async function buildRootfsTar(store: Store, o: { suite: string; mirror: string; variant: string }, dest: string, log: (l: string) => void): Promise<void> {
  const target = join(store.paths.tmp, scratchName());
  log(`debootstrap ${o.suite} from ${o.mirror}\n`);
  try {
    await debootstrap({ suite: o.suite, target, mirror: o.mirror, variant: o.variant, cacheDir: CACHE_DIR });
    // Keep the image lean, as Debian's official images are.
    for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await rm(join(target, junk), { recursive: true, force: true });
      await mkdir(join(target, junk, junk.endsWith('archives') ? 'partial' : ''), { recursive: true });
    }
    const tmp = `${dest}.${process.pid}.tmp`;
    try {
      await pipeline(writeTar(packTree(target)), createWriteStream(tmp));
      await rename(tmp, dest);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  } finally {
    for (const m of await mount.mountsUnder(target)) await mount.umount(m, true).catch(() => {});
    await rm(target, { recursive: true, force: true });
  }
}
