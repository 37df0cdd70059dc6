// The Dockerfile parser, after Docker's reference: parser directives
// (# escape=, # syntax=), comments, line continuations, JSON and shell forms,
// flags (--from=...), heredocs (RUN <<EOF), and every instruction's own
// syntax. Variables are not expanded here: that needs the build's state, so
// the builder does it per step (see lexer.ts). Errors name the file and line.
import { DockerfileError } from './errors.js';
import { LexError, processWord, splitRaw } from './lexer.js';

export type Command = { form: 'shell'; text: string } | { form: 'exec'; argv: string[] };

export interface Heredoc {
  /** The delimiter word, unquoted (also the file name for COPY <<EOF). */
  name: string;
  content: string;
  /** False when the delimiter was quoted (<<"EOF"): the content is taken literally. */
  expand: boolean;
  /** <<-EOF: leading tabs are stripped from the content's lines. */
  chomp: boolean;
}

export interface HealthOptions {
  interval?: string;
  timeout?: string;
  startPeriod?: string;
  startInterval?: string;
  retries?: string;
}

interface Base {
  /** First and last line of the instruction (1-based), heredoc bodies included. */
  line: number;
  endLine: number;
  /** The instruction as written, continuation lines joined. */
  text: string;
}

export type FromInstr = Base & { kind: 'FROM'; image: string; stage?: string; platform?: string };
export type ArgInstr = Base & { kind: 'ARG'; args: Array<{ name: string; value?: string }> };
export type CopyInstr = Base & {
  kind: 'COPY' | 'ADD';
  /** Raw source words, or the heredocs that stand in for files. */
  sources: Array<string | Heredoc>;
  dest: string;
  from?: string;
  chown?: string;
  chmod?: string;
  checksum?: string;
};
export type RunInstr = Base & { kind: 'RUN'; cmd: Command; heredocs: Heredoc[] };

export type Instruction =
  | FromInstr
  | ArgInstr
  | CopyInstr
  | RunInstr
  | (Base & { kind: 'CMD' | 'ENTRYPOINT'; cmd: Command })
  | (Base & { kind: 'SHELL'; argv: string[] })
  | (Base & { kind: 'ENV' | 'LABEL'; pairs: Array<[string, string]> })
  | (Base & { kind: 'WORKDIR' | 'USER' | 'STOPSIGNAL' | 'MAINTAINER'; value: string })
  | (Base & { kind: 'EXPOSE' | 'VOLUME'; values: string[] })
  | (Base & { kind: 'HEALTHCHECK'; cmd: Command | null; options: HealthOptions })
  | (Base & { kind: 'ONBUILD'; trigger: string; inner: Instruction });

export type Kind = Instruction['kind'];

export interface Dockerfile {
  file: string;
  escape: string;
  syntax?: string;
  instructions: Instruction[];
  warnings: string[];
}

const KINDS: Kind[] = [
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'MAINTAINER',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
];

/** The flags each instruction accepts (boolean flags take no value). */
const FLAGS: Partial<Record<Kind, Record<string, 'string' | 'boolean'>>> = {
  FROM: { platform: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'boolean' },
  ADD: { chown: 'string', chmod: 'string', checksum: 'string', link: 'boolean' },
  HEALTHCHECK: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
};

/** BuildKit-only flags, refused with a word on why rather than as unknown. */
const BUILDKIT_ONLY: Record<string, string> = {
  mount: 'RUN --mount',
  network: 'RUN --network',
  security: 'RUN --security',
  parents: 'COPY --parents',
  exclude: 'COPY --exclude',
  'keep-git-dir': 'ADD --keep-git-dir',
};

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

class Ctx {
  warnings: string[] = [];
  constructor(
    readonly file: string,
    public escape = '\\',
  ) {}
  fail(line: number, cause: string): never {
    throw new DockerfileError(this.file, line, cause);
  }
}

function trimLeft(s: string): string {
  return s.replace(/^[ \t\r\n\v\f]+/, '');
}

