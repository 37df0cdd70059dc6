// Image references, normalised as Docker does:
//   busybox            -> docker.io/library/busybox:latest
//   me/app:1           -> docker.io/me/app:1
//   localhost:5000/a   -> localhost:5000/a:latest
//   repo@sha256:<hex>  -> pinned by digest
import { InvalidArgument } from '../errors.js';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host[:port], e.g. docker.io or localhost:5000. */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;

export function parseReference(input: string, opts: { defaultTag?: boolean } = { defaultTag: true }): Reference {
  const bad = (why: string) => new InvalidArgument(`invalid reference format '${input}': ${why}`);
  if (!input || input.length > 4096) throw bad('empty or too long');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must be sha256:<64 hex digits>');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`'${tag}' is not a valid tag`);
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      path = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(domain)) throw bad(`'${domain}' is not a valid registry host`);
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = `library/${path}`;
  if (!path) throw bad('the repository name is empty');
  for (const c of path.split('/')) {
    if (!COMPONENT.test(c)) throw bad(c !== c.toLowerCase() ? 'repository names must be lowercase' : `'${c}' is not a valid name component`);
  }
  if (path.length > 255) throw bad('the repository name is longer than 255 characters');
  if (!tag && !digest && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { domain, path, tag, digest };
}

/** docker.io/library/busybox */
export function repository(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** docker.io/library/busybox:latest (or @sha256:...) — the form refs.json keys use. */
export function formatReference(r: Reference): string {
  return repository(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** busybox, me/app, localhost:5000/app — as `docker images` shows repositories. */
export function familiarRepository(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repository(r);
  return r.path.startsWith('library/') ? r.path.slice(8) : r.path;
}

export function familiar(r: Reference): string {
  return familiarRepository(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** Normalise a user's reference string to the refs.json key. */
export function normalize(input: string): string {
  return formatReference(parseReference(input));
}
