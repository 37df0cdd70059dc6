// search: find repositories in a registry by name, through its catalog
// (/v2/_catalog, every page) and each match's tag list. This replaces the
// "index" search protocol the original never had; Docker Hub offers no
// catalog, so a registry must be named: `search localhost:5000/web`.
import { InvalidArgument, NotFound } from '../../errors.js';
import { Registry } from '../../registry/client.js';
import { DOCKER_HUB } from '../../registry/settings.js';

export interface SearchResult {
  /** Pullable name: registry/repository. */
  name: string;
  tags: string[];
}

/** "host:port/term" -> registry and term; a bare term names Docker Hub. */
export function splitSearchTerm(term: string): { domain: string; query: string } {
  const slash = term.indexOf('/');
  if (slash > 0) {
    const first = term.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') return { domain: first, query: term.slice(slash + 1) };
  }
  if (/^[a-z0-9.-]+(:\d+)$|^localhost$/.test(term)) return { domain: term, query: '' };
  return { domain: DOCKER_HUB, query: term };
}

export async function search(term: string, o: { limit: number }): Promise<SearchResult[]> {
  const { domain, query } = splitSearchTerm(term);
  if (domain === DOCKER_HUB) {
    throw new InvalidArgument(`Docker Hub offers no catalog to search; name a registry: dockerlite search HOST[:PORT]/${term}`);
  }
  if (!Number.isInteger(o.limit) || o.limit < 1 || o.limit > 100_000) throw new InvalidArgument(`invalid limit ${o.limit}: give a number from 1 up`);
  const reg = await Registry.connect(domain);
  const q = query.toLowerCase();
  const names: string[] = [];
  let next: string | undefined;
  try {
    for (let page = 0; page < 10_000; page++) {
      const res = await reg.catalogPage(next);
      names.push(...res.repositories.filter((r) => r.toLowerCase().includes(q)));
      if (!res.next || names.length >= o.limit) break;
      next = res.next;
    }
  } catch (e) {
    if (e instanceof NotFound || e instanceof InvalidArgument) {
      throw new InvalidArgument(`${domain} does not offer a catalog (/v2/_catalog), so it cannot be searched: ${e.message}`);
    }
    throw e;
  }
  const out: SearchResult[] = [];
  for (const n of names.slice(0, o.limit)) {
    const tags = await reg.tags(n).catch(() => [] as string[]);
    out.push({ name: `${domain}/${n}`, tags: tags.sort() });
  }
  return out;
}
