// Patterns as Docker reads them. COPY sources use Go's filepath.Match
// (`*` and `?` stop at `/`, `[a-z]` classes with `^` to negate, `\` escapes);
// .dockerignore adds `**` for any number of directories.
import { InvalidArgument } from '../../errors.js';

/** Does the path hold wildcard characters (so it is matched, not looked up)? */
export function hasMeta(p: string): boolean {
  return /[*?[\\]/.test(p);
}

const REGEX_SPECIAL = /[.+()|{}$^]/;

/**
 * A regular expression (anchored) for a pattern. With doubleStar, `**` spans
 * any number of path components, as in .dockerignore.
 */
export function patternToRegExp(pattern: string, o: { doubleStar?: boolean } = {}): RegExp {
  let re = '^';
  let i = 0;
  const bad = (why: string) => new InvalidArgument(`syntax error in pattern '${pattern}': ${why}`);
  while (i < pattern.length) {
    const ch = pattern[i++];
    if (ch === '*') {
      if (o.doubleStar && pattern[i] === '*') {
        i++;
        if (pattern[i] === '/') i++;
        re += i >= pattern.length ? '.*' : '(?:.*/)?';
      } else re += '[^/]*';
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      if (i < pattern.length) re += '\\' + pattern[i++];
      else re += '\\\\';
    } else if (ch === '[') {
      // A character class: [abc], [a-z], [^a-z]; `\` escapes inside it too.
      let cls = '[';
      if (pattern[i] === '^') {
        cls += '^';
        i++;
      }
      let n = 0;
      for (;;) {
        if (i >= pattern.length) throw bad('unterminated character class');
        const c = pattern[i++];
        if (c === ']' && n > 0) break;
        if (c === '\\') {
          if (i >= pattern.length) throw bad('trailing escape in character class');
          cls += '\\' + pattern[i++];
        } else if (c === '/') {
          throw bad('a character class cannot match /');
        } else cls += c === '[' || c === ']' ? '\\' + c : c;
        n++;
      }
      re += cls + ']';
    } else if (REGEX_SPECIAL.test(ch) || ch === ']') {
      re += '\\' + ch;
    } else re += ch;
  }
  try {
    return new RegExp(re + '$', 's');
  } catch {
    throw bad('not a valid pattern');
  }
}

/** Go's filepath.Match for one whole path (no `**`). */
export function matchPath(pattern: string, path: string): boolean {
  return patternToRegExp(pattern).test(path);
}
