// Go's text/template, as the docker CLI runs it for --format: actions,
// pipelines, variables, if/else if/else, with, range (with break/continue),
// define/template/block, comments, {{- -}} trimming, Go's builtin functions
// and Docker's extra ones (json, split, join, title, lower, upper, pad,
// truncate). Values are JSON-like documents, so they behave as the CLI's raw
// map[string]interface{} fallback does: fields are map keys (sorted when
// printed), a missing one is <no value> or, with missingKey 'error', an error.
// Error messages follow Go's shape: "template: :LINE:COL: executing "" at <NODE>: ...".
// Hand-written because no npm package implements Go's semantics (printing,
// truthiness, pipelines as last argument) closely enough to match docker's output.
import { InvalidArgument } from '../../errors.js';

/** A template that could not be parsed (phase 'parse') or run (phase 'exec'). */
export class TemplateError extends InvalidArgument {
  constructor(
    message: string,
    readonly phase: 'parse' | 'exec',
  ) {
    super(message);
  }
}

/** Marks an object as a Go struct (a ps/images row): a missing field is an error naming this type. */
export const goType = Symbol('goType');

/** A method-like field, e.g. a row's Label: called with the action's arguments. */
export type Method = (...args: unknown[]) => unknown;

export type Funcs = Record<string, (...args: unknown[]) => unknown>;

// ---------------------------------------------------------------- lexer

type Tok =
  | { t: 'field'; v: string; pos: number }
  | { t: 'var'; v: string; pos: number }
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number; raw: string }
  | { t: 'number'; v: number; pos: number; raw: string }
  | { t: 'bool'; v: boolean; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'dot'; pos: number }
  | { t: 'op'; v: '(' | ')' | '|' | ':=' | '=' | ','; pos: number }
  | { t: 'space'; pos: number };

function parseErr(src: string, pos: number, msg: string): TemplateError {
  const line = 1 + (src.slice(0, pos).match(/\n/g)?.length ?? 0);
  return new TemplateError(`template: :${line}: ${msg}`, 'parse');
}

function unquote(src: string, pos: number, s: string): string {
  // Go's interpreted string literal: the JSON escapes plus \a \v \x.. \u.... \U........ and octal.
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', '"': '"', "'": "'" };
    if (e in simple) out += simple[e];
    else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + n), 16));
      i += n;
    } else if (/[0-7]/.test(e)) {
      out += String.fromCharCode(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else throw parseErr(src, pos, `invalid syntax`);
  }
  return out;
}

function lexAction(src: string, start: number, end: number): Tok[] {
  const toks: Tok[] = [];
  let i = start;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  while (i < end) {
    const c = src[i];
    if (/\s/.test(c)) {
      while (i < end && /\s/.test(src[i])) i++;
      toks.push({ t: 'space', pos: i });
      continue;
    }
    const pos = i;
    if (c === '"') {
      let j = i + 1;
      while (j < end && src[j] !== '"') {
        if (src[j] === '\\') j++;
        if (src[j] === '\n') throw parseErr(src, pos, 'unterminated quoted string');
        j++;
      }
      if (j >= end) throw parseErr(src, pos, 'unterminated quoted string');
      const raw = src.slice(i, j + 1);
      toks.push({ t: 'string', v: unquote(src, pos, raw), pos, raw });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0 || j >= end) throw parseErr(src, pos, 'unterminated raw quoted string');
      toks.push({ t: 'string', v: src.slice(i + 1, j), pos, raw: src.slice(i, j + 1) });
      i = j + 1;
    } else if (c === "'") {
      const m = /'(\\.[^']*|[^\\'])'/y;
      m.lastIndex = i;
      const r = m.exec(src);
      if (!r) throw parseErr(src, pos, 'unterminated character constant');
      const ch = r[1].startsWith('\\') ? unquote(src, pos, `"${r[1]}"`) : r[1];
      toks.push({ t: 'number', v: ch.codePointAt(0)!, pos, raw: r[0] });
      i += r[0].length;
    } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
      ident.lastIndex = i + 1;
      const r = ident.exec(src);
      if (r && r.index === i + 1) {
        toks.push({ t: 'field', v: r[0], pos });
        i += 1 + r[0].length;
      } else {
        toks.push({ t: 'dot', pos });
        i++;
      }
    } else if (c === '$') {
      ident.lastIndex = i + 1;
      const r = ident.exec(src);
      const name = r && r.index === i + 1 ? r[0] : '';
      toks.push({ t: 'var', v: '$' + name, pos });
      i += 1 + name.length;
    } else if (/[-+0-9.]/.test(c)) {
      const m = /[-+]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(\d[\d_]*)?\.?\d*([eE][-+]?\d+)?)/y;
      m.lastIndex = i;
      const r = m.exec(src)!;
      const raw = r[0];
      if (!raw || raw === '-' || raw === '+' || /[A-Za-z_]/.test(src[i + raw.length] ?? ''))
        throw parseErr(src, pos, `bad number syntax: "${src.slice(i, Math.max(i + 1, i + raw.length + 1))}"`);
      const clean = raw.replace(/_/g, '');
      const neg = clean.startsWith('-');
      const body = clean.replace(/^[-+]/, '');
      const v = /^0[xXbBoO]/.test(body) ? Number(body) : /^0\d+$/.test(body) ? parseInt(body, 8) : Number(body);
      toks.push({ t: 'number', v: neg ? -v : v, pos, raw });
      i += raw.length;
    } else if (/[A-Za-z_]/.test(c)) {
      ident.lastIndex = i;
      const w = ident.exec(src)![0];
      if (w === 'true' || w === 'false') toks.push({ t: 'bool', v: w === 'true', pos });
      else if (w === 'nil') toks.push({ t: 'nil', pos });
      else toks.push({ t: 'ident', v: w, pos });
      i += w.length;
    } else if (src.startsWith(':=', i)) {
      toks.push({ t: 'op', v: ':=', pos });
      i += 2;
    } else if ('()|=,'.includes(c)) {
      toks.push({ t: 'op', v: c as '(' | ')' | '|' | '=' | ',', pos });
      i++;
    } else {
      throw parseErr(src, pos, `unexpected ${JSON.stringify(c)} in command`);
    }
  }
  return toks;
}

