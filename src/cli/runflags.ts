// Flags shared by `create` and `run`, with Docker's names, and their
// translation into the engine's CreateOptions.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { FlagDefs, Flags } from './args.js';
import type { CreateOptions } from '../engine/container/create.js';
import { parseEnvFile } from '../engine/container/spec/command.js';
import { InvalidArgument } from '../errors.js';
import type { HostConfig } from '../store/types.js';
import { parseMountFlag, parseMountSpec, parseTmpfs } from '../engine/container/spec/mounts.js';
import { isAbsolute, resolve } from 'node:path';
import { checkVolumeName } from '../engine/volume/volumes.js';
import { normalizeCap } from '../engine/container/spec/caps.js';
import { parseBytes, parseLimits, parseRestart } from '../engine/container/spec/limits.js';
import { parseLogConfig } from '../engine/container/logconfig.js';
import { parseSecurityOpt } from '../engine/container/spec/security.js';
import { parseSignal } from '../engine/container/signal.js';
import { NETWORK_FLAGS, networkOptions } from './netflags.js';
import { parseUlimit } from '../engine/container/spec/ulimits.js';
import { parseDevice } from '../engine/container/spec/devices.js';
import { parseSysctl } from '../engine/container/spec/sysctls.js';
import { parseNamespaceModes } from '../engine/container/spec/namespaces.js';
import { parsePlatform, hostPlatform, formatPlatform } from '../oci/platform.js';

/** Docker flags that cannot work on this runtime: refused with the reason, never ignored. */
const REFUSED: Record<string, string> = {
  gpus: 'dockerlite has no GPU support (no NVIDIA container toolkit); pass device nodes with --device',
  runtime: 'dockerlite has one runtime, LXC',
  isolation: 'isolation technologies are a Windows feature',
  'storage-opt': 'containers are BTRFS snapshots without per-container size options',
  'cgroup-parent': 'LXC places containers under its own cgroup (lxc.payload.<id>)',
  'kernel-memory': 'kernel memory limits were removed from Linux (cgroup v1 kmem is deprecated)',
  'blkio-weight': 'block I/O limits are not implemented',
  link: 'legacy links are not supported: use a user-defined network, where containers find each other by name',
};
import { healthFromFlags } from '../engine/container/health.js';

