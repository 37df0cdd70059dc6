// A small validator for JSON read at a trust boundary: state files read back,
// image configs and manifests from registries and archives. Each schema
// checks a parsed value and returns it typed (normalised where Docker's own
// null forms mean "none"; the value itself when nothing needed it), or throws
// SchemaError naming the path of the first thing wrong. Unknown keys are kept, so a record written by a newer
// dockerlite (or an image config with fields we do not know) survives.
// Own code, not a library: the project has no run-time npm dependencies, and
// what is needed here is a few dozen lines.

export class SchemaError extends Error {
  override name = 'SchemaError';
  constructor(
    /** Where in the document, e.g. `config.Env[2]`; empty for the top. */
    readonly at: string,
    readonly problem: string,
  ) {
    super(at ? `${at}: ${problem}` : problem);
  }
}

export type Schema<T> = (v: unknown, at: string) => T;
export type Infer<S> = S extends Schema<infer T> ? T : never;

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function fail(at: string, want: string, v: unknown): never {
  throw new SchemaError(at, v === undefined ? `missing (expected ${want})` : `expected ${want}, got ${kind(v)}`);
}

export const str: Schema<string> = (v, at) => (typeof v === 'string' ? v : fail(at, 'a string', v));
export const bool: Schema<boolean> = (v, at) => (typeof v === 'boolean' ? v : fail(at, 'true or false', v));
export const num: Schema<number> = (v, at) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(at, 'a number', v));
export const int: Schema<number> = (v, at) => (Number.isSafeInteger(v) ? (v as number) : fail(at, 'an integer', v));
/** Anything (still JSON): for values the code only passes along. */
export const any: Schema<unknown> = (v) => v;

export function nonNegInt(v: unknown, at: string): number {
  const n = int(v, at);
  if (n < 0) throw new SchemaError(at, `expected a non-negative integer, got ${n}`);
  return n;
}

export function oneOf<const T extends string>(...values: T[]): Schema<T> {
  return (v, at) => {
    if (typeof v === 'string' && (values as string[]).includes(v)) return v as T;
    if (typeof v !== 'string') fail(at, `one of ${values.join(', ')}`, v);
    throw new SchemaError(at, `expected one of ${values.join(', ')}, got '${v.slice(0, 40)}'`);
  };
}

export function matching(re: RegExp, what: string): Schema<string> {
  return (v, at) => {
    if (typeof v === 'string' && re.test(v)) return v;
    if (typeof v !== 'string') fail(at, what, v);
    throw new SchemaError(at, `expected ${what}, got '${v.slice(0, 80)}'`);
  };
}

export function arr<T>(item: Schema<T>): Schema<T[]> {
  return (v, at) => {
    if (!Array.isArray(v)) fail(at, 'an array', v);
    let out: unknown[] | undefined; // copied on the first change only (see obj)
    for (let i = 0; i < v.length; i++) {
      const x = item(v[i], `${at}[${i}]`);
      if (x === v[i]) continue;
      out ??= v.slice();
      out[i] = x;
    }
    return (out ?? v) as T[];
  };
}

/** A JSON object used as a map: every value checked. */
export function record<T>(value: Schema<T>): Schema<Record<string, T>> {
  return (v, at) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(at, 'an object', v);
    const src = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined; // copied on the first change only (see obj)
    for (const k in src) {
      if (!Object.hasOwn(src, k)) continue;
      const x = value(src[k], at ? `${at}.${k}` : k);
      if (x === src[k]) continue;
      out ??= { ...src };
      out[k] = x;
    }
    return (out ?? src) as Record<string, T>;
  };
}

/** Absent (undefined) is fine; null is not. */
export function opt<T>(s: Schema<T>): Schema<T | undefined> {
  return (v, at) => (v === undefined ? undefined : s(v, at));
}

/** Absent or null is fine, and kept as written. */
export function nullable<T>(s: Schema<T>): Schema<T | null | undefined> {
  return (v, at) => (v === undefined || v === null ? v : s(v, at));
}

/** Docker writes null for "none" (`"Volumes": null`, `"Env": null`): read it as absent. */
export function orNone<T>(s: Schema<T>): Schema<T | undefined> {
  return (v, at) => (v === undefined || v === null ? undefined : s(v, at));
}

/** Absent or null reads as a default (made fresh each time). */
export function orDefault<T>(s: Schema<T>, dflt: () => T): Schema<T> {
  return (v, at) => (v === undefined || v === null ? dflt() : s(v, at));
}

type Shape = Record<string, Schema<unknown>>;
type Out<S extends Shape> = { [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]> } & {
  [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]>;
};

/**
 * An object with these keys checked; other keys are kept as they are. A key
 * whose schema returns undefined is left out rather than written as undefined.
 */
export function obj<S extends Shape>(shape: S): Schema<Out<S>> {
  // ps -a checks two records per container, once, in a process that ends
  // at once: mostly in V8's interpreter, where a destructuring for-of and a
  // spread of every object cost more than the checks. So: plain indexed
  // loops, and the value itself returned when every field checked as it
  // was (the usual case), copied only on the first normalised field.
  const keys = Object.keys(shape);
  const schemas = keys.map((k) => shape[k]);
  // The fields' paths, for the path this schema was last checked at (almost always the same one).
  let pathsAt = '';
  let paths = keys;
  return (v, at) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(at, 'an object', v);
    if (at !== pathsAt) {
      pathsAt = at;
      paths = at ? keys.map((k) => `${at}.${k}`) : keys;
    }
    const fieldPaths = paths; // a nested check of this same schema may replace paths
    const src = v as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const was = src[k];
      const x = schemas[i](was, fieldPaths[i]);
      if (x === was) continue;
      out ??= { ...src };
      if (x === undefined) delete out[k];
      else out[k] = x;
    }
    return (out ?? src) as Out<S>;
  };
}

/** Check a value; a further rule on the checked value may throw SchemaError itself. */
export function refine<T>(s: Schema<T>, rule: (x: T, at: string) => void): Schema<T> {
  return (v, at) => {
    const x = s(v, at);
    rule(x, at);
    return x;
  };
}

/** Parse JSON text and check it. Throws SchemaError for text that is not JSON too. */
export function parseJsonWith<T>(text: string, s: Schema<T>): T {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new SchemaError('', text.trim() === '' ? 'empty, not JSON' : 'not valid JSON');
  }
  return s(v, '');
}
