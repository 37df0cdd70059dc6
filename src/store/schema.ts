// The schemas of everything dockerlite reads back from the store, and of the
// image configs that registries and archives hand over (store/types.ts has
// the types). Lenient where Docker is: unknown keys are kept, and the nulls
// Docker writes for "none" (`"Volumes": null` from Docker 20.10's import +
// save, `"Env": null`, `"Labels": null`) read as absent. Strict where the code
// would otherwise crash: a field it indexes, iterates or compares must have
// the right type.
import {
  any,
  arr,
  bool,
  int,
  matching,
  nonNegInt,
  nullable,
  num,
  obj,
  oneOf,
  opt,
  orNone,
  record,
  refine,
  SchemaError,
  str,
  type Schema,
} from '../util/schema.js';
import type { ContainerRecord, ContainerState, ImageConfig, ImageRecord, LayerRecord, RunConfig } from './types.js';

const strs = arr(str);
const anyObj = record(any);
/** Docker also writes a string list where a list is due in a few places; a lone string would crash a spread. */
const hex = matching(/^[a-f0-9]{12,64}$/, 'a hex id');
const sha256 = matching(/^sha256:[a-f0-9]{64}$/, 'sha256:<64 hex digits>');

export const runConfig: Schema<RunConfig> = obj({
  User: orNone(str),
  ExposedPorts: orNone(record(orNone(anyObj))),
  Env: orNone(strs),
  Entrypoint: nullable(strs),
  Cmd: nullable(strs),
  Volumes: orNone(record(orNone(anyObj))),
  WorkingDir: orNone(str),
  Labels: orNone(record(str)),
  StopSignal: orNone(str),
  StopTimeout: orNone(int),
  Hostname: orNone(str),
  Domainname: orNone(str),
  Tty: orNone(bool),
  OpenStdin: orNone(bool),
  AttachStdin: orNone(bool),
  AttachStdout: orNone(bool),
  AttachStderr: orNone(bool),
  Image: orNone(str),
  Healthcheck: orNone(obj({ Test: orNone(strs) })),
  OnBuild: nullable(strs),
  Shell: orNone(strs),
  ArgsEscaped: orNone(bool),
}) as Schema<RunConfig>;

/** An OCI / Docker image config, from a registry, an archive or an image record. */
export const imageConfig: Schema<ImageConfig> = obj({
  created: orNone(str),
  author: orNone(str),
  architecture: str,
  os: str,
  variant: orNone(str),
  config: orNone(runConfig),
  rootfs: obj({ type: str, diff_ids: arr(sha256) }),
  history: orNone(arr(obj({ created: orNone(str), created_by: orNone(str), author: orNone(str), comment: orNone(str), empty_layer: orNone(bool) }))),
}) as Schema<ImageConfig>;

/** images/<id>.json */
export const imageRecord: Schema<ImageRecord> = obj({
  id: hex,
  created: str,
  config: imageConfig,
  layers: arr(str),
  parent: opt(str),
  repoDigests: opt(strs),
  comment: opt(str),
});

/** refs.json: normalised reference -> image id. */
export const refs: Schema<Record<string, string>> = record(str);

/** layers/<key>.json */
export const layerRecord: Schema<LayerRecord> = obj({
  key: str,
  parent: nullable(str),
  diffId: opt(str),
  chainId: opt(str),
  size: opt(num),
  created: str,
  blob: opt(obj({ digest: str, size: nonNegInt, compression: oneOf('gzip', 'zstd', 'none') })),
  tarSize: opt(num),
  sources: opt(strs),
}) as Schema<LayerRecord>;

const hostConfig = obj({
  AutoRemove: opt(bool),
  Binds: orNone(strs),
  NetworkMode: opt(str),
  PortBindings: orNone(record(orNone(arr(obj({ HostIp: str, HostPort: str }))))),
  RestartPolicy: opt(obj({ Name: str, MaximumRetryCount: int })),
  CapAdd: orNone(strs),
  CapDrop: orNone(strs),
  Tmpfs: orNone(record(str)),
  Dns: orNone(strs),
  DnsSearch: orNone(strs),
  DnsOptions: orNone(strs),
  ExtraHosts: orNone(strs),
  Ulimits: orNone(arr(obj({ Name: str, Soft: int, Hard: int }))),
  Devices: orNone(arr(obj({ PathOnHost: str, PathInContainer: str, CgroupPermissions: str }))),
  Sysctls: orNone(record(str)),
  SecurityOpt: orNone(strs),
});

/** containers/<id>/config.json */
export const containerRecord: Schema<ContainerRecord> = obj({
  id: hex,
  name: str,
  created: str,
  image: str,
  imageRef: str,
  layer: str,
  path: str,
  args: strs,
  config: runConfig,
  hostConfig,
  networkingConfig: opt(obj({ EndpointsConfig: orNone(record(obj({ Aliases: orNone(strs) }))) })),
  mounts: opt(
    arr(
      obj({
        Type: oneOf('bind', 'volume', 'tmpfs'),
        Name: opt(str),
        Source: str,
        Destination: str,
        Mode: str,
        RW: bool,
        Propagation: str,
        noCopy: opt(bool),
        tmpfsOptions: opt(strs),
      }),
    ),
  ),
}) as Schema<ContainerRecord>;

/** containers/<id>/state.json */
export const containerState: Schema<ContainerState> = obj({
  status: oneOf('created', 'running', 'paused', 'restarting', 'exited', 'dead', 'removing'),
  pid: nonNegInt,
  pidStart: nonNegInt,
  exitCode: int,
  error: opt(str),
  startedAt: str,
  finishedAt: str,
  oomKilled: opt(bool),
  restartCount: opt(int),
  monitorPid: opt(nonNegInt),
  monitorStart: opt(nonNegInt),
  starterPid: opt(nonNegInt),
  starterStart: opt(nonNegInt),
  stopRequested: opt(bool),
});

/** A list of strings (mountpoints.json, lease and cache lists). */
export const stringList: Schema<string[]> = strs;

/** A record whose id field must match the file it was read from. */
export function named<T extends { id: string }>(s: Schema<T>, id: string): Schema<T> {
  return refine(s, (x) => {
    if (x.id !== id) throw new SchemaError('id', `is '${x.id.slice(0, 64)}', but the file is named for ${id}`);
  });
}
