// Where other subsystems join a container's life: networking, volumes and
// the per-container monitor call in here rather than into each other. Each
// hook is a plain function; add a call to your module in the one that fits.
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import type { LxcSpec } from '../runtime/rcfile.js';

/** Before the LXC config is written: add network devices, mounts, cgroup limits to spec. */
export async function beforeStart(_store: Store, _c: ContainerRecord, _spec: LxcSpec): Promise<void> {}

/** The container runs (ownerPid is its lxc-execute): publish ports, register names. */
export async function afterStart(_store: Store, _c: ContainerRecord, _ownerPid: number): Promise<void> {}

/** The container has stopped, however it ended: withdraw what afterStart did. */
export async function afterStop(_store: Store, _c: ContainerRecord): Promise<void> {}

/** The container is about to be deleted (it is not running): release addresses, volume uses. */
export async function beforeRemove(_store: Store, _c: ContainerRecord): Promise<void> {}

/** The whole store is going away (every container is stopped): remove bridges, rules. */
export async function beforeDeinit(_store: Store): Promise<void> {}
