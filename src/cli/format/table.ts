// A small subset of Go templates for --format: {{.Field.Sub}}, {{json .X}},
// {{upper .X}}, {{lower .X}}, {{join .List ","}}, and \t / \n escapes.
// Enough for docker-style scripting; anything else is a clear error.
import { InvalidArgument } from '../../errors.js';

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
  if (typeof v === 'object')
    return `map[${Object.entries(v)
      .map(([k, x]) => `${k}:${show(x)}`)
      .join(' ')}]`;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- objects and arrays were shown above: only primitives reach here
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

/** Column titles for `table` templates, as Docker prints them. */
const HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  Labels: 'LABELS',
  State: 'STATE',
  Name: 'NAME',
  Driver: 'DRIVER',
  Mountpoint: 'MOUNTPOINT',
  Size: 'SIZE',
  Mounts: 'MOUNTS',
  Container: 'CONTAINER',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
};

function header(template: string): string {
  return template.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expr: string) => {
    const field = /\.([A-Za-z]+)\s*$/.exec(expr)?.[1] ?? expr;
    return HEADERS[field] ?? field.toUpperCase();
  });
}

/**
 * --format for lists: a template per row, or Docker's `table TEMPLATE`,
 * which adds a header and aligns the tab-separated columns.
 */
export function formatList(template: string, rows: unknown[], tableOf?: (header: string[], rows: string[][]) => string): string {
  const m = /^table\s*(.*)$/s.exec(template);
  if (!m) return rows.map((r) => renderTemplate(template, r) + '\n').join('');
  const t = m[1] || '{{.ID}}';
  const cells = rows.map((r) => renderTemplate(t, r).split('\t'));
  const head = header(t.replace(/\\t/g, '\t')).split('\t');
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  if (tableOf) return tableOf(head, cells);
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : x.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}
