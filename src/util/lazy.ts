// A built-in module loaded at its first use, not at start-up: commands that
// never need it (ps, inspect, wait, logs start no program and make no id)
// do not pay its loading, ~7 ms each for node:child_process and node:crypto.
// The require function itself is made at the first load too (~1 ms).
import { createRequire } from 'node:module';

let load: NodeJS.Require | undefined;

export function lazyBuiltin<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= (load ??= createRequire(import.meta.url))(id) as T);
}
