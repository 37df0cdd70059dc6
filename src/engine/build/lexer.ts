// Docker's word processing for Dockerfile arguments: quotes, the escape
// character, and $VAR / ${VAR} substitution with the modifiers of a POSIX
// shell (${VAR:-default}, ${VAR:+alt}, ${VAR:?msg}, ${VAR#prefix}, ...).
// RUN, CMD and ENTRYPOINT are not processed here: their shell does that.
//
// Pure and synchronous: the builder passes the variables in scope, and the
// parser uses the same scanner to split words and find heredoc markers.

export class LexError extends Error {}

export interface LexOptions {
  /** The escape character: backslash, or a backtick with `# escape=\``. */
  escape?: string;
  /** Keep quotes and escapes in the result (used to tell quoted heredoc words apart). */
  raw?: boolean;
  /**
   * Called for a plain reference ($X or ${X}) to a name with no value; may
   * throw. References with a modifier (${X:-d}, ${X:+a}, ...) handle that themselves.
   */
  onUnset?: (name: string) => void;
}

export type Lookup = (name: string) => string | undefined;

const EOF = '';

class Scanner {
  pos = 0;
  constructor(readonly s: string) {}
  peek(): string {
    return this.pos < this.s.length ? this.s[this.pos] : EOF;
  }
  next(): string {
    return this.pos < this.s.length ? this.s[this.pos++] : EOF;
  }
}

/** Words split on unquoted whitespace; quoted or escaped text never splits. */
class Words {
  list: string[] = [];
  private cur = '';
  private started = false;
  char(c: string) {
    if (/\s/.test(c)) {
      if (this.started) this.list.push(this.cur);
      this.cur = '';
      this.started = false;
    } else this.raw(c);
  }
  raw(s: string) {
    this.cur += s;
    this.started = true;
  }
  /** An expansion's value splits on whitespace, as unquoted in a shell. */
  split(s: string) {
    for (const c of s) this.char(c);
  }
  /** Quotes make a word even when empty: "" is an empty argument. */
  mark() {
    this.started = true;
  }
  done(): string[] {
    if (this.started) this.list.push(this.cur);
    return this.list;
  }
}

class Processor {
  private sc: Scanner;
  private esc: string;
  constructor(
    text: string,
    private lookup: Lookup,
    private o: LexOptions,
  ) {
    this.sc = new Scanner(text);
    this.esc = o.escape ?? '\\';
  }

  /** Process until stop (not consumed into the result) or the end. */
  process(stop: string = EOF): { text: string; words: string[] } {
    const words = new Words();
    let text = '';
    for (;;) {
      const ch = this.sc.peek();
      if (ch === EOF) {
        if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
        break;
      }
      if (stop !== EOF && ch === stop) {
        this.sc.next();
        break;
      }
      if (ch === "'") {
        const t = this.singleQuoted();
        text += t;
        words.raw(t);
        words.mark();
      } else if (ch === '"') {
        const t = this.doubleQuoted();
        text += t;
        words.raw(t);
        words.mark();
      } else if (ch === '$') {
        const t = this.dollar();
        text += t;
        words.split(t);
      } else {
        this.sc.next();
        if (ch === this.esc) {
          if (this.o.raw) {
            text += ch;
            words.raw(ch);
          }
          const n = this.sc.next();
          if (n === EOF) break; // a lone escape at the end is dropped
          text += n;
          words.raw(n);
        } else {
          text += ch;
          words.char(ch);
        }
      }
    }
    return { text, words: words.done() };
  }

  private singleQuoted(): string {
    this.sc.next();
    let out = this.o.raw ? "'" : '';
    for (;;) {
      const ch = this.sc.next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") break;
      out += ch;
    }
    return this.o.raw ? out + "'" : out;
  }

  private doubleQuoted(): string {
    this.sc.next();
    let out = this.o.raw ? '"' : '';
    for (;;) {
      const ch = this.sc.peek();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (ch === '"') {
        this.sc.next();
        break;
      }
      if (ch === '$') {
        out += this.dollar();
        continue;
      }
      this.sc.next();
      if (ch === this.esc) {
        const n = this.sc.peek();
        // Only these may be escaped inside double quotes; other escapes stay as written.
        if (n === '"' || n === '$' || n === this.esc) {
          if (this.o.raw) out += ch;
          out += this.sc.next();
          continue;
        }
      }
      out += ch;
    }
    return this.o.raw ? out + '"' : out;
  }

  private name(): string {
    let n = '';
    const first = this.sc.peek();
    if (/[0-9]/.test(first)) {
      while (/[0-9]/.test(this.sc.peek())) n += this.sc.next();
      return n;
    }
    if (first !== EOF && '@*#?-$!'.includes(first)) return this.sc.next();
    while (/[A-Za-z0-9_]/.test(this.sc.peek())) n += this.sc.next();
    return n;
  }

  private value(name: string): string | undefined {
    return this.lookup(name);
  }

  private plain(name: string): string {
    const v = this.value(name);
    if (v === undefined) {
      this.o.onUnset?.(name);
      return '';
    }
    return v;
  }

  /** A nested word (a default, an alternative, a pattern): processed, up to the closing brace. */
  private word(): string {
    return this.process('}').text;
  }

