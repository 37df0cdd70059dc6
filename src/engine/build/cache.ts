// The build cache: one plain JSON file per step result,
// $DOCKERLITE_ROOT/buildcache/<key>.json. The key is a hash of the parent
// step's key and the step itself (the instruction after substitution, the
// build args a RUN sees, the digest of the files a COPY copies), so a chain
// of keys starts at the base image. An entry holds the state after its step:
// the image config and the layers, each a read-only snapshot, so a hit costs
// one file read and no copy.
//
// Entries hold their layers: layersInUse (image/images.ts) asks cachedLayers() before deleting
// any, so a built image can be removed and its layers stay as cache until
// `builder prune`. This file imports nothing from the engine, so image/images.ts
// (layersInUse) can import it.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ImageConfig } from '../../store/types.js';
import { readJsonOr, tempPathFor } from '../../store/json.js';
import { sha256 } from '../../store/ids.js';
import { runConfig } from '../../store/schema.js';
import { arr, obj, opt, orNone, str, type Schema } from '../../util/schema.js';

export interface CacheEntry {
  key: string;
  /** The key of the step before (or the base: "image:<id>", "scratch"). */
  parent: string;
  created: string;
  /** The instruction, as written. */
  step: string;
  /** The layer this step made, if it made one. */
  layer?: string;
  /** The state after this step. */
  layers: string[];
  config: ImageConfig;
}
const cacheEntry = obj({
  key: str,
  parent: str,
  created: str,
  step: str,
  layer: opt(str),
  layers: arr(str),
  config: obj({ config: orNone(runConfig) }),
}) as Schema<CacheEntry>;

export function cacheDir(store: Store): string {
  return join(store.paths.root, 'buildcache');
}

function entryPath(store: Store, key: string): string {
  return join(cacheDir(store), `${key}.json`);
}

/** The key of a step: its parent's key and everything that decides its result. */
export function stepKey(parent: string, descriptor: unknown): string {
  return sha256(JSON.stringify([parent, descriptor]));
}

/** The entry for key, if it exists and every layer it names is still in the store. */
export async function lookup(store: Store, key: string): Promise<CacheEntry | undefined> {
  // A torn entry (a crash before the data reached the disk) is only a miss.
  const e = await readJsonOr(entryPath(store, key), cacheEntry, null).catch(() => null);
  if (!e) return undefined;
  for (const l of e.layers) {
    if (!existsSync(store.paths.layerMeta(l)) || !existsSync(store.paths.layer(l))) return undefined;
  }
  return e;
}

/**
 * Record a step's result. It may replace a parallel build's entry for the
 * same step: each build holds its own layers with a lease (builder.ts) until
 * its image names them, so an entry is the cache, never a build's only hold
 * on a layer. Temp-then-rename, but without
 * fsync: an entry lost in a crash is a cache miss, not an error, and a build
 * writes one per step.
 */
export async function put(store: Store, e: CacheEntry): Promise<void> {
  const dir = cacheDir(store);
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(entryPath(store, e.key));
  await writeFile(tmp, JSON.stringify(e) + '\n');
  try {
    await rename(tmp, entryPath(store, e.key));
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

export async function drop(store: Store, key: string): Promise<void> {
  await unlink(entryPath(store, key)).catch(() => {});
}

export async function listEntries(store: Store): Promise<CacheEntry[]> {
  let names: string[];
  try {
    names = await readdir(cacheDir(store));
  } catch {
    return [];
  }
  const out: CacheEntry[] = [];
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    const e = await readJsonOr(join(cacheDir(store), n), cacheEntry, null).catch(() => null);
    if (e) out.push(e);
  }
  return out;
}

/** Every layer the cache holds (a layer holder for gcLayers). */
export async function cachedLayers(store: Store): Promise<Set<string>> {
  const used = new Set<string>();
  for (const e of await listEntries(store)) for (const l of e.layers) used.add(l);
  return used;
}
