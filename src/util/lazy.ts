// A built-in module loaded at its first use, not at start-up: commands that
// never need it (ps, inspect, wait, logs start no program and make no id)
// do not pay its loading, ~7 ms each for node:child_process and node:crypto.
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export function lazyBuiltin<T>(id: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(id) as T);
}