// ---------------------------------------------------------------- parse tree

type Arg =
  | { k: 'field'; pos: number; recv: Arg | null; names: string[]; text: string }
  | { k: 'var'; pos: number; name: string; names: string[]; text: string }
  | { k: 'dot'; pos: number; text: string }
  | { k: 'lit'; pos: number; v: unknown; text: string }
  | { k: 'nil'; pos: number; text: string }
  | { k: 'func'; pos: number; name: string; text: string }
  | { k: 'pipe'; pos: number; pipe: Pipe; names: string[]; text: string };

interface Cmd {
  pos: number;
  args: Arg[];
  text: string;
}
interface Pipe {
  pos: number;
  decl: string[];
  assign: boolean;
  cmds: Cmd[];
  text: string;
}

type Node =
  | { k: 'text'; s: string }
  | { k: 'action'; pos: number; pipe: Pipe }
  | { k: 'if' | 'with'; pos: number; pipe: Pipe; list: Node[]; else: Node[] | null }
  | { k: 'range'; pos: number; pipe: Pipe; list: Node[]; else: Node[] | null }
  | { k: 'break' | 'continue'; pos: number }
  | { k: 'template'; pos: number; name: string; pipe: Pipe | null };

const BUILTINS = new Set([
  'and',
  'or',
  'not',
  'len',
  'index',
  'slice',
  'print',
  'printf',
  'println',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'html',
  'js',
  'urlquery',
  'call',
]);

class Parser {
  private items: ({ k: 'text'; s: string } | { k: 'act'; pos: number; toks: Tok[] })[] = [];
  private at = 0;
  private vars: string[][] = [['$']];
  readonly defs = new Map<string, Node[]>();
  private rangeDepth = 0;

  constructor(
    private src: string,
    private funcs: Set<string>,
  ) {
    this.split();
  }

  private split(): void {
    const src = this.src;
    let i = 0;
    let trimNext = false;
    while (i <= src.length) {
      const open = src.indexOf('{{', i);
      let text = open < 0 ? src.slice(i) : src.slice(i, open);
      if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
      if (open < 0) {
        if (text) this.items.push({ k: 'text', s: text });
        break;
      }
      let start = open + 2;
      if (src[start] === '-' && /[ \t\r\n]/.test(src[start + 1] ?? '')) {
        text = text.replace(/[ \t\r\n]+$/, '');
        start += 2;
      }
      if (text) this.items.push({ k: 'text', s: text });
      // Find the closing }} outside quotes.
      let j = start;
      let close = -1;
      while (j < src.length) {
        const c = src[j];
        if (c === '"' || c === '`' || c === "'") {
          const q = c;
          j++;
          while (j < src.length && src[j] !== q) {
            if (src[j] === '\\' && q !== '`') j++;
            if (src[j] === '\n' && q !== '`') break;
            j++;
          }
          j++;
          continue;
        }
        if (src.startsWith('}}', j)) {
          close = j;
          break;
        }
        if (src.startsWith('/*', j) && src.slice(start, j).trim() === '') {
          const e = src.indexOf('*/', j + 2);
          if (e < 0) throw parseErr(src, j, 'unclosed comment');
          j = e + 2;
          continue;
        }
        j++;
      }
      if (close < 0) throw parseErr(src, src.length, 'unclosed action');
      let end = close;
      trimNext = false;
      if (src[close - 1] === '-' && /[ \t\r\n]/.test(src[close - 2] ?? '')) {
        end = close - 2;
        trimNext = true;
      }
      const body = src.slice(start, end);
      if (/^\s*\/\*[\s\S]*\*\/\s*$/.test(body)) {
        i = close + 2;
        continue;
      }
      this.items.push({ k: 'act', pos: start, toks: lexAction(src, start, end) });
      i = close + 2;
    }
  }

  parse(): Node[] {
    const [list, stop] = this.list(true);
    if (stop) throw parseErr(this.src, stop.pos, `unexpected ${this.keywordText(stop)}`);
    return list;
  }

  private keywordText(stop: { word: string }): string {
    return `{{${stop.word}}}`;
  }

