// A small subset of Go templates for --format: {{.Field.Sub}}, {{json .X}},
// {{upper .X}}, {{lower .X}}, {{join .List ","}}, and \t / \n escapes.
// Enough for docker-style scripting; anything else is a clear error.
import { InvalidArgument } from '../errors.js';

function lookup(obj: unknown, path: string): unknown {
  if (path === '.') return obj;
  let v: unknown = obj;
  for (const k of path.slice(1).split('.')) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v as object).map(([k, x]) => `${k}:${show(x)}`).join(' ')}]`;
  return String(v);
}

function evaluate(expr: string, data: unknown): string {
  const words = expr.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const arg = (w: string) => (w.startsWith('"') ? JSON.parse(w) : lookup(data, w));
  const [fn, ...rest] = words;
  if (fn?.startsWith('.')) return show(lookup(data, fn));
  switch (fn) {
    case 'json':
      return JSON.stringify(arg(rest[0]) ?? null);
    case 'upper':
      return show(arg(rest[0])).toUpperCase();
    case 'lower':
      return show(arg(rest[0])).toLowerCase();
    case 'join': {
      const list = arg(rest[0]);
      return Array.isArray(list) ? list.map(show).join(String(arg(rest[1]) ?? '')) : show(list);
    }
    default:
      throw new InvalidArgument(`template: unsupported expression '{{${expr}}}' (supported: .Field, json, upper, lower, join)`);
  }
}

export function renderTemplate(template: string, data: unknown): string {
  const t = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  return t.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expr: string) => evaluate(expr, data));
}