function isComment(line: string): boolean {
  return trimLeft(line).startsWith('#');
}

export function parseDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const ctx = new Ctx(file);
  let syntax: string | undefined;
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  if (lines.length && lines.at(-1) === '') lines.pop();
  const out: Instruction[] = [];
  const seen = new Set<string>();
  let directivesDone = false;
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const raw = trimLeft(lines[i++]);
    if (!directivesDone) {
      const m = DIRECTIVE.exec(raw);
      const key = m?.[1].toLowerCase();
      if (m && key && KNOWN_DIRECTIVES.has(key)) {
        if (seen.has(key)) ctx.fail(lineNo, `only one ${key} parser directive can be used`);
        seen.add(key);
        if (key === 'escape') {
          if (m[2] !== '\\' && m[2] !== '`') ctx.fail(lineNo, `invalid escape character '${m[2]}': it must be \\ or \``);
          ctx.escape = m[2];
        } else if (key === 'syntax') syntax = m[2];
        continue;
      }
      directivesDone = true;
    }
    if (raw === '' || isComment(raw)) continue;

    const cont = new RegExp(`${ctx.escape === '\\' ? '\\\\' : '`'}[ \\t]*$`);
    let content = raw;
    let more = cont.test(content);
    if (more) content = content.replace(cont, '');
    let emptyContinuation = false;
    while (more && i < lines.length) {
      const next = lines[i++];
      if (isComment(next)) continue;
      if (trimLeft(next) === '') {
        emptyContinuation = true;
        continue;
      }
      more = cont.test(next);
      content += more ? next.replace(cont, '') : next;
    }
    if (emptyContinuation) ctx.warnings.push(`${file}:${lineNo}: empty continuation line (Docker will make this an error)`);
    const startLine = lineNo;
    const instr = parseInstruction(ctx, content.trim(), startLine, i);
    // Heredoc bodies follow the instruction's line, in the order of their markers.
    const docs = heredocMarkers(ctx, instr, content);
    for (const d of docs) {
      let body = '';
      let closed = false;
      while (i < lines.length) {
        const l = lines[i++];
        if ((d.chomp ? l.replace(/^\t+/, '') : l) === d.name) {
          closed = true;
          break;
        }
        body += l + '\n';
      }
      if (!closed) ctx.fail(startLine, `unterminated heredoc: no line '${d.name}' ends it`);
      d.content = d.chomp ? body.replace(/^\t+/gm, '') : body;
    }
    instr.endLine = i;
    attachHeredocs(ctx, instr, docs);
    out.push(instr);
  }
  if (!out.length) ctx.fail(Math.max(lines.length, 1), 'the Dockerfile has no instructions (it is empty or only comments); it must have at least a FROM');
  return { file, escape: ctx.escape, syntax, instructions: out, warnings: ctx.warnings };
}

/** <<EOF, <<-EOF, <<"EOF" words of a RUN/COPY/ADD line. */
function heredocMarkers(ctx: Ctx, instr: Instruction, content: string): Heredoc[] {
  if (!['RUN', 'COPY', 'ADD'].includes(instr.kind) || !content.includes('<<')) return [];
  if (instr.kind === 'RUN' && instr.cmd.form === 'exec') return [];
  const docs: Heredoc[] = [];
  let words: string[];
  try {
    words = splitRaw(content, ctx.escape);
  } catch {
    return [];
  }
  for (const w of words) {
    const d = parseHeredocWord(w, ctx.escape);
    if (d) docs.push(d);
  }
  return docs;
}

