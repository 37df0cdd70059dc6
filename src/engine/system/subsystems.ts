// A store handle with the subsystems joined in. Kept apart from store.ts so
// that a container's monitor, which needs only this, loads little.
import type { Config } from '../../config.js';
import { Store } from '../../store/store.js';
import { registerHooks, type ContainerHooks } from '../container/hooks.js';
import type { ContainerRecord } from '../../store/types.js';

// Networking joins a container's life through hooks. It is loaded on first
// use, so commands that never create or start a container do not pay for it.
const network = () => import('../../network/hooks.js');
// A --network none container needs only its /etc files (network/nonet.ts): its
// start, exit and rm load none of the bridge, firewall, port or DNS code.
const nonet = () => import('../../network/nonet.js');
const bare = async (s: Store, c: ContainerRecord) => (await nonet()).isBare(s, c);
const networkHooks: ContainerHooks = {
  beforeCreate: async (s, c) => (c.hostConfig.NetworkMode === 'none' ? (await nonet()).checkModeFlags(c) : (await network()).checkCreate(s, c)),
  beforeStart: async (s, c, spec) => ((await bare(s, c)) ? (await nonet()).beforeStartNone(s, c, spec) : (await network()).beforeStart(s, c, spec)),
  afterStart: async (s, c) => {
    if (!(await bare(s, c))) await (await network()).afterStart(s, c);
  },
  afterStop: async (s, c) => {
    if (!(await bare(s, c))) await (await network()).afterStop(s, c);
  },
  afterRename: async (s, c, running) => {
    if (running) await (await network()).refreshPeersOf(s, c);
  },
  beforeRemove: async (s, c) => {
    if (!(await bare(s, c))) await (await network()).beforeRemove(s, c);
  },
  beforeDeinit: async (s) => (await network()).beforeDeinit(s),
};

/** The store of cfg with the subsystems' hooks registered; nothing on disk is touched. */
export function storeOf(cfg: Config): Store {
  registerHooks(networkHooks);
  return new Store(cfg);
}
