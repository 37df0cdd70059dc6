// Name resolution, as the original's _dl_resolve: the word LAST, then an
// exact id, then a name, then a unique id prefix (dockerd's order). An ambiguous prefix is an
// error that lists what it matched.
import { Ambiguous, NotFound, dockerWording } from '../errors.js';
import { shortId } from './ids.js';

export interface Named {
  id: string;
  /** Names (containers) or normalised references (images) that point at this object. */
  names: string[];
  /** ISO time, for LAST and for "most recent wins". */
  created: string;
}

export function resolve<T extends Named>(kind: string, query: string, items: T[], normaliseName: (q: string) => string | undefined = (q) => q): T {
  if (!query) throw new NotFound(`no ${kind} name or id given`);
  if (query === 'LAST') {
    const last = [...items].sort((a, b) => b.created.localeCompare(a.created))[0];
    if (!last) throw new NotFound(`there is no ${kind} yet, so LAST names nothing`);
    return last;
  }
  const q = query.replace(/^sha256:/, '');
  const exact = items.find((i) => i.id === q);
  if (exact) return exact;
  // As dockerd: a full id, then an exact name, then an id prefix (a name such as `b0` is not a prefix of another's id).
  const name = normaliseName(query);
  if (name !== undefined) {
    const named = items.filter((i) => i.names.includes(name));
    if (named.length) return named.sort((a, b) => b.created.localeCompare(a.created))[0];
  }
  if (/^[0-9a-f]+$/.test(q)) {
    const matches = items.filter((i) => i.id.startsWith(q));
    if (matches.length === 1) return matches[0];
    if (matches.length > 1) {
      const list = matches.map((m) => shortId(m.id) + (m.names[0] ? ` (${m.names[0]})` : '')).join(', ');
      throw new Ambiguous(`${kind} id prefix '${query}' is ambiguous: it matches ${list}`);
    }
  }
  throw dockerWording(new NotFound(`no such ${kind}: ${query}`), `No such ${kind}: ${query}`);
}