export const CREATE_FLAGS = {
  name: { type: 'string', help: 'Assign a name to the container' },
  env: { type: 'string', short: 'e', multiple: true, help: 'Set environment variables (KEY=VALUE, or KEY to copy it from here)' },
  'env-file': { type: 'string', multiple: true, help: 'Read environment variables from a file', arg: 'file' },
  workdir: { type: 'string', short: 'w', help: 'Working directory inside the container', arg: 'dir' },
  hostname: { type: 'string', short: 'h', help: 'Container host name' },
  user: { type: 'string', short: 'u', help: 'Username or UID (format: <name|uid>[:<group|gid>])' },
  entrypoint: { type: 'string', help: 'Overwrite the default ENTRYPOINT of the image', arg: 'command' },
  interactive: { type: 'boolean', short: 'i', help: 'Keep STDIN open and connected' },
  tty: { type: 'boolean', short: 't', help: 'Allocate a pseudo-TTY' },
  label: { type: 'string', short: 'l', multiple: true, help: 'Set metadata on a container (KEY=VALUE)' },
  rm: { type: 'boolean', help: 'Automatically remove the container (and its anonymous volumes) when it exits' },
  volume: {
    type: 'string',
    short: 'v',
    multiple: true,
    help: 'Bind mount /host:/ctr[:ro], named volume name:/ctr[:ro], or anonymous volume /ctr',
    arg: 'list',
  },
  mount: {
    type: 'string',
    multiple: true,
    help: 'Attach a filesystem mount: type=bind|volume|tmpfs,source=...,target=...[,readonly][,volume-opt=k=v][,tmpfs-size=N]',
    arg: 'mount',
  },
  'volumes-from': { type: 'string', multiple: true, help: 'Mount volumes from the specified container(s), container[:ro|:rw]', arg: 'list' },
  tmpfs: { type: 'string', multiple: true, help: 'Mount a tmpfs directory, /ctr[:options]', arg: 'list' },
  'read-only': { type: 'boolean', help: "Mount the container's root filesystem as read only" },
  restart: { type: 'string', help: 'Restart policy: no, on-failure[:max-retries], always, unless-stopped (default "no")', arg: 'policy' },
  'cap-add': { type: 'string', multiple: true, help: 'Add Linux capabilities (e.g. NET_ADMIN, ALL)', arg: 'list' },
  'cap-drop': { type: 'string', multiple: true, help: 'Drop Linux capabilities (e.g. CHOWN, ALL)', arg: 'list' },
  privileged: { type: 'boolean', help: 'Give extended privileges to this container (all capabilities, no device or syscall filter)' },
  'security-opt': {
    type: 'string',
    multiple: true,
    help: 'Security options: seccomp=unconfined, apparmor=unconfined, no-new-privileges',
    arg: 'list',
  },
  memory: { type: 'string', short: 'm', help: 'Memory limit (e.g. 512m, 1g)', arg: 'bytes' },
  'memory-swap': { type: 'string', help: "Memory plus swap limit; '-1' for unlimited swap", arg: 'bytes' },
  cpus: { type: 'string', help: 'Number of CPUs (e.g. 1.5)', arg: 'decimal' },
  'pids-limit': { type: 'string', help: 'Tune container pids limit (-1 for unlimited)', arg: 'int' },
  'stop-signal': { type: 'string', help: 'Signal to stop the container (default SIGTERM)', arg: 'signal' },
  'stop-timeout': { type: 'string', help: 'Seconds to wait for the stop signal before SIGKILL (default 10)', arg: 'int' },
  'log-driver': { type: 'string', help: 'Logging driver: json-file (default), local or none', arg: 'string' },
  'log-opt': { type: 'string', multiple: true, help: 'Log driver options: max-size=SIZE (default 20m), max-file=N (default 5)', arg: 'list' },
  init: { type: 'boolean', help: 'Run an init inside the container that forwards signals and reaps processes' },
  'group-add': { type: 'string', multiple: true, help: 'Add additional groups to join (names or numbers)', arg: 'list' },
  'shm-size': { type: 'string', help: 'Size of /dev/shm (default 64m)', arg: 'bytes' },
  pull: { type: 'string', help: 'Pull the image first: always, missing (default for images that name their registry), never' },
  quiet: { type: 'boolean', short: 'q', help: 'Suppress the pull output' },
  ulimit: { type: 'string', multiple: true, help: 'Ulimit options: NAME=SOFT[:HARD], e.g. nofile=1024:2048', arg: 'ulimit' },
  device: { type: 'string', multiple: true, help: 'Add a host device: /dev/HOST[:/dev/CTR][:rwm]', arg: 'list' },
  sysctl: { type: 'string', multiple: true, help: 'Namespaced kernel parameters: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*', arg: 'map' },
  pid: { type: 'string', help: 'PID namespace to use: host or container:NAME', arg: 'string' },
  ipc: { type: 'string', help: 'IPC mode: private (default), shareable, host, none or container:NAME', arg: 'string' },
  uts: { type: 'string', help: 'UTS namespace to use: host', arg: 'string' },
  userns: { type: 'string', help: 'User namespace to use: host (the only one: dockerlite does no user remapping)', arg: 'string' },
  cidfile: { type: 'string', help: 'Write the container ID to the file (it must not exist)', arg: 'string' },
  'label-file': { type: 'string', multiple: true, help: 'Read in a line delimited file of labels', arg: 'list' },
  platform: { type: 'string', help: "Platform to run: linux/amd64 or this host's (no emulation)", arg: 'string' },
  'cpu-shares': { type: 'string', short: 'c', help: 'CPU shares (relative weight)', arg: 'int' },
  'cpu-quota': { type: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) quota', arg: 'int' },
  'cpu-period': { type: 'string', help: 'Limit CPU CFS (Completely Fair Scheduler) period', arg: 'int' },
  'cpuset-cpus': { type: 'string', help: 'CPUs in which to allow execution (0-3, 0,1)', arg: 'string' },
  'memory-reservation': { type: 'string', help: 'Memory soft limit', arg: 'bytes' },
  'oom-score-adj': { type: 'string', help: "Tune host's OOM preferences (-1000 to 1000)", arg: 'int' },
  ...Object.fromEntries(Object.keys(REFUSED).map((k) => [k, { type: 'string', multiple: true, help: `Not supported: ${REFUSED[k]}`, arg: 'string' }])),
  'health-cmd': { type: 'string', help: 'Command to run to check health', arg: 'string' },
  'health-interval': { type: 'string', help: 'Time between running the check (ms|s|m|h) (default 30s)', arg: 'duration' },
  'health-retries': { type: 'string', help: 'Consecutive failures needed to report unhealthy (default 3)', arg: 'int' },
  'health-start-period': {
    type: 'string',
    help: 'Start period for the container to initialize before failures count (ms|s|m|h) (default 0s)',
    arg: 'duration',
  },
  'health-timeout': { type: 'string', help: 'Maximum time to allow one check to run (ms|s|m|h) (default 30s)', arg: 'duration' },
  'no-healthcheck': { type: 'boolean', help: 'Disable any container-specified HEALTHCHECK' },
  ...NETWORK_FLAGS,
} as const satisfies FlagDefs;

