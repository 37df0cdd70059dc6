// Creating a container: a writable snapshot of the image's top layer (or of
// a build step's layer) and its record, built under a scratch name so a crash
// never leaves half of one in the listing.
import { nowRfc3339Nano } from '../../util/human.js';
import { hostname as osHostname } from 'node:os';
import { parseLogConfig, type LogConfig } from './logconfig.js';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as hooks from './hooks.js';
import type { Store } from '../../store/store.js';
import type { ContainerRecord, HostConfig, NetworkingConfig, RunConfig } from '../../store/types.js';
import { writeJson } from '../../store/json.js';
import { containerEvent } from '../../store/events.js';
import { CONTAINER_DIR_MODE } from '../../store/store.js';
import { randomId, shortId } from '../../store/ids.js';
import { scratchName } from '../../store/scratch.js';
import { containerNames, freshState } from '../../store/containers.js';
import { Conflict, NotFound } from '../../errors.js';
import * as btrfs from '../../snapshots/btrfs.js';
import { getImage, imageRootfs, topLayer } from '../image/images.js';
import { holdLayers, layerPath } from '../content/layers.js';
import { Lease } from '../content/leases.js';
import { checkName, randomName } from './names.js';
import { resolveMounts, seedVolumes } from '../volume/volumes.js';
import { commandLine, mergeEnv, DEFAULT_PATH, envValue } from './spec/command.js';
import { checkResources } from './spec/limits.js';
import { checkNamespaceTargets } from './spec/namespaces.js';
import { availableParallelism } from 'node:os';
import { checkHealthConfig, mergeHealth } from './health.js';

export interface CreateOptions {
  /** The id to use (run chooses it first, to start the monitor meanwhile); random by default. */
  id?: string;
  image: string;
  name?: string;
  /** Command line after the image name (replaces the image's Cmd). */
  cmd: string[];
  /** --entrypoint: undefined keeps the image's; '' (empty array) clears it. */
  entrypoint?: string[] | null;
  env?: string[];
  workdir?: string;
  hostname?: string;
  user?: string;
  tty?: boolean;
  interactive?: boolean;
  labels?: Record<string, string>;
  hostConfig?: HostConfig;
  /** --stop-signal and --stop-timeout (seconds). */
  stopSignal?: string;
  stopTimeout?: number;
  /** A build step: snapshot this layer instead of the image's top one... */
  layer?: string;
  /** ...and start from these run settings instead of the image's. */
  baseConfig?: RunConfig;
  networkingConfig?: NetworkingConfig;
  /** --expose: ports (80/tcp) added to the image's ExposedPorts. */
  exposedPorts?: string[];
  /** --health-* / --no-healthcheck; merged over the image's HEALTHCHECK. */
  healthcheck?: RunConfig['Healthcheck'];
}

export async function createContainer(store: Store, o: CreateOptions): Promise<ContainerRecord> {
  const img = await getImage(store, o.image);
  const imgCfg = o.baseConfig ?? img.config.config ?? {};
  const id = o.id ?? randomId();
  const name = o.name !== undefined ? checkName(o.name) : undefined;
  const { entrypoint, cmd } = commandLine(imgCfg, o.cmd, o.entrypoint);
  const argv = [...entrypoint, ...cmd];
  // As Docker: --network host shares the host's name too.
  const hostname = o.hostname ?? (o.hostConfig?.NetworkMode === 'host' ? osHostname() : shortId(id));
  let env = mergeEnv(imgCfg.Env, o.env);
  if (envValue(env, 'PATH') === undefined) env = [`PATH=${DEFAULT_PATH}`, ...env];
  checkHealthConfig(o.healthcheck);
  const healthcheck = mergeHealth(o.healthcheck, imgCfg.Healthcheck);
  const config: RunConfig = {
    Hostname: hostname,
    User: o.user ?? imgCfg.User ?? '',
    Env: env,
    Cmd: cmd,
    Entrypoint: entrypoint.length ? entrypoint : null,
    WorkingDir: o.workdir ?? imgCfg.WorkingDir ?? '',
    Image: o.image,
    Labels: { ...(imgCfg.Labels ?? {}), ...(o.labels ?? {}) },
    Tty: !!o.tty,
    OpenStdin: !!o.interactive,
    AttachStdin: !!o.interactive,
    AttachStdout: true,
    AttachStderr: true,
    ...(imgCfg.ExposedPorts || o.exposedPorts?.length
      ? { ExposedPorts: { ...imgCfg.ExposedPorts, ...Object.fromEntries((o.exposedPorts ?? []).map((p) => [p, {}])) } }
      : {}),
    ...(imgCfg.Volumes ? { Volumes: imgCfg.Volumes } : {}),
    ...(imgCfg.StopSignal ? { StopSignal: imgCfg.StopSignal } : {}),
    ...(o.stopSignal ? { StopSignal: o.stopSignal } : {}),
    ...(o.stopTimeout !== undefined ? { StopTimeout: o.stopTimeout } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
  };
  const hostConfig: HostConfig = { ...(o.hostConfig ?? {}) };
  checkResources(hostConfig, availableParallelism());
  await checkNamespaceTargets(store, hostConfig);
  const mounts = await resolveMounts(store, hostConfig, imgCfg.Volumes);
  const lc = hostConfig.LogConfig as Partial<LogConfig> | undefined;
  hostConfig.LogConfig = parseLogConfig(lc?.Type || undefined, lc?.Config ?? {});
  const rec: ContainerRecord = {
    id,
    name: name ?? '',
    created: nowRfc3339Nano(),
    image: img.id,
    imageRef: o.image,
    layer: o.layer ?? topLayer(img),
    path: argv[0],
    args: argv.slice(1),
    config,
    hostConfig,
    ...(o.networkingConfig ? { networkingConfig: o.networkingConfig } : {}),
    ...(mounts.length ? { mounts } : {}),
  };
  await hooks.beforeCreate(store, rec);

  // Build it under a scratch name; only a complete container is renamed into place.
  // Its layer is leased until the record names it: an rmi or prune meanwhile would otherwise take it.
  const lease = new Lease(store);
  const scratch = join(store.paths.containers, scratchName());
  try {
    if ((await holdLayers(store, lease, [rec.layer])).length) throw new NotFound(`image ${o.image} was removed while the container was being created`);
    await mkdir(scratch, { mode: CONTAINER_DIR_MODE });
    await btrfs.snapshot(o.layer ? layerPath(store, o.layer) : imageRootfs(store, img), join(scratch, 'rootfs'), { readonly: false });
    await seedVolumes(store, join(scratch, 'rootfs'), mounts);
    await writeJson(join(scratch, 'state.json'), freshState());
    await store.lock('names', async () => {
      const taken = containerNames(store);
      const other = name === undefined ? undefined : taken.get(name);
      if (other)
        throw new Conflict(
          `the container name "${name}" is already in use by container ${shortId(other)}; remove or rename that container, or choose another name`,
        );
      let n = name;
      for (let i = 0; n === undefined || taken.has(n); i++) n = randomName() + (i > 5 ? `_${i}` : '');
      rec.name = n;
      await writeJson(join(scratch, 'config.json'), rec);
      await rename(scratch, store.paths.container(id));
    });
  } catch (e) {
    await btrfs.remove(join(scratch, 'rootfs')).catch(() => {});
    await rm(scratch, { recursive: true, force: true });
    throw e;
  } finally {
    await lease.release();
  }
  containerEvent(store.paths.root, 'create', rec);
  return rec;
}
