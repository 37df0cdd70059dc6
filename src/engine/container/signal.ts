// Signals to running containers: kill -s, and finding the container's init.
import { constants } from 'node:os';
import type { Store } from '../../store/store.js';
import { Conflict, InvalidArgument } from '../../errors.js';
import { getContainer, isRunning, signalOwner } from '../../store/containers.js';
import { containerEvent } from '../../store/events.js';

/** SIGTERM, TERM, term or 15 -> 'SIGTERM'. */
export function parseSignal(s: string): NodeJS.Signals {
  const sigs = constants.signals as Record<string, number>;
  if (/^\d+$/.test(s)) {
    const name = Object.keys(sigs).find((k) => sigs[k] === Number(s));
    if (name) return name as NodeJS.Signals;
  } else {
    const name = s.toUpperCase().startsWith('SIG') ? s.toUpperCase() : `SIG${s.toUpperCase()}`;
    if (name in sigs) return name as NodeJS.Signals;
  }
  throw new InvalidArgument(`invalid signal: ${s}`);
}

/** Deliver a signal (see signalOwner for where it goes). */
export async function killContainer(store: Store, query: string, signal: string): Promise<void> {
  const sig = parseSignal(signal);
  const c = await getContainer(store, query);
  if (!isRunning(c.state)) throw new Conflict(`cannot kill container ${c.name}: it is not running`);
  if (!signalOwner(c.state, sig)) throw new Conflict(`cannot kill container ${c.name}: it is not running`);
  containerEvent(store.paths.root, 'kill', c, { signal: String((constants.signals as Record<string, number>)[sig]) });
}
