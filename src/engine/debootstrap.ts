// A Debian base image made with debootstrap from the machine's own apt
// mirror (on request, never at init). The downloaded packages are cached, so
// a second build needs the mirror only for its index.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.js';
import type { ImageRecord } from '../store/types.js';
import { debootstrap } from '../sys/debootstrap.js';
import * as mount from '../sys/mount.js';
import { scratchName } from '../store/scratch.js';
import { writeTar } from '../oci/tar.js';
import { packTree } from '../oci/pack.js';
import { importTarball, hostPlatform } from './importer.js';
import { Unavailable } from '../errors.js';
import { DEFAULT_PATH } from './spec.js';

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
}

export async function debootstrapImage(store: Store, o: DebootstrapOptions, log: (l: string) => void): Promise<ImageRecord> {
  const mirror = o.mirror ?? aptMirror();
  const target = join(store.paths.tmp, scratchName());
  await mkdir(CACHE_DIR, { recursive: true });
  log(`debootstrap ${o.suite} from ${mirror}\n`);
  try {
    await debootstrap({ suite: o.suite, target, mirror, variant: o.variant ?? 'minbase', cacheDir: CACHE_DIR });
    // Keep the image lean, as Debian's official images are.
    for (const junk of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      await rm(join(target, junk), { recursive: true, force: true });
      await mkdir(join(target, junk, junk.endsWith('archives') ? 'partial' : ''), { recursive: true });
    }
    return await importTarball(store, writeTar(packTree(target)), {
      ref: o.ref,
      config: { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ['bash'] },
      comment: `debootstrap --variant=${o.variant ?? 'minbase'} ${o.suite} ${mirror}`,
      createdBy: `debootstrap ${o.suite} (${hostPlatform().architecture})`,
    });
  } finally {
    for (const m of await mount.mountsUnder(target)) await mount.umount(m, true).catch(() => {});
    await rm(target, { recursive: true, force: true });
  }
}
