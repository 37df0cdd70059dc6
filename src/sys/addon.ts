// The Node-API addons of native/*.node.c (scripts/build-native.mjs builds
// them with `npm run build`): each is loaded once, or is null where it is not
// built, and its callers then fall back to the program it stands in for.
import { fileURLToPath } from 'node:url';

const loaded = new Map<string, unknown>();

export function addon<T>(name: 'spawn' | 'btrfs'): T | null {
  if (!loaded.has(name)) {
    let exports: T | null = null;
    try {
      const m = { exports: {} as T };
      process.dlopen(m, fileURLToPath(new URL(`../../native/${name}.node`, import.meta.url)));
      exports = m.exports;
    } catch {
      // not built: the caller's fallback serves
    }
    loaded.set(name, exports);
  }
  return loaded.get(name) as T | null;
}
