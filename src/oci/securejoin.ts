// Resolve a path inside a rootfs the way the container itself would see it:
// symlinks are followed, but always relative to the rootfs, so neither `..`
// nor an absolute or relative symlink can lead outside it.
import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgument } from '../errors.js';

/** Split a path into clean components; `..` is kept for the resolver to clamp. */
export function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Lexically normalise a path from untrusted input (a tar entry, a COPY source)
 * relative to a root. Throws when `..` would climb above the root.
 */
export function cleanRelative(p: string, what = 'path'): string {
  const out: string[] = [];
  for (const c of components(p)) {
    if (c === '..') {
      if (out.length === 0) throw new InvalidArgument(`${what} '${p}' points outside the root`);
      out.pop();
    } else out.push(c);
  }
  return out.join('/');
}

const MAX_LINKS = 255;

/**
 * Map `path` (as seen inside the container) to a host path under `root`.
 * Every symlink on the way is resolved inside root. With followFinal false the
 * last component is left as is (to replace it, or to act on a link itself).
 * Components that do not exist are appended literally.
 */
export async function resolveInRoot(root: string, path: string, followFinal = true): Promise<string> {
  return resolveInRootSync(root, path, followFinal);
}

/** resolveInRoot with synchronous calls: a few lstats, cheaper than a trip through the thread pool each. */
export function resolveInRootSync(root: string, path: string, followFinal = true): string {
  const todo = components(path);
  const done: string[] = [];
  let links = 0;
  while (todo.length) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const isLast = todo.length === 0;
    const host = join(root, ...done, c);
    if (isLast && !followFinal) {
      done.push(c);
      break;
    }
    let st;
    try {
      st = lstatSync(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // The rest does not exist yet, so it holds no symlinks: finish lexically, clamped at root.
        done.push(c);
        for (const rest of todo) {
          if (rest === '..') done.pop();
          else done.push(rest);
        }
        return join(root, ...done);
      }
      throw e;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new InvalidArgument(`too many levels of symbolic links resolving '${path}'`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...components(target));
      continue;
    }
    done.push(c);
  }
  return join(root, ...done);
}
