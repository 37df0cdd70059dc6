// Docker-style flags on top of node's util.parseArgs: -it groups, -e K=V,
// --name=x, repeated flags, and (for run/exec) flags end at the first
// positional, so `run IMAGE ls -l` passes -l to ls.
import { parseArgs } from 'node:util';
import { InvalidArgument } from '../errors.js';

export interface FlagDef {
  type: 'boolean' | 'string';
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  help: string;
  /** Value placeholder for --help, e.g. "list" or "name". */
  arg?: string;
}
export type FlagDefs = Record<string, FlagDef>;

type Value<D extends FlagDef> = D['type'] extends 'boolean'
  ? D['multiple'] extends true
    ? boolean[]
    : boolean
  : D['multiple'] extends true
    ? string[]
    : string;
export type Flags<D extends FlagDefs> = { [K in keyof D]?: Value<D[K]> };

export interface Parsed<D extends FlagDefs> {
  flags: Flags<D>;
  positionals: string[];
}

/** Where the flags end when they must stop at the first positional. */
function splitAtFirstPositional(argv: string[], defs: FlagDefs): number {
  const byShort = new Map(
    Object.entries(defs)
      .filter(([, d]) => d.short)
      .map(([k, d]) => [d.short!, { name: k, ...d }]),
  );
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return i;
    if (a.startsWith('--')) {
      const name = a.slice(2).split('=')[0];
      if (defs[name]?.type === 'string' && !a.includes('=')) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const d = byShort.get(a[j]);
        if (d?.type === 'string') {
          if (j === a.length - 1) i++;
          break;
        }
      }
    } else return i;
  }
  return argv.length;
}

export function parseFlags<D extends FlagDefs>(command: string, argv: string[], defs: D, opts: { stopAtPositional?: boolean } = {}): Parsed<D> {
  let head = argv;
  let tail: string[] = [];
  if (opts.stopAtPositional) {
    const at = splitAtFirstPositional(argv, defs);
    head = argv.slice(0, at);
    tail = argv[at] === '--' ? argv.slice(at + 1) : argv.slice(at);
  }
  // Docker's boolean flags also take a value: --rm=true, --sig-proxy=false.
  const negated: string[] = [];
  head = head.flatMap((a) => {
    const m = /^--([^=]+)=(true|false)$/.exec(a);
    if (!m || defs[m[1]]?.type !== 'boolean' || defs[m[1]].multiple) return [a];
    if (m[2] === 'true') return [`--${m[1]}`];
    negated.push(m[1]);
    return [];
  });
  const options: Record<string, { type: 'boolean' | 'string'; short?: string; multiple?: boolean }> = {};
  for (const [k, d] of Object.entries(defs)) {
    options[k] = { type: d.type, ...(d.short ? { short: d.short } : {}), ...(d.multiple ? { multiple: true } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: head, options, strict: true, allowPositionals: true });
    for (const n of negated) (values as Record<string, unknown>)[n] = false;
    return { flags: values as Flags<D>, positionals: [...positionals, ...tail] };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS')) {
      throw new InvalidArgument(`${err.message.split('\n')[0].replace(/\. To specify.*$/, '')}; see 'dockerlite ${command} --help'`);
    }
    throw e;
  }
}

export function wantsHelp(argv: string[], defs: FlagDefs, stopAtPositional: boolean): boolean {
  const head = stopAtPositional ? argv.slice(0, splitAtFirstPositional(argv, defs)) : argv;
  return head.includes('--help') || (head.includes('-h') && !Object.values(defs).some((d) => d.short === 'h'));
}

export function helpText(command: string, usage: string, summary: string, defs: FlagDefs, aliases: string[] = []): string {
  const lines = [`Usage:  dockerlite ${command} ${usage}`.trimEnd(), '', summary];
  if (aliases.length) lines.push('', `Aliases: ${aliases.join(', ')}`);
  const entries = Object.entries(defs);
  if (entries.length) {
    lines.push('', 'Options:');
    const cols = entries.map(
      ([k, d]) => `${d.short ? `-${d.short}, ` : '    '}--${k}${d.type === 'string' ? ` ${d.arg ?? (d.multiple ? 'list' : 'string')}` : ''}`,
    );
    const w = Math.max(...cols.map((c) => c.length)) + 3;
    entries.forEach(([, d], i) => lines.push(`  ${cols[i].padEnd(w)}${d.help}`));
  }
  return lines.join('\n') + '\n';
}

/** Demand an exact number of positionals (or a range). */
export function expectArgs(command: string, positionals: string[], min: number, max = min, what = ''): void {
  if (positionals.length < min || positionals.length > max) {
    const n = min === max ? `exactly ${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new InvalidArgument(
      `"dockerlite ${command}" requires ${n} argument${max === 1 && min === 1 ? '' : 's'}${what ? ` (${what})` : ''}; see 'dockerlite ${command} --help'`,
    );
  }
}
