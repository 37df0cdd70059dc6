// .dockerignore, with Docker's rules (moby's patternmatcher):
//   - one pattern a line; lines starting with # are comments; blank lines skipped;
//   - patterns are cleaned like paths, and a leading / is dropped (all are
//     relative to the context root);
//   - `*` and `?` stop at /, `**` spans any number of directories;
//   - `!pattern` re-includes; the last matching pattern wins;
//   - a pattern that matches a directory excludes everything under it.
//
// Hand-written rather than an npm package: the one port (@balena/dockerignore)
// follows Docker 19.03's matcher, ignores case unless told otherwise, and has
// not changed since 2020; this is 60 lines and shares glob.ts with COPY.
import { posix } from 'node:path';
import { patternToRegExp } from './glob.js';
import { InvalidArgument } from '../../errors.js';

interface Rule {
  exclusion: boolean;
  re: RegExp;
  text: string;
}

/** Go's filepath.Clean, for /-separated paths. */
function clean(p: string): string {
  if (p === '') return '.';
  const c = posix.normalize(p);
  return c.length > 1 ? c.replace(/\/+$/, '') : c;
}

/** The patterns of a .dockerignore file, normalised as Docker reads them. */
export function readDockerignore(text: string): string[] {
  const out: string[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((line) => {
      if (line.startsWith('#')) return;
      let p = line.trim();
      if (!p) return;
      const invert = p.startsWith('!');
      if (invert) p = p.slice(1).trim();
      if (p) {
        p = clean(p);
        if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
      }
      out.push(invert ? '!' + p : p);
    });
  return out;
}

export class IgnoreMatcher {
  private rules: Rule[] = [];
  /** True when some `!` pattern may re-include files under an excluded directory. */
  readonly hasExclusions: boolean;

  constructor(patterns: string[]) {
    for (let p of patterns) {
      p = p.trim();
      if (!p) continue;
      let exclusion = false;
      if (p.startsWith('!')) {
        if (p.length === 1) throw new InvalidArgument('.dockerignore: illegal exclusion pattern "!"');
        exclusion = true;
        p = p.slice(1);
      }
      p = clean(p);
      let re: RegExp;
      try {
        re = patternToRegExp(p, { doubleStar: true });
      } catch (e) {
        throw new InvalidArgument(`.dockerignore: ${(e as Error).message}`);
      }
      this.rules.push({ exclusion, re, text: p });
    }
    this.hasExclusions = this.rules.some((r) => r.exclusion);
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** Is this context-relative path (/-separated, no leading /) excluded? */
  excludes(path: string): boolean {
    const parts = path.split('/');
    let matched = false;
    for (const r of this.rules) {
      // An exclusion only matters once matched; an inclusion only before.
      if (r.exclusion !== matched) continue;
      let m = r.re.test(path);
      for (let i = 1; !m && i < parts.length; i++) m = r.re.test(parts.slice(0, i).join('/'));
      if (m) matched = !r.exclusion;
    }
    return matched;
  }
}