  /** Nodes up to an {{end}} or {{else ...}}; returns which one stopped it. */
  private list(top: boolean): [Node[], { word: 'end' | 'else'; pos: number; rest: Tok[] } | null] {
    const out: Node[] = [];
    while (this.at < this.items.length) {
      const it = this.items[this.at++];
      if (it.k === 'text') {
        out.push({ k: 'text', s: it.s });
        continue;
      }
      const toks = it.toks.filter((t, i) => !(t.t === 'space' && i === 0));
      const first = toks[0];
      if (!first) throw parseErr(this.src, it.pos, 'missing value for command');
      const word = first.t === 'ident' ? first.v : '';
      const rest = toks.slice(1);
      switch (word) {
        case 'end':
        case 'else':
          if (top && !this.inBlock) throw parseErr(this.src, it.pos, `unexpected {{${word}}}`);
          return [out, { word, pos: it.pos, rest }];
        case 'if':
        case 'with':
        case 'range':
          out.push(this.control(word, it.pos, rest));
          continue;
        case 'break':
        case 'continue':
          if (!this.rangeDepth) throw parseErr(this.src, it.pos, `{{${word}}} outside {{range}}`);
          out.push({ k: word, pos: it.pos });
          continue;
        case 'define':
        case 'block': {
          const name = rest.find((t) => t.t !== 'space');
          if (name?.t !== 'string') throw parseErr(this.src, it.pos, `unexpected ${word} clause`);
          const afterName = rest.slice(rest.indexOf(name) + 1);
          const pipe = word === 'block' ? this.pipeline(afterName, it.pos, false) : null;
          const saved = this.vars;
          this.vars = [['$']];
          this.inBlock++;
          const [body, stop] = this.list(false);
          this.inBlock--;
          this.vars = saved;
          if (stop?.word !== 'end') throw parseErr(this.src, it.pos, 'unexpected EOF');
          this.defs.set(name.v, body);
          if (word === 'block') out.push({ k: 'template', pos: it.pos, name: name.v, pipe });
          continue;
        }
        case 'template': {
          const name = rest.find((t) => t.t !== 'space');
          if (name?.t !== 'string') throw parseErr(this.src, it.pos, 'unexpected template clause');
          const afterName = rest.slice(rest.indexOf(name) + 1).filter((t) => t.t !== 'space');
          out.push({
            k: 'template',
            pos: name.pos,
            name: name.v,
            pipe: afterName.length ? this.pipeline(rest.slice(rest.indexOf(name) + 1), it.pos, false) : null,
          });
          continue;
        }
      }
      out.push({ k: 'action', pos: it.pos, pipe: this.pipeline(toks, it.pos, true) });
    }
    if (!top || this.inBlock) throw parseErr(this.src, this.src.length, 'unexpected EOF');
    return [out, null];
  }
  private inBlock = 0;

  private control(word: 'if' | 'with' | 'range', pos: number, toks: Tok[]): Node {
    this.vars.push([]);
    const pipe = this.pipeline(toks, pos, true, word === 'range');
    this.inBlock++;
    if (word === 'range') this.rangeDepth++;
    const [list, stop] = this.list(false);
    if (word === 'range') this.rangeDepth--;
    this.vars.pop();
    let elseList: Node[] | null = null;
    if (stop?.word === 'else') {
      const rest = stop.rest.filter((t) => t.t !== 'space');
      if (rest.length && rest[0].t === 'ident' && (rest[0].v === 'if' || rest[0].v === 'with') && word !== 'range') {
        // {{else if ...}} is an if inside the else branch, sharing the {{end}}.
        const inner = rest[0].v;
        this.inBlock--;
        elseList = [this.control(inner, stop.pos, stop.rest.slice(stop.rest.indexOf(rest[0]) + 1))];
        return { k: word, pos, pipe, list, else: elseList };
      }
      if (rest.length) throw parseErr(this.src, stop.pos, `unexpected ${rest[0].t === 'ident' ? rest[0].v : 'token'} in else`);
      this.vars.push([]);
      const [el, stop2] = this.list(false);
      this.vars.pop();
      if (stop2?.word !== 'end') throw parseErr(this.src, pos, `expected end; found {{else}}`);
      elseList = el;
    } else if (stop?.word !== 'end') throw parseErr(this.src, pos, 'unexpected EOF');
    this.inBlock--;
    return { k: word, pos, pipe, list, else: elseList };
  }

  private declare(name: string): void {
    this.vars[this.vars.length - 1].push(name);
  }

  private known(name: string): boolean {
    return this.vars.some((s) => s.includes(name));
  }

  private pipeline(toks: Tok[], pos: number, allowDecl: boolean, range = false): Pipe {
    const t = toks.filter((x) => x.t !== 'space');
    const decl: string[] = [];
    let assign = false;
    let k = 0;
    // $x := / $x = / $i, $v :=
    if (allowDecl && t[0]?.t === 'var') {
      if (t[1]?.t === 'op' && (t[1].v === ':=' || t[1].v === '=')) {
        decl.push(t[0].v);
        assign = t[1].v === '=';
        k = 2;
      } else if (range && t[1]?.t === 'op' && t[1].v === ',' && t[2]?.t === 'var' && t[3]?.t === 'op' && (t[3].v === ':=' || t[3].v === '=')) {
        decl.push(t[0].v, t[2].v);
        assign = t[3].v === '=';
        k = 4;
      }
    }
    if (assign) for (const d of decl) if (!this.known(d)) throw parseErr(this.src, pos, `undefined variable "${d}"`);
    const body = toks.slice(toks.indexOf(t[k] ?? toks[toks.length]));
    const start = t[k]?.pos ?? pos;
    const cmds = this.commands(t[k] ? body : [], start);
    if (!assign) for (const d of decl) this.declare(d);
    const text = (decl.length ? `${decl.join(', ')} ${assign ? '=' : ':='} ` : '') + cmds.map((c) => c.text).join(' | ');
    return { pos: start, decl, assign, cmds, text };
  }

