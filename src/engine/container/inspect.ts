// The container inspect document, with Docker's key set, key order and zero
// values (recorded from dockerd 20.10 in test/integration/formats.test.ts).
// Kept in the engine so the CLI and the Engine API serve the same document.
import { join } from 'node:path';
import type { Store } from '../../store/store.js';
import type { ContainerState, HostConfig, RunConfig } from '../../store/types.js';
import type { ContainerView } from '../../store/containers.js';
import { hostsFile, resolvFile } from '../../network/model.js';
import type { HealthState } from './health.js';
import { networkSettings } from './network-views.js';
import { hostnameFile, inspectMounts } from './spec/mounts.js';
import { volumePath } from '../volume/volumes.js';
import { containerSize } from '../system/df.js';
import { imageSizeCached } from './diff.js';
import { runningExecs } from './execs.js';
import { getImage } from '../image/images.js';

export { statusText } from './status.js';

/** Config, in Docker's key order; the keys Docker omits when empty are left out the same way. */
export function dockerConfig(cfg: RunConfig, zeroLabels: Record<string, string> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Hostname: cfg.Hostname ?? '',
    Domainname: cfg.Domainname ?? '',
    User: cfg.User ?? '',
    AttachStdin: cfg.AttachStdin ?? false,
    AttachStdout: cfg.AttachStdout ?? false,
    AttachStderr: cfg.AttachStderr ?? false,
    ...(cfg.ExposedPorts && Object.keys(cfg.ExposedPorts).length ? { ExposedPorts: cfg.ExposedPorts } : {}),
    Tty: cfg.Tty ?? false,
    OpenStdin: cfg.OpenStdin ?? false,
    StdinOnce: (cfg as { StdinOnce?: boolean }).StdinOnce ?? false,
    Env: cfg.Env ?? null,
    Cmd: cfg.Cmd ?? null,
    ...(cfg.Healthcheck ? { Healthcheck: cfg.Healthcheck } : {}),
    ...(cfg.ArgsEscaped ? { ArgsEscaped: cfg.ArgsEscaped } : {}),
    Image: cfg.Image ?? '',
    Volumes: cfg.Volumes ?? null,
    WorkingDir: cfg.WorkingDir ?? '',
    Entrypoint: cfg.Entrypoint ?? null,
    OnBuild: cfg.OnBuild ?? null,
    Labels: cfg.Labels ?? zeroLabels,
    ...(cfg.StopSignal ? { StopSignal: cfg.StopSignal } : {}),
    ...(cfg.StopTimeout !== undefined ? { StopTimeout: cfg.StopTimeout } : {}),
    ...(cfg.Shell?.length ? { Shell: cfg.Shell } : {}),
  };
  // Anything newer the record carries (another branch's keys) is kept, after Docker's.
  for (const [k, v] of Object.entries(cfg)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/** HostConfig with every key dockerd 20.10 prints, its zero values where the record has nothing. */
export function dockerHostConfig(h: HostConfig): Record<string, unknown> {
  const zero: Record<string, unknown> = {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: 'json-file', Config: {} },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: 'private',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: 'private',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 67108864,
    Runtime: 'lxc',
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: null,
    OomKillDisable: false,
    PidsLimit: null,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    // Docker's lists of what it masks; LXC masks its own set, so none is claimed here.
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(zero)) out[k] = h[k] ?? v;
  // Keys the record has beyond Docker's base set (Tmpfs, Mounts, Init ...), in the record's order.
  for (const [k, v] of Object.entries(h)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}

/** Mounts, as Docker lists them: -v volumes and binds, and --mount entries when the record has them. */

function running(s: ContainerState): boolean {
  return s.status === 'running' || s.status === 'paused';
}

export interface InspectOptions {
  /** State.Health (health.ts healthOf), present only when the container has a check. */
  health?: HealthState;
  /** inspect -s: SizeRw (what the container added or changed) and SizeRootFs (that plus its image). */
  size?: boolean;
  /** The exec sessions running in the container (ExecIDs); null when none, as Docker. */
  execIds?: string[];
}

/** docker inspect CONTAINER. */
export async function inspectContainer(store: Store, c: ContainerView, o: InspectOptions = {}): Promise<Record<string, unknown>> {
  const s = c.state;
  const execIds = o.execIds ?? (await runningExecs(store, c));
  const doc: Record<string, unknown> = {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: {
      Status: s.status,
      Running: running(s),
      Paused: s.status === 'paused',
      Restarting: s.status === 'restarting',
      OOMKilled: !!s.oomKilled,
      Dead: s.status === 'dead',
      Pid: running(s) ? s.pid : 0,
      ExitCode: s.exitCode,
      Error: s.error ?? '',
      StartedAt: s.startedAt,
      FinishedAt: s.finishedAt,
      ...(o.health ? { Health: o.health } : {}),
    },
    Image: `sha256:${c.image}`,
    ResolvConfPath: resolvFile(store, c.id),
    HostnamePath: hostnameFile(store, c.id),
    HostsPath: hostsFile(store, c.id),
    LogPath: join(store.paths.container(c.id), 'log.jsonl'),
    Name: `/${c.name}`,
    RestartCount: s.restartCount ?? 0,
    Driver: 'btrfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds.length ? execIds : null,
    HostConfig: dockerHostConfig(c.hostConfig),
    GraphDriver: { Data: { Rootfs: store.paths.rootfs(c.id), BaseLayer: c.layer }, Name: 'btrfs' },
  };
  if (o.size) {
    const rw = await containerSize(store, c);
    const img = await getImage(store, c.image).catch(() => undefined);
    doc.SizeRw = rw;
    doc.SizeRootFs = rw + (img ? await imageSizeCached(store, img) : 0);
  }
  doc.Mounts = inspectMounts(c, (n) => volumePath(store, n));
  doc.Config = dockerConfig({ Hostname: c.id.slice(0, 12), AttachStdout: true, AttachStderr: true, ...c.config, Image: c.config.Image ?? c.imageRef }, {});
  doc.NetworkSettings = networkSettings(store, c);
  return doc;
}
