// Where other subsystems join a container's life: networking, volumes and
// the per-container monitor call in here rather than into each other. Each
// hook is a plain function; add a call to your module in the one that fits.
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/types.js';
import type { LxcSpec } from '../../runtime/rcfile.js';

// Loaded on first use: commands that never create or start a container do not pay for it.
const network = () => import('../../network/hooks.js');

/** Before a new container is written: check (and normalise) what it asks of networks, volumes... */
export async function beforeCreate(store: Store, c: ContainerRecord): Promise<void> {
  await (await network()).checkCreate(store, c);
}

/**
 * Before the LXC config is written: add network devices, mounts, cgroup limits to spec.
 * Networking also publishes ports here, so a taken port fails the start before
 * the container runs: once beforeStart has succeeded, afterStop must follow,
 * however the start ends.
 */
export async function beforeStart(store: Store, c: ContainerRecord, spec: LxcSpec): Promise<void> {
  await (await network()).beforeStart(store, c, spec);
}

/** The container runs (ownerPid is its lxc-execute): register names. */
export async function afterStart(store: Store, c: ContainerRecord, _ownerPid: number): Promise<void> {
  await (await network()).afterStart(store, c);
}

/** The container has stopped, however it ended: withdraw what beforeStart/afterStart did. */
export async function afterStop(store: Store, c: ContainerRecord): Promise<void> {
  await (await network()).afterStop(store, c);
}

/** The container has a new name: containers that find it by name must see the new one. */
export async function afterRename(store: Store, c: ContainerRecord, running: boolean): Promise<void> {
  if (running) await (await network()).refreshPeersOf(store, c);
}

/** The container is about to be deleted (it is not running): release addresses, volume uses. */
export async function beforeRemove(store: Store, c: ContainerRecord): Promise<void> {
  await (await network()).beforeRemove(store, c);
}

/** The whole store is going away (every container is stopped): remove bridges, rules. */
export async function beforeDeinit(store: Store): Promise<void> {
  await (await network()).beforeDeinit(store);
}