  private commands(toks: Tok[], pos: number): Cmd[] {
    const cmds: Cmd[] = [];
    let i = 0;
    const t = toks;
    const skip = () => {
      while (t[i]?.t === 'space') i++;
    };
    let args: Arg[] = [];
    let cpos = pos;
    const finish = () => {
      if (!args.length) throw parseErr(this.src, cpos, 'missing value for command');
      cmds.push({ pos: args[0].pos, args, text: args.map((a) => a.text).join(' ') });
      args = [];
    };
    skip();
    if (i >= t.length) throw parseErr(this.src, pos, 'missing value for command');
    while (i < t.length) {
      skip();
      if (i >= t.length) break;
      const tok = t[i];
      if (tok.t === 'op' && tok.v === '|') {
        finish();
        i++;
        cpos = tok.pos;
        continue;
      }
      if (tok.t === 'op' && tok.v === ')') throw parseErr(this.src, tok.pos, 'unexpected right paren');
      if (args.length && t[i - 1]?.t !== 'space' && !(t[i - 1]?.t === 'op')) throw parseErr(this.src, tok.pos, `missing space?`);
      const [arg, next] = this.operand(t, i);
      args.push(arg);
      i = next;
    }
    finish();
    return cmds;
  }

  /** One operand: a term followed by any .Field chain. */
  private operand(t: Tok[], i: number): [Arg, number] {
    const tok = t[i];
    let arg: Arg;
    i++;
    switch (tok.t) {
      case 'field': {
        const names = [tok.v];
        let pos = tok.pos;
        while (t[i]?.t === 'field') {
          if (names.length === 1) pos = t[i].pos;
          names.push((t[i] as { v: string }).v);
          i++;
        }
        return [{ k: 'field', pos, recv: null, names, text: names.map((n) => '.' + n).join('') }, i];
      }
      case 'var': {
        if (!this.known(tok.v)) throw parseErr(this.src, tok.pos, `undefined variable "${tok.v}"`);
        arg = { k: 'var', pos: tok.pos, name: tok.v, names: [], text: tok.v };
        break;
      }
      case 'dot':
        arg = { k: 'dot', pos: tok.pos, text: '.' };
        break;
      case 'string':
        arg = { k: 'lit', pos: tok.pos, v: tok.v, text: tok.raw };
        break;
      case 'number':
        arg = { k: 'lit', pos: tok.pos, v: tok.v, text: tok.raw };
        break;
      case 'bool':
        arg = { k: 'lit', pos: tok.pos, v: tok.v, text: String(tok.v) };
        break;
      case 'nil':
        arg = { k: 'nil', pos: tok.pos, text: 'nil' };
        break;
      case 'ident':
        if (!BUILTINS.has(tok.v) && !this.funcs.has(tok.v)) throw parseErr(this.src, tok.pos, `function "${tok.v}" not defined`);
        arg = { k: 'func', pos: tok.pos, name: tok.v, text: tok.v };
        break;
      case 'op': {
        if (tok.v !== '(') throw parseErr(this.src, tok.pos, `unexpected "${tok.v}" in operand`);
        let depth = 1;
        let j = i;
        for (; j < t.length; j++) {
          const x = t[j];
          if (x.t === 'op' && x.v === '(') depth++;
          if (x.t === 'op' && x.v === ')' && --depth === 0) break;
        }
        if (j >= t.length) throw parseErr(this.src, tok.pos, 'unclosed left paren');
        const inner = t.slice(i, j);
        const pipe = this.pipeline(inner, tok.pos, true);
        arg = { k: 'pipe', pos: tok.pos, pipe, names: [], text: `(${pipe.text})` };
        i = j + 1;
        break;
      }
      default:
        throw parseErr(this.src, tok.pos, 'unexpected token');
    }
    // A chain: $x.A.B or (pipe).A
    if (t[i]?.t === 'field') {
      if (arg.k !== 'var' && arg.k !== 'pipe' && arg.k !== 'dot') throw parseErr(this.src, t[i].pos, `unexpected . after term ${JSON.stringify(arg.text)}`);
      const names: string[] = [];
      const pos = t[i].pos;
      while (t[i]?.t === 'field') names.push((t[i++] as { v: string }).v);
      if (arg.k === 'dot') return [{ k: 'field', pos, recv: null, names, text: names.map((n) => '.' + n).join('') }, i];
      arg = { ...arg, pos: arg.k === 'var' ? arg.pos : pos, names, text: arg.text + names.map((n) => '.' + n).join('') };
    }
    return [arg, i];
  }
}

// ---------------------------------------------------------------- printing

