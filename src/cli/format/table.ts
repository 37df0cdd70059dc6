// --format for the CLI, as the docker CLI does it: one Go template engine
// (template.ts) for inspect documents and for list rows; `table` templates
// get a header row and Go's tabwriter columns (tabwriter.ts).
import { parseTemplate, HEADER_FUNCS, TemplateError, type Template } from './template.js';
import { tabwrite } from './tabwriter.js';

export { TemplateError, goType } from './template.js';

/** Column titles for `table` templates, as Docker prints them (ps's by default). */
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
  Networks: 'NETWORKS',
  LocalVolumes: 'LOCAL VOLUMES',
  Container: 'CONTAINER',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  Scope: 'SCOPE',
  IPv6: 'IPV6',
  Internal: 'INTERNAL',
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Reclaimable: 'RECLAIMABLE',
  Group: 'GROUP',
  Availability: 'AVAILABILITY',
  Description: 'DESCRIPTION',
  StarCount: 'STARS',
  IsOfficial: 'OFFICIAL',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Containers: 'CONTAINERS',
  VirtualSize: 'VIRTUAL SIZE',
};

function parse(src: string, prefix: string): Template {
  try {
    return parseTemplate(src);
  } catch (e) {
    if (e instanceof TemplateError) e.message = `${prefix}${e.message}`;
    throw e;
  }
}

/**
 * inspect -f: each document through the template, one line each. As the
 * docker CLI's inspect: a missing key is an error, and a template that does
 * not parse exits 64, one that fails to run 1.
 */
export function formatInspect(format: string, docs: unknown[]): string {
  let t: Template;
  try {
    t = parseTemplate(format);
  } catch (e) {
    if (e instanceof TemplateError) {
      e.message = `template parsing error: ${e.message}`;
      e.exitCode = 64;
    }
    throw e;
  }
  return docs
    .map((d) => {
      try {
        return t.execute(d, { missingKey: 'error' }) + '\n';
      } catch (e) {
        if (e instanceof TemplateError) e.message = `template parsing error: ${e.message}`;
        throw e;
      }
    })
    .join('');
}

/** A list row's template without a table (history, search): \\t and \\n are escapes, a missing key prints <no value>. */
export function renderTemplate(template: string, data: unknown): string {
  return parse(template.replace(/\\t/g, '\t').replace(/\\n/g, '\n'), 'failed to parse template: ').execute(data);
}

export interface ListFormat {
  /** Docker's default table for this list, e.g. 'table {{.ID}}\t{{.Names}}'. */
  table?: string;
  /** Header titles where they differ from the common ones (images' ID is IMAGE ID). */
  headers?: Record<string, string>;
}

/**
 * --format for lists, as the docker CLI's formatter: '' or 'table' is the
 * default table, 'json' is {{json .}}, 'table TEMPLATE' adds a header and
 * aligns the tab-separated columns; \t and \n are escapes.
 */
export function formatList(format: string | undefined, rows: unknown[], opts: ListFormat = {}): string {
  let src = format ?? '';
  let isTable = src === '' || src.startsWith('table');
  if (src === '') src = opts.table ?? 'table {{.ID}}';
  if (src === 'json') {
    src = '{{json .}}';
    isTable = false;
  }
  if (isTable) {
    src = src.slice('table'.length).trim();
    if (!src) src = (opts.table ?? 'table {{.ID}}').slice('table'.length).trim();
  }
  src = src.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const t = parse(src, 'failed to parse template: ');
  let body = '';
  for (const r of rows) {
    try {
      body += t.execute(r) + '\n';
    } catch (e) {
      if (e instanceof TemplateError) e.message = `failed to execute template: ${e.message}`;
      throw e;
    }
  }
  if (!isTable) return body;
  const head = headerRow(t, rows[0], { ...HEADERS, ...opts.headers });
  return tabwrite(head + '\n' + body);
}

/** The header: the template run over the column titles with docker's header functions; where it fails it stops, as docker ignores the error. */
function headerRow(t: Template, sample: unknown, titles: Record<string, string>): string {
  const ctx: Record<string, unknown> = {};
  const fields = sample && typeof sample === 'object' ? Object.getOwnPropertyNames(sample) : [];
  for (const k of new Set([...Object.keys(titles), ...fields])) {
    const v = sample && typeof sample === 'object' ? (sample as Record<string, unknown>)[k] : undefined;
    // A method's header is its argument, as the docker CLI prints `table {{.Label "a"}}`.
    ctx[k] = typeof v === 'function' ? (name: unknown) => name : (titles[k] ?? k.toUpperCase());
  }
  return t.execute(ctx, { funcs: HEADER_FUNCS, partial: true });
}