export function labels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of list ?? []) {
    const eq = l.indexOf('=');
    out[eq === -1 ? l : l.slice(0, eq)] = eq === -1 ? '' : l.slice(eq + 1);
  }
  return out;
}

/** A file the user named (--env-file, --label-file), with Go's message when it cannot be read, as Docker prints it. */
function readUserFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : String(code);
    throw new InvalidArgument(`open ${file}: ${why}`);
  }
}

/** --platform: only what runs natively here. */
function checkPlatform(p: string | undefined): void {
  if (p === undefined) return;
  const want = parsePlatform(p);
  const host = hostPlatform();
  if (want.os !== 'linux' || want.architecture !== host.architecture)
    throw new InvalidArgument(
      `platform ${formatPlatform(want)} cannot run here: this host runs ${formatPlatform(host)} containers only (dockerlite does no emulation)`,
    );
}

export function toCreateOptions(f: Flags<typeof CREATE_FLAGS>, image: string, cmd: string[]): CreateOptions {
  for (const k of Object.keys(REFUSED)) {
    if ((f as Record<string, unknown>)[k] !== undefined) throw new InvalidArgument(`--${k} is not supported: ${REFUSED[k]}`);
  }
  checkPlatform(f.platform);
  if (f.workdir !== undefined && f.workdir !== '' && !f.workdir.startsWith('/'))
    throw new InvalidArgument(`the working directory '${f.workdir}' is invalid, it needs to be an absolute path`);
  const env: string[] = [];
  for (const file of f['env-file'] ?? []) env.push(...parseEnvFile(readUserFile(file)));
  env.push(...(f.env ?? []));
  const fileLabels: string[] = [];
  for (const file of f['label-file'] ?? []) {
    fileLabels.push(
      ...readUserFile(file)
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('#')),
    );
  }
  const net = networkOptions(f);
  return {
    image,
    cmd,
    name: f.name,
    env,
    workdir: f.workdir,
    hostname: f.hostname,
    user: f.user,
    entrypoint: f.entrypoint === undefined ? undefined : f.entrypoint === '' ? null : [f.entrypoint],
    tty: f.tty,
    interactive: f.interactive,
    labels: labels([...fileLabels, ...(f.label ?? [])]),
    stopSignal: f['stop-signal'] === undefined ? undefined : parseSignal(f['stop-signal']),
    stopTimeout: f['stop-timeout'] === undefined ? undefined : wholeNumber('--stop-timeout', f['stop-timeout']),
    hostConfig: { ...lifecycleHostConfig(f), ...net.hostConfig },
    networkingConfig: net.networkingConfig,
    exposedPorts: net.exposedPorts,
    healthcheck: healthFromFlags({
      cmd: f['health-cmd'],
      interval: f['health-interval'],
      timeout: f['health-timeout'],
      startPeriod: f['health-start-period'],
      retries: f['health-retries'],
      none: f['no-healthcheck'],
    }),
  };
}

function wholeNumber(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgument(`invalid ${flag} '${v}': give a whole number`);
  return Number(v);
}

