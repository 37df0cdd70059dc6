// container prune: remove every stopped container (that `keep` does not
// spare); what was removed and the bytes it held.
import type { Store } from '../../store/store.js';
import { isRunning, listContainers, type ContainerView } from '../../store/containers.js';
import { Conflict } from '../../errors.js';
import { removeContainer } from './remove.js';
import { containerSize } from '../system/df.js';

export async function pruneContainers(store: Store, o: { filter?: (c: ContainerView) => boolean } = {}): Promise<{ containers: string[]; reclaimed: number }> {
  const r = { containers: [] as string[], reclaimed: 0 };
  for (const c of await listContainers(store)) {
    if (isRunning(c.state) || (o.filter && !o.filter(c))) continue;
    const size = await containerSize(store, c);
    try {
      await removeContainer(store, c.id, { force: false });
    } catch (e) {
      if (e instanceof Conflict) continue; // started meanwhile
      throw e;
    }
    r.containers.push(c.id);
    r.reclaimed += size;
  }
  return r;
}
