// The records dockerlite keeps on disk. Field names follow Docker and the
// OCI image spec where those have a name for the same thing.

/** The part of an OCI image config that says how to run it (also a container's Config). */
export interface RunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  /** Seconds stop waits before SIGKILL (--stop-timeout). */
  StopTimeout?: number;
  Hostname?: string;
  Domainname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  Image?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number };
  OnBuild?: string[] | null;
  Shell?: string[];
  ArgsEscaped?: boolean;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** OCI image config (application/vnd.oci.image.config.v1+json). */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: RunConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: HistoryEntry[];
  [extra: string]: unknown;
}

/** layers/<key>.json — one read-only subvolume holding the whole rootfs at this layer. */
export interface LayerRecord {
  key: string;
  /** The layer below, or null for a base layer. */
  parent: string | null;
  /** sha256 of the uncompressed layer tar; unknown for a commit until it is exported. */
  diffId?: string;
  /** OCI chain ID; the key of layers with a known chain. */
  chainId?: string;
  /** Bytes of file content this layer adds. */
  size?: number;
  created: string;
  /** The layer as a blob in the content store (compressed), once pulled, loaded, imported or exported. */
  blob?: LayerBlob;
  /** Bytes of the uncompressed layer tar (the one diffId names). */
  tarSize?: number;
  /** Repositories (registry/path) known to hold the blob: candidates for a cross-repository mount. */
  sources?: string[];
}

export interface LayerBlob {
  digest: string;
  size: number;
  compression: 'gzip' | 'zstd' | 'none';
}

/** images/<id>.json */
export interface ImageRecord {
  /** Hex id: the config digest for images whose layers are all known, else random. */
  id: string;
  created: string;
  config: ImageConfig;
  /** Layer keys, bottom to top; the rootfs is the top one (or the empty layer). */
  layers: string[];
  /** The image this one was committed or built from. */
  parent?: string;
  /** Manifest digests this image is known by in registries (repo@digest). */
  repoDigests?: string[];
  comment?: string;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

export interface HostConfig {
  AutoRemove?: boolean;
  Binds?: string[];
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  RestartPolicy?: { Name: string; MaximumRetryCount: number };
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  /** --security-opt, as given: seccomp=unconfined, apparmor=unconfined, no-new-privileges. */
  SecurityOpt?: string[];
  Memory?: number;
  /** Memory plus swap, bytes; -1 for unlimited swap. */
  MemorySwap?: number;
  NanoCpus?: number;
  PidsLimit?: number;
  Tmpfs?: Record<string, string>;
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
  ExtraHosts?: string[];
  /** -P: publish every exposed port on a free host port. */
  PublishAllPorts?: boolean;
  /** --log-driver and --log-opt (engine/container/logconfig.ts). */
  LogConfig?: { Type: string; Config: Record<string, string> };
  /** --mount, in the Engine API's shape. */
  Mounts?: MountConfig[];
  /** --volumes-from: container[:ro|:rw]. */
  VolumesFrom?: string[];
  /** --ulimit, as Docker records it. */
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  /** --device host[:container][:perms]. */
  Devices?: Array<{ PathOnHost: string; PathInContainer: string; CgroupPermissions: string }>;
  /** --sysctl KEY=VALUE (Docker's namespaced ones only). */
  Sysctls?: Record<string, string>;
  /** --pid, --ipc, --uts: '' (private) or host / container:<id> (ipc also private, shareable, none). */
  PidMode?: string;
  IpcMode?: string;
  UTSMode?: string;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpusetCpus?: string;
  MemoryReservation?: number;
  OomScoreAdj?: number;
  [extra: string]: unknown;
}

/** One --mount (the Engine API's HostConfig.Mounts entry). */
export interface MountConfig {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** One mount of a container as resolved at create, in Docker's inspect shape (its Mounts entries). */
export interface MountPoint {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** The volume's name (volume only). */
  Name?: string;
  /** Host path (bind); the volume's directory (volume); empty (tmpfs). */
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Not in Docker's document: a volume not to seed from the image (nocopy). */
  noCopy?: boolean;
  /** Not in Docker's document: tmpfs mount options (size=, mode=). */
  tmpfsOptions?: string[];
}

/** One network attachment as requested at create (Docker's EndpointSettings subset). */
export interface EndpointConfig {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string } | null;
  MacAddress?: string;
}

/** Docker's NetworkingConfig: the networks to attach at create, by name. */
export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointConfig>;
}

/** containers/<id>/config.json — fixed at create time (rename aside). */
export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  /** Image id. */
  image: string;
  /** The image as the user named it. */
  imageRef: string;
  /** Layer key the rootfs was snapshotted from (the base of `diff`). */
  layer: string;
  /** Process to run: Path + Args, resolved from Entrypoint/Cmd at create time. */
  path: string;
  args: string[];
  config: RunConfig;
  hostConfig: HostConfig;
  /** Networks to attach at create (--network, --ip, --network-alias, --mac-address). */
  networkingConfig?: NetworkingConfig;
  /** Every -v, --mount, --volumes-from and image VOLUME, resolved at create (absent in older records: see mountsOf). */
  mounts?: MountPoint[];
}

/** containers/<id>/state.json — changes as the container runs. */
export interface ContainerState {
  status: ContainerStatus;
  /** The process that owns the container (lxc-execute), with its start time to detect reuse. */
  pid: number;
  pidStart: number;
  exitCode: number;
  error?: string;
  startedAt: string;
  finishedAt: string;
  oomKilled?: boolean;
  restartCount?: number;
  /** The per-container monitor that owns the LXC process (and its start time). */
  monitorPid?: number;
  monitorStart?: number;
  /** The process setting a start up (port rules, endpoints) until dl-mon takes over: a start killed half-way is recognised by it (recover.ts). */
  starterPid?: number;
  starterStart?: number;
  /** Set by stop: the restart policy must not bring this run back. */
  stopRequested?: boolean;
  /** Log lines the monitor could not write (a full or failing store). */
  logDropped?: number;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