/** seccomp=PROFILE.json becomes seccomp=<its JSON text>, as Docker's CLI sends it. */
function withSeccompFile(opt: string): string {
  const m = /^seccomp[=:](.*)$/s.exec(opt);
  if (!m || m[1] === 'unconfined' || m[1].trimStart().startsWith('{')) return opt;
  let text: string;
  try {
    text = readFileSync(m[1], 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidArgument(`opening seccomp profile (${m[1]}) failed: open ${m[1]}: ${code === 'ENOENT' ? 'no such file or directory' : code}`);
  }
  // Compacted, as Docker's CLI sends it.
  try {
    return `seccomp=${JSON.stringify(JSON.parse(text))}`;
  } catch (e) {
    throw new InvalidArgument(`compacting json for seccomp profile (${m[1]}) failed: ${(e as Error).message}`);
  }
}

/** Mounts, restart policy, privileges and limits, checked now so a mistake fails create/run at once. */
function lifecycleHostConfig(f: Flags<typeof CREATE_FLAGS>): HostConfig {
  const hc: HostConfig = { AutoRemove: !!f.rm };
  if (f.volume?.length) {
    hc.Binds = f.volume.map((v) => {
      // A relative host path (./dir) is taken from here, as the docker CLI does.
      const colon = v.indexOf(':');
      if (v.startsWith('.') && colon !== -1) v = resolve(v.slice(0, colon)) + v.slice(colon);
      const m = parseMountSpec(v);
      if (m.type === 'volume' && m.source) checkVolumeName(m.source);
      return v;
    });
  }
  if (f.mount?.length)
    hc.Mounts = f.mount.map((spec) => {
      const m = parseMountFlag(spec);
      if (m.Type === 'bind' && m.Source && !isAbsolute(m.Source)) m.Source = resolve(m.Source);
      return m;
    });
  if (f['volumes-from']?.length) hc.VolumesFrom = f['volumes-from'];
  if (f.tmpfs?.length) hc.Tmpfs = Object.fromEntries(f.tmpfs.map(parseTmpfs));
  if (f['read-only']) hc.ReadonlyRootfs = true;
  if (f.restart !== undefined) {
    hc.RestartPolicy = parseRestart(f.restart);
    if (f.rm && hc.RestartPolicy.Name !== 'no') throw new InvalidArgument('conflicting options: --restart and --rm');
  }
  if (f['cap-add']?.length) hc.CapAdd = f['cap-add'].map(normalizeCap).map((c) => c.toUpperCase());
  if (f['cap-drop']?.length) hc.CapDrop = f['cap-drop'].map(normalizeCap).map((c) => c.toUpperCase());
  if (f.privileged) hc.Privileged = true;
  hc.LogConfig = parseLogConfig(f['log-driver'], f['log-opt']);
  if (f['security-opt']?.length) hc.SecurityOpt = f['security-opt'].map((o) => parseSecurityOpt(withSeccompFile(o)));
  Object.assign(
    hc,
    parseLimits({
      memory: f.memory,
      memorySwap: f['memory-swap'],
      cpus: f.cpus,
      pidsLimit: f['pids-limit'],
      memoryReservation: f['memory-reservation'],
      cpuShares: f['cpu-shares'],
      cpuQuota: f['cpu-quota'],
      cpuPeriod: f['cpu-period'],
      cpusetCpus: f['cpuset-cpus'],
    }),
  );
  if (f['oom-score-adj'] !== undefined) {
    if (!/^-?\d+$/.test(f['oom-score-adj']))
      throw new InvalidArgument(`invalid argument "${f['oom-score-adj']}" for "--oom-score-adj" flag: give a whole number`);
    hc.OomScoreAdj = Number(f['oom-score-adj']);
  }
  if (f.ulimit?.length) hc.Ulimits = f.ulimit.map(parseUlimit);
  if (f.device?.length) hc.Devices = f.device.map(parseDevice);
  if (f.sysctl?.length) hc.Sysctls = Object.fromEntries(f.sysctl.map(parseSysctl));
  Object.assign(hc, parseNamespaceModes({ pid: f.pid, ipc: f.ipc, uts: f.uts, userns: f.userns, hostname: f.hostname }));
  if (f.init) hc.Init = true;
  if (f['group-add']?.length) hc.GroupAdd = f['group-add'];
  if (f['shm-size'] !== undefined) hc.ShmSize = parseBytes(f['shm-size'], 'shm');
  return hc;
}

/** --cidfile must not exist yet (Docker's check: another run may still be using it). */
export function checkCidFile(file: string | undefined): void {
  if (file !== undefined && existsSync(file))
    throw new InvalidArgument(`container ID file found, make sure the other container isn't running or delete ${file}`);
}

/** Write the new container's id to --cidfile; 'wx' so a file that appeared meanwhile is not overwritten. */
export function writeCidFile(file: string | undefined, id: string): void {
  if (file === undefined) return;
  try {
    writeFileSync(file, id, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    throw new InvalidArgument(`failed to create the container ID file ${file}: ${(e as Error).message}`);
  }
}
