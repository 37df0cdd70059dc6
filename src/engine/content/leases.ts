// Leases: what a running operation (a pull, a load, a push, a build, a
// commit, a container create) is about to use or has just made but not yet
// attached to an image or container, so that garbage collection in another
// process (rm, rmi, prune) leaves it alone. A lease is a file named after its
// process (scratch name), so a crashed holder's lease is recognised and
// dropped.
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import { listNames, readJsonOr, writeJson } from '../../store/json.js';
import { scratchName, isAbandoned } from '../../store/scratch.js';
import { arr, obj, str } from '../../util/schema.js';

interface LeaseFile {
  layers: string[];
  blobs: string[];
}
const leaseFile = obj({ layers: arr(str), blobs: arr(str) });

function dir(store: Store): string {
  return join(store.paths.root, 'leases');
}

export class Lease {
  private layers = new Set<string>();
  private blobs = new Set<string>();
  private readonly path: string;

  constructor(private readonly store: Store) {
    this.path = join(dir(store), `${scratchName()}.json`);
  }

  /** Record more holdings; written before the caller relies on them. */
  async hold(o: { layers?: Iterable<string>; blobs?: Iterable<string> }): Promise<void> {
    let changed = false;
    for (const k of o.layers ?? []) if (!this.layers.has(k)) changed = !!this.layers.add(k);
    for (const d of o.blobs ?? []) if (!this.blobs.has(d)) changed = !!this.blobs.add(d);
    if (!changed) return;
    await mkdir(dir(this.store), { recursive: true });
    // No fsync: a lease lives only while its command runs (a SIGKILL keeps the page cache).
    await writeJson(this.path, { layers: [...this.layers], blobs: [...this.blobs] } satisfies LeaseFile, { durable: false });
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => {});
  }
}

export async function withLease<T>(store: Store, fn: (lease: Lease) => Promise<T>): Promise<T> {
  const lease = new Lease(store);
  try {
    return await fn(lease);
  } finally {
    await lease.release();
  }
}

/** Everything live leases hold; leases of dead processes are removed on the way. */
export async function leased(store: Store): Promise<{ layers: Set<string>; blobs: Set<string> }> {
  const out = { layers: new Set<string>(), blobs: new Set<string>() };
  for (const n of listNames(dir(store))) {
    const p = join(dir(store), n);
    if (isAbandoned(n)) {
      await unlink(p).catch(() => {});
      continue;
    }
    if (!n.endsWith('.json')) continue;
    const l = await readJsonOr(p, leaseFile, { layers: [], blobs: [] }).catch(() => ({ layers: [], blobs: [] }));
    for (const k of l.layers ?? []) out.layers.add(k);
    for (const d of l.blobs ?? []) out.blobs.add(d);
  }
  return out;
}