/** Go's type name of a value, for error messages. */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object' && goType in v) return String((v as Record<symbol, unknown>)[goType]);
  return 'map[string]interface {}';
}

/** fmt's %v: maps as map[k:v] (sorted), slices as [a b], nil as <nil>. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return '<func>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => typeof o[k] !== 'function');
  if (goType in o) return `{${keys.map((k) => goString(o[k])).join(' ')}}`;
  return `map[${keys
    .sort()
    .map((k) => `${k}:${goString(o[k])}`)
    .join(' ')}]`;
}

function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** Go's fmt.Sprintf for the verbs templates use: v s d q x X o b c e f g t T and %%, with flags, width and precision. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let n = 0;
  const re = /%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags, w, p, verb] = m;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const width = w === '*' ? Number(args[n++]) : w ? Number(w) : undefined;
    const prec = p === '*' ? Number(args[n++]) : p !== undefined ? Number(p || 0) : undefined;
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const a = args[n++];
    const bad = () => `%!${verb}(${goTypeName(a)}=${goString(a)})`;
    let s: string;
    const num = typeof a === 'number';
    switch (verb) {
      case 'v':
        s = flags.includes('#') && typeof a === 'string' ? goQuote(a) : goString(a);
        break;
      case 's':
        s = typeof a === 'string' ? a : Array.isArray(a) || (a && typeof a === 'object') ? goString(a) : bad();
        if (prec !== undefined && typeof a === 'string') s = [...s].slice(0, prec).join('');
        break;
      case 'q':
        s = typeof a === 'string' ? goQuote(a) : num && Number.isInteger(a) ? `'${String.fromCodePoint(a)}'` : bad();
        break;
      case 'd':
        s = num && Number.isInteger(a) ? String(a) : bad();
        if (num && flags.includes('+') && a >= 0) s = '+' + s;
        break;
      case 'x':
      case 'X':
      case 'o':
      case 'b': {
        const base = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
        if (num && Number.isInteger(a)) s = (a < 0 ? '-' : '') + Math.abs(a).toString(base);
        else if (typeof a === 'string' && base === 16) s = Buffer.from(a).toString('hex');
        else s = bad();
        if (verb === 'X') s = s.toUpperCase();
        break;
      }
      case 'c':
        s = num ? String.fromCodePoint(a) : bad();
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'g':
        if (!num) s = bad();
        else if (verb === 'e') s = a.toExponential(prec ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        else if (verb === 'g') s = prec === undefined ? String(a) : String(Number(a.toPrecision(prec)));
        else s = a.toFixed(prec ?? 6);
        if (num && flags.includes('+') && a >= 0) s = '+' + s;
        break;
      case 't':
        s = typeof a === 'boolean' ? String(a) : bad();
        break;
      case 'T':
        s = goTypeName(a);
        break;
      default:
        s = `%!${verb}(${goTypeName(a)}=${goString(a)})`;
    }
    if (width !== undefined && [...s].length < width) {
      const pad = width - [...s].length;
      if (flags.includes('-')) s = s + ' '.repeat(pad);
      else if (flags.includes('0') && num && 'dfFxXobeg'.includes(verb)) s = (s.startsWith('-') ? '-' : '') + '0'.repeat(pad) + s.replace(/^-/, '');
      else s = ' '.repeat(pad) + s;
    }
    out += s;
  }
  out += format.slice(last);
  if (n < args.length)
    out += `%!(EXTRA ${args
      .slice(n)
      .map((a) => `${goTypeName(a)}=${goString(a)}`)
      .join(', ')})`;
  return out;
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

// ---------------------------------------------------------------- functions

class ExecFail extends Error {}

function truth(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function wantString(v: unknown): string {
  if (typeof v !== 'string') throw new ExecFail(`wrong type for value; expected string; got ${typeof v === 'number' ? 'json.Number' : goTypeName(v)}`);
  return v;
}
function wantInt(v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ExecFail(`wrong type for value; expected int; got ${goTypeName(v)}`);
  return v;
}

function basicKind(v: unknown): string {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'nil';
  return 'complex';
}

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (!bs.length) throw new ExecFail('missing argument for comparison');
  for (const b of bs) {
    const ka = basicKind(a);
    const kb = basicKind(b);
    if (ka === 'complex' || kb === 'complex') throw new ExecFail('error calling eq: non-comparable type');
    if (ka === 'nil' || kb === 'nil') {
      if (ka === kb) return true;
      continue;
    }
    if (ka !== kb) throw new ExecFail('error calling eq: incompatible types for comparison');
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basicKind(a);
  if (ka !== basicKind(b)) throw new ExecFail('error calling lt: incompatible types for comparison');
  if (ka !== 'number' && ka !== 'string') throw new ExecFail('error calling lt: invalid type for comparison');
  return (a as number) < (b as number);
}

/** Go's strings.Title: the first letter of each word upper-cased. */
function title(s: string): string {
  return s.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/** Go's json.Marshal with SetEscapeHTML(false), as docker's json function. */
function goJson(v: unknown): string {
  return JSON.stringify(v === undefined ? null : v, (_k, x: unknown) => (typeof x === 'function' ? undefined : x)) ?? 'null';
}

const DOCKER_FUNCS: Funcs = {
  json: (v) => goJson(v),
  split: (s, sep) => {
    const str = wantString(s);
    const d = wantString(sep);
    return d === '' ? [...str] : str.split(d);
  },
  join: (list, sep) => {
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new ExecFail(`wrong type for value; expected []string; got ${goTypeName(list)}`);
    return list.join(wantString(sep));
  },
  title: (s) => title(wantString(s)),
  lower: (s) => wantString(s).toLowerCase(),
  upper: (s) => wantString(s).toUpperCase(),
  pad: (s, pre, post) => (wantString(s) === '' ? '' : ' '.repeat(wantInt(pre)) + (s as string) + ' '.repeat(wantInt(post))),
  truncate: (s, n) => {
    const str = wantString(s);
    const len = wantInt(n);
    const bytes = Buffer.from(str);
    return bytes.length < len ? str : bytes.subarray(0, len).toString();
  },
};

/** Parameter types of docker's functions, checked per argument as Go's reflection does. */
const SIGNATURES: Record<string, ('string' | 'int' | 'any')[]> = {
  split: ['string', 'string'],
  join: ['any', 'string'],
  title: ['string'],
  lower: ['string'],
  upper: ['string'],
  pad: ['string', 'int', 'int'],
  truncate: ['string', 'int'],
};

/** docker's HeaderFunctions: in a table header every function returns its first argument. */
export const HEADER_FUNCS: Funcs = Object.fromEntries(Object.keys(DOCKER_FUNCS).map((k) => [k, (v: unknown) => v]));

function builtin(name: string, args: unknown[]): unknown {
  switch (name) {
    case 'not':
      if (args.length !== 1) throw new ExecFail(`wrong number of args for not: want 1 got ${args.length}`);
      return !truth(args[0]);
    case 'len': {
      const v = args[0];
      if (typeof v === 'string') return Buffer.byteLength(v);
      if (Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw new ExecFail(`error calling len: len of ${v === null || v === undefined ? 'nil pointer' : `type ${goTypeName(v)}`}`);
    }
    case 'index': {
      let v = args[0];
      if (v === null || v === undefined) throw new ExecFail('error calling index: index of untyped nil');
      for (const k of args.slice(1)) {
        if (Array.isArray(v) || typeof v === 'string') {
          const i = wantInt(k);
          if (i < 0 || i >= v.length) throw new ExecFail(`error calling index: index out of range: ${i}`);
          v = typeof v === 'string' ? Buffer.from(v)[i] : v[i];
        } else if (v && typeof v === 'object') {
          const o = v as Record<string, unknown>;
          v = Object.prototype.hasOwnProperty.call(o, String(k)) ? o[String(k)] : undefined;
        } else throw new ExecFail(`error calling index: can't index item of type ${goTypeName(v)}`);
      }
      return v;
    }
    case 'slice': {
      const v = args[0];
      if (!Array.isArray(v) && typeof v !== 'string') throw new ExecFail(`error calling slice: can't slice item of type ${goTypeName(v)}`);
      const [i = 0, j = v.length] = args.slice(1).map(wantInt);
      if (i < 0 || j > v.length || i > j) throw new ExecFail(`error calling slice: index out of range: ${j}`);
      return v.slice(i, j);
    }
    case 'print':
      return sprint(args);
    case 'println':
      return args.map(goString).join(' ') + '\n';
    case 'printf':
      return sprintf(wantString(args[0]), args.slice(1));
    case 'eq':
      return eq(args[0], ...args.slice(1));
    case 'ne':
      return !eq(args[0], args[1]);
    case 'lt':
      return lt(args[0], args[1]);
    case 'le':
      return lt(args[0], args[1]) || eq(args[0], args[1]);
    case 'gt':
      return !(lt(args[0], args[1]) || eq(args[0], args[1]));
    case 'ge':
      return !lt(args[0], args[1]);
    case 'html':
      return sprint(args).replace(/[&<>"'\0]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;', '\0': '\uFFFD' })[c]!);
    case 'js':
      return sprint(args).replace(
        /[\\'"<>&=\n\r\t]/g,
        (c) =>
          ({ '\\': '\\\\', "'": "\\'", '"': '\\"', '<': '\\u003C', '>': '\\u003E', '&': '\\u0026', '=': '\\u003D', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!,
      );
    case 'urlquery':
      return encodeURIComponent(sprint(args)).replace(/%20/g, '+');
    case 'call': {
      const f = args[0];
      if (typeof f !== 'function') throw new ExecFail(`error calling call: non-function of type ${goTypeName(f)}`);
      return (f as Method)(...args.slice(1));
    }
  }
  throw new ExecFail(`function "${name}" not defined`);
}

// ---------------------------------------------------------------- execution

export interface ExecOptions {
  /** 'error' as the CLI's inspect fallback (missingkey=error); 'default' prints <no value>. */
  missingKey?: 'error' | 'default';
  /** On an execution error, return what was written before it (docker's table headers). */
  partial?: boolean;
  /** Replace functions (docker's header functions for table headers). */
  funcs?: Funcs;
}

/** {{break}} and {{continue}} unwind to their range as these. */
class Jump extends Error {}
const BREAK = new Jump('break');
const CONTINUE = new Jump('continue');

class Exec {
  out = '';
  private vars: [string, unknown][] = [];
  constructor(
    private src: string,
    private defs: Map<string, Node[]>,
    private funcs: Funcs,
    private missingKey: 'error' | 'default',
  ) {}

  private fail(pos: number, node: string, msg: string): TemplateError {
    const before = this.src.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl < 0 ? pos : pos - nl - 1;
    return new TemplateError(`template: :${line}:${col}: executing "" at <${node}>: ${msg}`, 'exec');
  }

  run(list: Node[], dot: unknown): void {
    for (const n of list) {
      switch (n.k) {
        case 'text':
          this.out += n.s;
          break;
        case 'action': {
          const v = this.pipe(n.pipe, dot);
          if (!n.pipe.decl.length) this.out += v === undefined ? '<no value>' : goString(v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.pipe(n.pipe, dot);
          if (truth(v)) this.run(n.list, n.k === 'with' ? v : dot);
          else if (n.else) this.run(n.else, dot);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.range(n, dot);
          break;
        case 'break':
          throw BREAK;
        case 'continue':
          throw CONTINUE;
        case 'template': {
          const body = this.defs.get(n.name);
          if (!body) throw this.fail(n.pos, `{{template ${JSON.stringify(n.name)}}}`, `template ${JSON.stringify(n.name)} not defined`);
          const v = n.pipe ? this.pipe(n.pipe, dot) : undefined;
          const saved = this.vars;
          this.vars = [['$', v]];
          this.run(body, v);
          this.vars = saved;
          break;
        }
      }
    }
  }

  private range(n: Extract<Node, { k: 'range' }>, dot: unknown): void {
    const mark = this.vars.length;
    const decl = n.pipe.decl;
    const v = this.pipe({ ...n.pipe, decl: [] }, dot);
    let items: [unknown, unknown][];
    if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
    else if (v && typeof v === 'object' && !(goType in v))
      items = Object.keys(v)
        .sort()
        .map((k) => [k, (v as Record<string, unknown>)[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) items = Array.from({ length: Math.max(0, v) }, (_, i) => [i, i]);
    else if (v === null || v === undefined) items = [];
    else throw this.fail(n.pipe.pos, n.pipe.text, `range can't iterate over ${goString(v)}`);
    if (!items.length) {
      if (n.else) this.run(n.else, dot);
      this.vars.length = mark;
      return;
    }
    for (const [k, x] of items) {
      this.vars.length = mark;
      if (decl.length === 1) this.setVar(decl[0], x, n.pipe.assign);
      if (decl.length === 2) {
        this.setVar(decl[0], k, n.pipe.assign);
        this.setVar(decl[1], x, n.pipe.assign);
      }
      try {
        this.run(n.list, x);
      } catch (e) {
        if (e === BREAK) break;
        if (e !== CONTINUE) throw e;
      }
    }
    this.vars.length = mark;
  }

  private setVar(name: string, v: unknown, assign: boolean): void {
    if (assign) {
      for (let i = this.vars.length - 1; i >= 0; i--)
        if (this.vars[i][0] === name) {
          this.vars[i][1] = v;
          return;
        }
    }
    this.vars.push([name, v]);
  }

  private getVar(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i][0] === name) return this.vars[i][1];
    return undefined;
  }

  root(v: unknown): void {
    this.vars = [['$', v]];
  }

  pipe(p: Pipe, dot: unknown): unknown {
    let v: unknown = undefined;
    let first = true;
    for (const c of p.cmds) {
      v = this.command(c, dot, first ? [] : [v]);
      first = false;
    }
    for (const d of p.decl) this.setVar(d, v, p.assign);
    return v;
  }

  private command(c: Cmd, dot: unknown, piped: unknown[]): unknown {
    const [head, ...rest] = c.args;
    if (head.k === 'func') {
      const args = () => [...rest.map((a) => this.arg(a, dot)), ...piped];
      try {
        if (head.name === 'and' || head.name === 'or') {
          const all: Arg[] = [...rest, ...piped.map((v): Arg => ({ k: 'lit', pos: c.pos, v, text: '' }))];
          if (!all.length) throw new ExecFail(`wrong number of args for ${head.name}: want at least 1 got 0`);
          let v: unknown;
          for (const a of all) {
            v = this.arg(a, dot);
            if (head.name === 'and' ? !truth(v) : truth(v)) return v;
          }
          return v;
        }
        const f = this.funcs[head.name];
        if (!f) return builtin(head.name, args());
        const values = args();
        // Go checks each argument against the function's parameter types, and reports the argument.
        const sig = SIGNATURES[head.name];
        if (sig && f === DOCKER_FUNCS[head.name])
          values.forEach((v, i) => {
            const want = sig[i];
            const ok = want === 'string' ? typeof v === 'string' : want === 'int' ? typeof v === 'number' && Number.isInteger(v) : true;
            if (!ok) {
              const node = rest[i] ?? head;
              throw this.fail(node.pos, node.text, `wrong type for value; expected ${want}; got ${typeof v === 'number' ? 'json.Number' : goTypeName(v)}`);
            }
          });
        return f(...values);
      } catch (e) {
        if (e instanceof ExecFail)
          throw this.fail(
            c.pos,
            c.text,
            e.message.startsWith('error calling') || e.message.startsWith('wrong') ? e.message : `error calling ${head.name}: ${e.message}`,
          );
        throw e;
      }
    }
    if (head.k === 'nil') throw this.fail(c.pos, c.text, 'nil is not a command');
    if (head.k === 'field' || ((head.k === 'var' || head.k === 'pipe') && head.names.length)) {
      const args = [...rest.map((a) => this.arg(a, dot)), ...piped];
      return this.chain(head, dot, args);
    }
    if (rest.length || piped.length) throw this.fail(c.pos, c.text, `can't give argument to non-function ${head.text}`);
    return this.arg(head, dot);
  }

  private arg(a: Arg, dot: unknown): unknown {
    switch (a.k) {
      case 'lit':
        return a.v;
      case 'nil':
        return null;
      case 'dot':
        return dot;
      case 'func':
        return this.command({ pos: a.pos, args: [a], text: a.text }, dot, []);
      case 'field':
      case 'var':
      case 'pipe':
        return this.chain(a, dot, []);
    }
  }

  /** .A.B, $x.A.B, (pipe).A.B; the last name may be a method given args. */
  private chain(a: Extract<Arg, { k: 'field' | 'var' | 'pipe' }>, dot: unknown, args: unknown[]): unknown {
    let v: unknown = a.k === 'field' ? dot : a.k === 'var' ? this.getVar(a.name) : this.pipe(a.pipe, dot);
    a.names.forEach((name, i) => {
      const last = i === a.names.length - 1;
      v = this.field(v, name, last ? args : [], a);
    });
    return v;
  }

  private field(v: unknown, name: string, args: unknown[], a: Arg): unknown {
    if (v === null || v === undefined) {
      if (this.missingKey === 'error' && v === undefined) throw this.fail(a.pos, a.text, `nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v))
      throw this.fail(a.pos, a.text, `can't evaluate field ${name} in type ${typeof v === 'number' ? 'interface {}' : goTypeName(v)}`);
    const o = v as Record<string | symbol, unknown>;
    const has = Object.prototype.hasOwnProperty.call(o, name);
    const x = has ? o[name] : undefined;
    if (typeof x === 'function') {
      try {
        return (x as Method)(...args);
      } catch (e) {
        if (e instanceof ExecFail) throw this.fail(a.pos, a.text, `error calling ${name}: ${e.message}`);
        throw e;
      }
    }
    if (args.length) throw this.fail(a.pos, a.text, `${name} is not a method but has arguments`);
    if (!has) {
      if (goType in o) throw this.fail(a.pos, a.text, `can't evaluate field ${name} in type ${String(o[goType])}`);
      if (this.missingKey === 'error') throw this.fail(a.pos, a.text, `map has no entry for key "${name}"`);
      return undefined;
    }
    // A nil map value reads as no value, as Go's field lookup on map[string]interface{}.
    return x === null ? undefined : x;
  }
}

export interface Template {
  execute(data: unknown, opts?: ExecOptions): string;
}

/** A template of text and plain {{.Field}} actions only, as its parts; undefined for anything else. */
type PlainPart = { text: string; field?: undefined } | { text?: undefined; field: string };

function plainFields(tree: Node[]): PlainPart[] | undefined {
  const parts: PlainPart[] = [];
  for (const n of tree) {
    if (n.k === 'text') parts.push({ text: n.s });
    else if (n.k === 'action' && !n.pipe.decl.length && n.pipe.cmds.length === 1 && n.pipe.cmds[0].args.length === 1) {
      const a = n.pipe.cmds[0].args[0];
      if (a.k !== 'field' || a.recv !== null || a.names.length !== 1) return undefined;
      parts.push({ field: a.names[0] });
    } else return undefined;
  }
  return parts;
}

/** A list row through text and {{.Field}} only (ps's table): when every field is a string of its own, Go prints it as it is. */
function runPlain(parts: PlainPart[], data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const row = data as Record<string, unknown>;
  let out = '';
  for (const part of parts) {
    if (part.field === undefined) {
      out += part.text;
      continue;
    }
    const v = row[part.field];
    if (typeof v !== 'string' || !Object.hasOwn(row, part.field)) return undefined;
    out += v;
  }
  return out;
}

/** Parse a Go template; throws TemplateError (phase 'parse') with Go's message. */
export function parseTemplate(src: string, extraFuncs: Funcs = {}): Template {
  const funcs = { ...DOCKER_FUNCS, ...extraFuncs };
  const p = new Parser(src, new Set(Object.keys(funcs)));
  const tree = p.parse();
  const plain = plainFields(tree);
  return {
    execute(data, opts = {}) {
      const fast = plain && runPlain(plain, data);
      if (fast !== undefined) return fast;
      const ex = new Exec(src, p.defs, { ...funcs, ...opts.funcs }, opts.missingKey ?? 'default');
      ex.root(data);
      try {
        ex.run(tree, data);
      } catch (e) {
        if (e === BREAK || e === CONTINUE || (opts.partial && e instanceof TemplateError)) return ex.out;
        throw e;
      }
      return ex.out;
    },
  };
}

/** Parse and run in one step. */
export function renderGoTemplate(src: string, data: unknown, opts?: ExecOptions): string {
  return parseTemplate(src).execute(data, opts);
}
