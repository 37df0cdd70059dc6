// Opening paths inside a rootfs that a running container may be changing under
// us (CVE-2018-15664). resolveInRoot (securejoin.ts) returns a path string that
// the kernel resolves again when it is used; in between, the container can swap
// a directory it checked for a symlink to a host directory. Here nothing inside
// the rootfs is ever resolved twice: each component is opened relative to the
// directory fd of the one before, through /proc/self/fd/N/NAME (Node has neither
// openat nor openat2; the kernel starts from the very directory the fd holds),
// and never followed (O_NOFOLLOW). A symlink is read and resolved by us, inside
// root, and `..` returns to the directory we came from. That is openat2's
// RESOLVE_IN_ROOT, one component at a time; it holds whatever the container is
// doing (running, being started, paused), so nothing has to be frozen.
import { closeSync, constants, openSync, readlinkSync } from 'node:fs';
import { InvalidArgument, NotFound } from '../errors.js';
import { components } from './securejoin.js';

const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const MAX_LINKS = 255;

/** A directory held open: names in it are reached through its fd, never through a path above it. */
export class Dir {
  constructor(readonly fd: number) {}

  /** A path for name (one component) in this very directory. Only calls that do not follow a final symlink may use it, or O_NOFOLLOW. */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** Open the subdirectory name; a symlink or non-directory there is refused (ENOTDIR). */
  open(name: string): Dir {
    return new Dir(openSync(this.at(name), O_DIR));
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Where a path inside a rootfs leads: the directory holding its last component (open), and that name ("." for a directory reached as a whole). */
export interface Located {
  dir: Dir;
  name: string;
}

/**
 * Resolve path as the container sees it, holding each directory on the way
 * open. With followFinal, a symlink as the last component is resolved too.
 * The last component may be missing; a missing or non-directory component
 * before it is an error. The caller closes the returned dir.
 */
export function locateInRoot(root: string, path: string, followFinal: boolean, where = 'the root'): Located {
  const stack = [new Dir(openSync(root, O_DIR))];
  const todo = components(path);
  let links = 0;
  const top = () => stack[stack.length - 1];
  let found: Located | undefined;
  const at = (name: string) => (found = { dir: top(), name });
  try {
    while (todo.length) {
      const c = todo.shift()!;
      if (c === '..') {
        if (stack.length > 1) stack.pop()!.close();
        continue;
      }
      const last = todo.length === 0;
      if (last && !followFinal) return at(c);
      let next: Dir;
      try {
        next = top().open(c);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        const target = code === 'ENOTDIR' ? readlinkOrUndef(top(), c) : undefined;
        if (target !== undefined) {
          if (++links > MAX_LINKS) throw new InvalidArgument(`too many levels of symbolic links resolving ${path} in ${where}`);
          if (target.startsWith('/')) while (stack.length > 1) stack.pop()!.close();
          todo.unshift(...components(target));
          continue;
        }
        if (last && (code === 'ENOENT' || code === 'ENOTDIR')) return at(c);
        if (code === 'ENOENT') throw new NotFound(`no such directory ${c} on the way to ${path} in ${where}`);
        if (code === 'ENOTDIR') throw new InvalidArgument(`${c} on the way to ${path} in ${where} is not a directory`);
        throw e;
      }
      if (last) {
        next.close();
        return at(c);
      }
      stack.push(next);
    }
    return at('.');
  } finally {
    for (const d of stack) if (d !== found?.dir) d.close();
  }
}

/** The target of name when it is a symlink; undefined when it is not one (or is gone). */
function readlinkOrUndef(dir: Dir, name: string): string | undefined {
  try {
    return readlinkSync(dir.at(name));
  } catch {
    return undefined;
  }
}
