// A minimal /info, so `docker info` works before the system group serves the
// full document (that group is listed earlier in routes/index.ts and wins).
import { release, cpus, totalmem, hostname } from 'node:os';
import type { Route } from '../router.js';
import { sendJson } from '../http.js';
import { engineVersion } from '../../engine/system/version.js';
import { listContainers } from '../../store/containers.js';
import { goArch } from './version.js';

const routes: Route[] = [
  {
    method: 'GET',
    path: '/info',
    handler: async (r, ctx) => {
      const cs = await listContainers(ctx.store);
      const running = cs.filter((c) => c.state.status === 'running').length;
      const paused = cs.filter((c) => c.state.status === 'paused').length;
      sendJson(r.res, 200, {
        ID: '',
        Name: hostname(),
        ServerVersion: engineVersion(),
        Containers: cs.length,
        ContainersRunning: running,
        ContainersPaused: paused,
        ContainersStopped: cs.length - running - paused,
        Driver: 'btrfs',
        DockerRootDir: ctx.store.cfg.root,
        OperatingSystem: 'dockerlite',
        OSType: 'linux',
        Architecture: goArch(),
        KernelVersion: release(),
        NCPU: cpus().length,
        MemTotal: totalmem(),
        CgroupVersion: '2',
        LoggingDriver: 'json-file',
        SecurityOptions: [],
        Warnings: [],
      });
    },
  },
];
export default routes;