/** A heredoc marker word, or null. */
export function parseHeredocWord(word: string, escape = '\\'): Heredoc | null {
  const m = /^(\d*)<<(-?)([^<]+)$/.exec(word);
  if (!m) return null;
  const rawName = m[3];
  let name: string;
  try {
    name = processWord(rawName, () => undefined, { escape });
  } catch {
    return null;
  }
  if (!name) return null;
  return { name, content: '', expand: !/["'\\`]/.test(rawName), chomp: m[2] === '-' };
}

function attachHeredocs(ctx: Ctx, instr: Instruction, docs: Heredoc[]): void {
  if (instr.kind === 'RUN') instr.heredocs = docs;
  if (instr.kind === 'COPY' || instr.kind === 'ADD') {
    let k = 0;
    instr.sources = instr.sources.map((s) => (typeof s === 'string' && parseHeredocWord(s, ctx.escape) ? docs[k++] : s));
  }
}

interface Flag {
  name: string;
  value?: string;
}

/** Leading --name[=value] words. */
function extractFlags(rest: string): { flags: Flag[]; rest: string } {
  const flags: Flag[] = [];
  for (;;) {
    const m = /^--([A-Za-z0-9][A-Za-z0-9-]*)(?:=((?:"[^"]*"|'[^']*'|[^\s"'])*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    flags.push({ name: m[1], value: m[2] });
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

function suggest(word: string): string {
  const dist = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  const best = KINDS.map((k) => [k, dist(word, k)] as const).sort((a, b) => a[1] - b[1])[0];
  return best[1] <= 2 ? ` (did you mean ${best[0]}?)` : '';
}

/** Is this text meant as JSON (so a parse failure is an error, not a shell command like `[ -f x ]`)? */
function meantAsJson(s: string): boolean {
  return /^\[\s*["']/.test(s) && /\]$/.test(s) && (/^\[["']/.test(s) || s.includes(','));
}

function jsonArray(ctx: Ctx, line: number, kind: string, s: string): string[] | undefined {
  if (!s.startsWith('[')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    if (!meantAsJson(s)) return undefined;
    const why = /^\[\s*'/.test(s) ? 'its strings must be in double quotes' : 'it is not a valid JSON array of strings';
    ctx.fail(line, `${kind}: malformed JSON form ${s}: ${why} (or drop the brackets for the shell form)`);
  }
  if (!Array.isArray(v)) return undefined;
  if (!v.every((x) => typeof x === 'string')) ctx.fail(line, `${kind}: malformed JSON form ${s}: every element must be a string`);
  return v;
}

function command(ctx: Ctx, line: number, kind: string, rest: string): Command {
  const argv = jsonArray(ctx, line, kind, rest);
  return argv ? { form: 'exec', argv } : { form: 'shell', text: rest };
}

function words(ctx: Ctx, line: number, kind: string, rest: string): string[] {
  const json = jsonArray(ctx, line, kind, rest);
  if (json) return json;
  try {
    return splitRaw(rest, ctx.escape);
  } catch (e) {
    ctx.fail(line, `${kind}: ${(e as LexError).message}`);
  }
}

/** KEY=VALUE words (ENV, LABEL), or the legacy "KEY VALUE" form. */
function pairs(ctx: Ctx, line: number, kind: string, rest: string): Array<[string, string]> {
  let ws: string[];
  try {
    ws = splitRaw(rest, ctx.escape);
  } catch (e) {
    ctx.fail(line, `${kind}: ${(e as LexError).message}`);
  }
  if (!ws.length) ctx.fail(line, `${kind} requires at least one argument`);
  if (!ws[0].includes('=')) {
    // Legacy form: the first word is the name, the rest of the line its value.
    const m = /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
    if (kind === 'ENV' && !m[2]) ctx.fail(line, `ENV ${m[1]}: no value; write ENV ${m[1]}=value`);
    return [[m[1], m[2]]];
  }
  return ws.map((w) => {
    const eq = w.indexOf('=');
    if (eq === -1) ctx.fail(line, `${kind}: syntax error - can't find = in "${w}"; it must be of the form name=value`);
    if (eq === 0) ctx.fail(line, `${kind} names can not be blank ("${w}")`);
    return [w.slice(0, eq), w.slice(eq + 1)] as [string, string];
  });
}

const GO_DURATION = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;

function parseInstruction(ctx: Ctx, content: string, line: number, endLine: number): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(content)!;
  const word = m[1];
  const kind = word.toUpperCase() as Kind;
  if (!KINDS.includes(kind)) ctx.fail(line, `unknown instruction: ${word}${suggest(word.toUpperCase())}`);
  const base = { line, endLine, text: content };
  if (kind === 'ONBUILD') {
    const inner = m[2].trim();
    if (!inner) ctx.fail(line, 'ONBUILD requires an instruction to run later');
    const innerKind = inner.split(/\s/, 1)[0].toUpperCase();
    if (innerKind === 'ONBUILD') ctx.fail(line, 'chaining ONBUILD via `ONBUILD ONBUILD` is not allowed');
    if (innerKind === 'FROM' || innerKind === 'MAINTAINER') ctx.fail(line, `${innerKind} is not allowed as an ONBUILD trigger`);
    return { ...base, kind, trigger: inner, inner: parseInstruction(ctx, inner, line, endLine) };
  }
  const { flags, rest: afterFlags } = extractFlags(m[2]);
  const rest = afterFlags.trim();
  const allowed = FLAGS[kind] ?? {};
  const f: Record<string, string | true> = {};
  for (const fl of flags) {
    if (BUILDKIT_ONLY[fl.name] && !allowed[fl.name])
      ctx.fail(line, `${BUILDKIT_ONLY[fl.name]} is a BuildKit feature that dockerlite's builder does not support`);
    const type = allowed[fl.name];
    if (!type) {
      const ok = Object.keys(allowed);
      ctx.fail(
        line,
        `${kind}: unknown flag --${fl.name}${ok.length ? ` (${kind} accepts ${ok.map((o) => `--${o}`).join(', ')})` : ` (${kind} takes no flags)`}`,
      );
    }
    if (type === 'string' && fl.value === undefined) ctx.fail(line, `${kind}: flag --${fl.name} needs a value (--${fl.name}=...)`);
    if (type === 'boolean' && fl.value !== undefined && !/^(true|false)$/.test(fl.value)) ctx.fail(line, `${kind}: flag --${fl.name} takes no value`);
    if (f[fl.name] !== undefined) ctx.fail(line, `${kind}: flag --${fl.name} is given twice`);
    f[fl.name] = fl.value ?? true;
  }
  const str = (k: string) => (typeof f[k] === 'string' ? f[k] : undefined);
  const need = (what = 'at least one argument') => {
    if (!rest) ctx.fail(line, `${kind} requires ${what}`);
  };

  switch (kind) {
    case 'FROM': {
      need('an image (FROM image [AS name])');
      const ws = words(ctx, line, kind, rest);
      if (ws.length !== 1 && !(ws.length === 3 && ws[1].toUpperCase() === 'AS'))
        ctx.fail(line, 'FROM requires either one argument, or three: FROM image AS name');
      let stage: string | undefined;
      if (ws.length === 3) {
        stage = ws[2].toLowerCase();
        if (!/^[a-z][a-z0-9._-]*$/.test(stage))
          ctx.fail(line, `invalid name for build stage: "${ws[2]}"; a name must start with a letter and hold only letters, digits, '-', '_' and '.'`);
      }
      return { ...base, kind, image: ws[0], stage, platform: str('platform') };
    }
    case 'RUN':
      need();
      return { ...base, kind, cmd: command(ctx, line, kind, rest), heredocs: [] };
    case 'CMD':
    case 'ENTRYPOINT':
      need();
      return { ...base, kind, cmd: command(ctx, line, kind, rest) };
    case 'SHELL': {
      const argv = jsonArray(ctx, line, kind, rest);
      if (!argv) ctx.fail(line, 'SHELL requires the arguments to be in JSON form, e.g. SHELL ["/bin/bash", "-c"]');
      if (!argv.length) ctx.fail(line, 'SHELL requires at least one argument');
      return { ...base, kind, argv };
    }
    case 'COPY':
    case 'ADD': {
      need('at least two arguments: a source and a destination');
      const ws = words(ctx, line, kind, rest);
      if (ws.length < 2) ctx.fail(line, `${kind} requires at least two arguments: a source and a destination (${kind} ${rest})`);
      if (kind === 'COPY' && f.from === '') ctx.fail(line, 'COPY --from needs a stage name, index or image');
      if (str('chmod') !== undefined && !/^[0-7]{3,4}$/.test(str('chmod')!))
        ctx.fail(line, `${kind}: invalid --chmod=${str('chmod')}: give octal permissions such as 755 or 0644`);
      return {
        ...base,
        kind,
        sources: ws.slice(0, -1),
        dest: ws.at(-1)!,
        from: str('from'),
        chown: str('chown'),
        chmod: str('chmod'),
        checksum: str('checksum'),
      };
    }
    case 'ENV':
    case 'LABEL':
      need();
      return { ...base, kind, pairs: pairs(ctx, line, kind, rest) };
    case 'ARG': {
      need('a name (ARG name[=default])');
      let ws: string[];
      try {
        ws = splitRaw(rest, ctx.escape);
      } catch (e) {
        ctx.fail(line, `ARG: ${(e as LexError).message}`);
      }
      const args = ws.map((w) => {
        const eq = w.indexOf('=');
        const name = eq === -1 ? w : w.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) ctx.fail(line, `ARG: invalid name "${name}"`);
        return eq === -1 ? { name } : { name, value: w.slice(eq + 1) };
      });
      return { ...base, kind, args };
    }
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      need();
      return { ...base, kind, value: rest };
    case 'EXPOSE':
    case 'VOLUME': {
      need();
      const values = words(ctx, line, kind, rest);
      if (kind === 'VOLUME' && values.some((v) => v.trim() === '')) ctx.fail(line, 'VOLUME specified can not be an empty string');
      return { ...base, kind, values };
    }
    case 'HEALTHCHECK': {
      need('NONE, or CMD and a command');
      const options: HealthOptions = {
        interval: str('interval'),
        timeout: str('timeout'),
        startPeriod: str('start-period'),
        startInterval: str('start-interval'),
        retries: str('retries'),
      };
      for (const [k, v] of Object.entries(options)) {
        if (v === undefined) continue;
        if (k === 'retries' ? !/^\d+$/.test(v) : !GO_DURATION.test(v))
          ctx.fail(line, `HEALTHCHECK: invalid --${k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}=${v}`);
        if (k === 'retries' && Number(v) < 1) ctx.fail(line, `--retries must be at least 1 (not ${v})`); // Docker's message
      }
      const hm = /^(\S+)\s*([\s\S]*)$/.exec(rest)!;
      const sub = hm[1].toUpperCase();
      if (sub === 'NONE') {
        if (hm[2] || flags.length) ctx.fail(line, 'HEALTHCHECK NONE takes no other arguments');
        return { ...base, kind, cmd: null, options: {} };
      }
      if (sub !== 'CMD') ctx.fail(line, `HEALTHCHECK: unknown type ${hm[1]}; use HEALTHCHECK CMD command, or HEALTHCHECK NONE`);
      if (!hm[2]) ctx.fail(line, 'HEALTHCHECK CMD requires a command');
      return { ...base, kind, cmd: command(ctx, line, kind, hm[2]), options };
    }
  }
  return ctx.fail(line, `unknown instruction: ${word}`);
}

/** Parse one ONBUILD trigger when it fires in a later build. */
export function parseTrigger(text: string, file: string, line: number, escape = '\\'): Instruction {
  const ctx = new Ctx(file, escape);
  const i = parseInstruction(ctx, text.trim(), line, line);
  if (i.kind === 'ONBUILD' || i.kind === 'FROM' || i.kind === 'MAINTAINER') ctx.fail(line, `${i.kind} is not allowed as an ONBUILD trigger`);
  return i;
}
