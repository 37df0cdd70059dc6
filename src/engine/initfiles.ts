// Files dockerlite mounts over in every container, as Docker's "init layer"
// does: /etc/hosts and /etc/resolv.conf (and /etc/hostname). A bind mount
// needs something to mount on, so when the image lacks one an empty
// placeholder is made in the rootfs; what the container writes there goes to
// the mounted file, never to the placeholder. diff does not report these
// placeholders, as docker diff does not.
import { lstat, mkdir, open } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import { resolveInRoot } from '../oci/securejoin.js';
import { InvalidArgument } from '../errors.js';
import type { Change } from '../snapshots/changes.js';

export const MANAGED_FILES = ['/etc/hosts', '/etc/resolv.conf', '/etc/hostname'];

/**
 * Where to mount over `path` inside rootfs, relative to rootfs (symlinks in
 * the image are followed, inside the rootfs only); an empty placeholder is
 * made if nothing is there.
 */
export async function mountTarget(rootfs: string, path: string): Promise<string> {
  const host = await resolveInRoot(rootfs, path);
  const st = await lstat(host).catch(() => null);
  if (!st) {
    await mkdir(dirname(host), { recursive: true, mode: 0o755 });
    await (await open(host, 'a', 0o644)).close();
  } else if (!st.isFile()) {
    throw new InvalidArgument(`cannot mount over ${path} in the container: it is not a regular file in the image`);
  }
  return relative(rootfs, host);
}

/** Drop the placeholders (added, empty) from a container's changes, and their directory's change if it was only them. */
export function hidePlaceholders(changes: Change[], isEmptyFile: (path: string) => boolean): Change[] {
  const hidden = new Set(changes.filter((c) => c.kind === 'A' && MANAGED_FILES.includes(c.path) && isEmptyFile(c.path)).map((c) => c.path));
  if (!hidden.size) return changes;
  const dirs = new Set([...hidden].map((p) => dirname(p)));
  return changes.filter((c) => {
    if (hidden.has(c.path)) return false;
    if (c.kind === 'C' && dirs.has(c.path)) return changes.some((o) => o.path.startsWith(c.path + '/') && !hidden.has(o.path));
    return true;
  });
}
