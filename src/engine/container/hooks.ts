// Where other subsystems join a container's life. Networking registers its
// hooks when the store opens (system/store.ts); the container code calls the
// registered ones here and never imports them, so nothing below the engine
// imports the engine back.
import type { Store } from '../../store/store.js';
import type { ContainerRecord } from '../../store/types.js';
import type { LxcSpec } from '../../runtime/rcfile.js';

export interface ContainerHooks {
  /** Before a new container is written: check (and normalise) what it asks of networks. */
  beforeCreate?(store: Store, c: ContainerRecord): Promise<void>;
  /**
   * Before the LXC config is written: add network devices to spec, publish
   * ports (so a taken port fails the start before the container runs). Once
   * beforeStart has succeeded, afterStop must follow, however the start ends.
   */
  beforeStart?(store: Store, c: ContainerRecord, spec: LxcSpec): Promise<void>;
  /** The container runs: register its names with its peers. */
  afterStart?(store: Store, c: ContainerRecord): Promise<void>;
  /** The container has stopped, however it ended: withdraw what beforeStart/afterStart did. */
  afterStop?(store: Store, c: ContainerRecord): Promise<void>;
  /** The container has a new name: peers that find it by name must see the new one. */
  afterRename?(store: Store, c: ContainerRecord, running: boolean): Promise<void>;
  /** The container is about to be deleted (it is not running): release its addresses. */
  beforeRemove?(store: Store, c: ContainerRecord): Promise<void>;
  /** The whole store is going away (every container is stopped): remove bridges and rules. */
  beforeDeinit?(store: Store): Promise<void>;
}

const registered: ContainerHooks[] = [];

/** Add a set of hooks; registering the same set twice is a no-op. */
export function registerHooks(h: ContainerHooks): void {
  if (!registered.includes(h)) registered.push(h);
}

type Name = keyof ContainerHooks;
async function each<K extends Name>(name: K, ...args: Parameters<NonNullable<ContainerHooks[K]>>): Promise<void> {
  for (const h of registered) await (h[name] as ((...a: typeof args) => Promise<void>) | undefined)?.(...args);
}

export const beforeCreate = (store: Store, c: ContainerRecord) => each('beforeCreate', store, c);
export const beforeStart = (store: Store, c: ContainerRecord, spec: LxcSpec) => each('beforeStart', store, c, spec);
export const afterStart = (store: Store, c: ContainerRecord) => each('afterStart', store, c);
export const afterStop = (store: Store, c: ContainerRecord) => each('afterStop', store, c);
export const afterRename = (store: Store, c: ContainerRecord, running: boolean) => each('afterRename', store, c, running);
export const beforeRemove = (store: Store, c: ContainerRecord) => each('beforeRemove', store, c);
export const beforeDeinit = (store: Store) => each('beforeDeinit', store);