  private dollar(): string {
    this.sc.next(); // $
    if (this.sc.peek() !== '{') {
      const n = this.name();
      if (!n) return '$';
      if (this.o.raw) return '$' + n;
      return this.plain(n);
    }
    this.sc.next(); // {
    const start = this.sc.pos - 2;
    const n = this.name();
    if (!n) throw new LexError(`bad substitution: ${this.sc.s.slice(start)}`);
    const op = this.sc.next();
    if (this.o.raw) {
      // Raw mode only needs the text back, unexpanded.
      const rest = op === '}' ? '' : op + this.word();
      return '${' + n + rest + (op === '}' ? '}' : '}');
    }
    const v = this.value(n);
    switch (op) {
      case '}':
        return this.plain(n);
      case '-': {
        const w = this.word();
        return v === undefined ? w : v;
      }
      case '+': {
        const w = this.word();
        return v === undefined ? '' : w;
      }
      case '?': {
        const w = this.word();
        if (v === undefined) throw new LexError(`${n}: ${w || 'is not allowed to be unset'}`);
        return v;
      }
      case ':': {
        const mod = this.sc.next();
        const w = this.word();
        const empty = v === undefined || v === '';
        if (mod === '-') return empty ? w : v;
        if (mod === '+') return empty ? '' : w;
        if (mod === '?') {
          if (empty) throw new LexError(`${n}: ${w || 'is not allowed to be unset or empty'}`);
          return v;
        }
        throw new LexError(`unsupported modifier (:${mod}) in substitution of ${n}`);
      }
      case '#':
      case '%': {
        const greedy = this.sc.peek() === op;
        if (greedy) this.sc.next();
        const pattern = this.word();
        return trimPattern(v ?? '', pattern, op === '#' ? 'prefix' : 'suffix', greedy);
      }
      case '/': {
        const all = this.sc.peek() === '/';
        if (all) this.sc.next();
        let pattern = '';
        while (this.sc.peek() !== '/' && this.sc.peek() !== '}') {
          if (this.sc.peek() === EOF) throw new LexError(`unexpected end of statement in substitution of ${n}`);
          pattern += this.sc.next();
        }
        const repl = this.sc.next() === '/' ? this.word() : '';
        return replacePattern(v ?? '', pattern, repl, all);
      }
      case EOF:
        throw new LexError(`unexpected end of statement while looking for matching }`);
      default:
        throw new LexError(`unsupported modifier (${op}) in substitution of ${n}`);
    }
  }
}

/** Shell pattern (*, ?) to a regular expression body. */
function shellPattern(p: string): string {
  let out = '';
  for (const c of p) out += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  return out;
}

function trimPattern(v: string, pattern: string, side: 'prefix' | 'suffix', greedy: boolean): string {
  const body = shellPattern(pattern);
  if (side === 'prefix') {
    const m = new RegExp(`^(${greedy ? body : body.replace(/\.\*/g, '.*?')})`, 's').exec(v);
    return m ? v.slice(m[1].length) : v;
  }
  // Shortest suffix: try from the right end; longest: from the left.
  const re = new RegExp(`^(?:${body})$`, 's');
  if (greedy) {
    for (let i = 0; i <= v.length; i++) if (re.test(v.slice(i))) return v.slice(0, i);
  } else {
    for (let i = v.length; i >= 0; i--) if (re.test(v.slice(i))) return v.slice(0, i);
  }
  return v;
}

function replacePattern(v: string, pattern: string, repl: string, all: boolean): string {
  if (!pattern) return v;
  const re = new RegExp(shellPattern(pattern), all ? 'gs' : 's');
  return v.replace(re, () => repl);
}

/** Expand one word: substitutions, quote removal, escapes. */
export function processWord(word: string, lookup: Lookup, o: LexOptions = {}): string {
  return new Processor(word, lookup, o).process().text;
}

/** Expand and split into words on unquoted whitespace (EXPOSE, VOLUME, heredoc markers). */
export function processWords(text: string, lookup: Lookup, o: LexOptions = {}): string[] {
  return new Processor(text, lookup, o).process().words;
}

/** Split into words without expanding anything, keeping quotes (the parser's view of a line). */
export function splitRaw(text: string, escape = '\\'): string[] {
  return new Processor(text, () => undefined, { escape, raw: true }).process().words;
}

/** The names a word refers to with plain $X / ${X} references (for FROM, which may only use global ARGs). */
export function referencedNames(word: string, escape = '\\'): string[] {
  const names: string[] = [];
  new Processor(word, () => undefined, { escape, onUnset: (n) => names.push(n) }).process();
  return names;
}

/**
 * Expand a heredoc body (COPY <<EOF with an unquoted delimiter), as a shell
 * does: $VAR and ${VAR...} are substituted, \$ and \\ are escapes, and quotes
 * are ordinary characters.
 */
export function expandHeredoc(text: string, lookup: Lookup, o: LexOptions = {}): string {
  const esc = o.escape ?? '\\';
  let out = '';
  let chunk = '';
  const flush = () => {
    if (chunk) out += processWord(chunk, lookup, o);
    chunk = '';
  };
  // Split into $-expressions (processed) and literal text (kept as is).
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === esc && (text[i + 1] === '$' || text[i + 1] === esc)) {
      out += text[++i];
    } else if (c === '$') {
      let j = i + 1;
      if (text[j] === '{') {
        let depth = 0;
        for (; j < text.length; j++) {
          if (text[j] === '{') depth++;
          else if (text[j] === '}' && --depth === 0) break;
        }
        j++;
      } else while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      chunk = text.slice(i, j);
      flush();
      i = j - 1;
    } else out += c;
  }
  return out;
}
