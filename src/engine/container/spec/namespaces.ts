// --pid, --ipc, --uts (and --userns host): which namespaces a container
// shares, with Docker's modes and messages. A shared namespace is joined
// through a pid in it at each start: our own for host, the other
// container's init for container:<name|id>.
import type { Store } from '../../../store/store.js';
import type { HostConfig } from '../../../store/types.js';
import { getContainer, containerInitPid } from '../../../store/containers.js';
import { Conflict, InvalidArgument, NotFound } from '../../../errors.js';

export interface NamespaceFlags {
  pid?: string;
  ipc?: string;
  uts?: string;
  userns?: string;
  hostname?: string;
}

const CONTAINER = /^container:.+$/;

/** Check the modes; returns them with Docker's HostConfig names. */
export function parseNamespaceModes(f: NamespaceFlags): Partial<HostConfig> {
  const hc: Partial<HostConfig> = {};
  if (f.pid !== undefined && f.pid !== '') {
    if (f.pid !== 'host' && !CONTAINER.test(f.pid)) throw new InvalidArgument('--pid: invalid PID mode');
    hc.PidMode = f.pid;
  }
  if (f.ipc !== undefined && f.ipc !== '') {
    if (!['host', 'private', 'shareable', 'none'].includes(f.ipc) && !CONTAINER.test(f.ipc)) throw new InvalidArgument(`Invalid IPC mode: ${f.ipc}`);
    hc.IpcMode = f.ipc;
  }
  if (f.uts !== undefined && f.uts !== '') {
    if (f.uts !== 'host') throw new InvalidArgument('--uts: invalid UTS mode');
    if (f.hostname !== undefined) throw new InvalidArgument('conflicting options: hostname and the UTS mode');
    hc.UTSMode = f.uts;
  }
  // Only "host" (no user namespace) is valid when the daemon does no remapping, as here.
  if (f.userns !== undefined && f.userns !== '' && f.userns !== 'host') throw new InvalidArgument('--userns: invalid USER mode');
  if (f.userns === 'host') hc.UsernsMode = 'host';
  return hc;
}

/** At create: a container:<x> mode must name an existing container, as Docker checks. */
export async function checkNamespaceTargets(store: Store, hc: HostConfig): Promise<void> {
  for (const mode of [hc.PidMode, hc.IpcMode]) {
    if (typeof mode !== 'string' || !mode.startsWith('container:')) continue;
    const target = mode.slice('container:'.length);
    await getContainer(store, target).catch((e) => {
      throw e instanceof NotFound ? new NotFound(`No such container: ${target}`) : e;
    });
  }
}

/** At start: the host pid whose namespace each shared one is (ownPid stands for the host's). */
export async function sharedNamespaces(store: Store, hc: HostConfig, ownPid: number): Promise<Partial<Record<'pid' | 'ipc' | 'uts', number>>> {
  const out: Partial<Record<'pid' | 'ipc' | 'uts', number>> = {};
  const modes: Array<['pid' | 'ipc' | 'uts', unknown]> = [
    ['pid', hc.PidMode],
    ['ipc', hc.IpcMode],
    ['uts', hc.UTSMode],
  ];
  for (const [ns, mode] of modes) {
    if (mode === 'host') out[ns] = ownPid;
    else if (typeof mode === 'string' && mode.startsWith('container:')) {
      const name = mode.slice('container:'.length);
      const target = await getContainer(store, name).catch((e) => {
        throw e instanceof NotFound ? new NotFound(`cannot join the ${ns} namespace of container ${name}: it no longer exists`) : e;
      });
      // Docker 20.10 lets only a shareable (or host) IPC namespace be joined.
      if (ns === 'ipc' && target.hostConfig.IpcMode !== 'shareable' && target.hostConfig.IpcMode !== 'host')
        throw new Conflict(`can't join IPC of container ${target.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
      try {
        out[ns] = containerInitPid(target);
      } catch (e) {
        throw e instanceof Conflict ? new Conflict(`cannot join the ${ns} namespace of container ${target.name}: it is not running`) : e;
      }
    }
  }
  return out;
}
