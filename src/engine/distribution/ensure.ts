// run/create with an image that is not here: pull it first, as Docker does
// with --pull missing. One deliberate difference: without --pull, only a
// reference that names its registry (localhost:5000/app, reg.example/x) is
// pulled implicitly; dockerlite never contacts Docker Hub on its own.
import type { Store } from '../../store/store.js';
import { InvalidArgument, NotFound } from '../../errors.js';
// Not registry/settings.ts's DOCKER_HUB: that module loads node:tls and node:crypto, which a run of a local image never needs.
import { DEFAULT_DOMAIN as DOCKER_HUB, parseReference } from '../../oci/reference.js';
import { getImage } from '../image/images.js';
import type { Progress } from '../progress.js';

export type PullPolicy = 'always' | 'missing' | 'never';

export function pullPolicy(flag: string | undefined): PullPolicy | undefined {
  if (flag === undefined) return undefined;
  if (flag === 'always' || flag === 'missing' || flag === 'never') return flag;
  throw new InvalidArgument(`invalid --pull value '${flag}': use always, missing or never`);
}

export async function ensureImage(store: Store, ref: string, o: { pull?: PullPolicy; progress: Progress; warn: (line: string) => void }): Promise<void> {
  let named;
  try {
    named = parseReference(ref);
  } catch {
    return; // an id or a bad name: createContainer reports it
  }
  if (/^(sha256:)?[0-9a-f]{12,64}$/.test(ref)) return;
  const policy = o.pull ?? (named.domain === DOCKER_HUB ? 'never' : 'missing');
  // The pull code (HTTP, TLS, zlib) loads only when a pull happens.
  const pullImage = async (r: string, p: { progress: Progress }) => (await import('./pull.js')).pullImage(store, r, p);
  if (policy === 'always') {
    await pullImage(ref, { progress: o.progress });
    return;
  }
  if (policy === 'never') return;
  try {
    await getImage(store, ref);
  } catch (e) {
    if (!(e instanceof NotFound)) throw e;
    o.warn(`Unable to find image '${ref}' locally\n`);
    await pullImage(ref, { progress: o.progress });
  }
}

/** Does this reference name its registry (so an implicit pull may go there)? */
export function namesRegistry(ref: string): boolean {
  try {
    return parseReference(ref).domain !== DOCKER_HUB && !/^(sha256:)?[0-9a-f]{12,64}$/.test(ref);
  } catch {
    return false;
  }
}
