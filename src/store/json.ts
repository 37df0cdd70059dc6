// State as plain JSON files, always written temp-then-rename so a reader never
// sees half a file and a crash never leaves one. Every read takes a schema
// (store/schema.ts): a file that is garbage, empty, null or the wrong shape
// is a CorruptState error naming the file and what is wrong, never a TypeError
// later on.
import { readFileSync } from 'node:fs';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, basename, join } from 'node:path';
import { CorruptState } from '../errors.js';
import { parseJsonWith, SchemaError, type Schema } from '../util/schema.js';

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

export async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Check JSON text read from `path`; a failure is CorruptState naming the file. */
export function parseState<T>(path: string, text: string, schema: Schema<T>): T {
  try {
    return parseJsonWith(text, schema);
  } catch (e) {
    if (e instanceof SchemaError) throw new CorruptState(path, e.message);
    throw e;
  }
}

/** Read and check a state file. A missing file is the usual ENOENT error. */
export async function readJson<T>(path: string, schema: Schema<T>): Promise<T> {
  return parseState(path, await readFile(path, 'utf8'), schema);
}

/** Read JSON, or return the fallback when the file does not exist (a corrupt one still throws). */
export async function readJsonOr<T, F = T>(path: string, schema: Schema<T>, fallback: F): Promise<T | F> {
  try {
    return await readJson(path, schema);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw e;
  }
}

/** Read JSON, or return the fallback when the file is missing or corrupt (for files that can be rebuilt). */
export function readJsonSyncOr<T, F = T>(path: string, schema: Schema<T>, fallback: F): T | F {
  try {
    return parseState(path, readFileSync(path, 'utf8'), schema);
  } catch {
    return fallback;
  }
}
