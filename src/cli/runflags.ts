// Flags shared by `create` and `run`, with Docker's names, and their
// translation into the engine's CreateOptions.
import { readFileSync } from 'node:fs';
import type { FlagDefs, Flags } from './args.js';
import type { CreateOptions } from '../engine/container/create.js';
import { parseEnvFile } from '../engine/container/spec/command.js';
import { InvalidArgument } from '../errors.js';
import type { HostConfig } from '../store/types.js';
import { checkBindSource, parseMountSpec, parseTmpfs } from '../engine/container/spec/mounts.js';
import { checkVolumeName } from '../engine/volume/volumes.js';
import { normalizeCap } from '../engine/container/spec/caps.js';
import { parseBytes, parseLimits, parseRestart } from '../engine/container/spec/limits.js';
import { parseLogConfig } from '../engine/container/logconfig.js';
import { parseSecurityOpt } from '../engine/container/spec/security.js';
import { parseSignal } from '../engine/container/signal.js';
import { NETWORK_FLAGS, networkOptions } from './netflags.js';

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

export function toCreateOptions(f: Flags<typeof CREATE_FLAGS>, image: string, cmd: string[]): CreateOptions {
  const env: string[] = [];
  for (const file of f['env-file'] ?? []) {
    try {
      env.push(...parseEnvFile(readFileSync(file, 'utf8')));
    } catch {
      throw new InvalidArgument(`cannot read env file ${file}`);
    }
  }
  env.push(...(f.env ?? []));
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
    labels: labels(f.label),
    stopSignal: f['stop-signal'] === undefined ? undefined : parseSignal(f['stop-signal']),
    stopTimeout: f['stop-timeout'] === undefined ? undefined : wholeNumber('--stop-timeout', f['stop-timeout']),
    hostConfig: { ...lifecycleHostConfig(f), ...net.hostConfig },
    networkingConfig: net.networkingConfig,
    exposedPorts: net.exposedPorts,
  };
}

function wholeNumber(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgument(`invalid ${flag} '${v}': give a whole number`);
  return Number(v);
}

/** Mounts, restart policy, privileges and limits, checked now so a mistake fails create/run at once. */
function lifecycleHostConfig(f: Flags<typeof CREATE_FLAGS>): HostConfig {
  const hc: HostConfig = { AutoRemove: !!f.rm };
  if (f.volume?.length) {
    hc.Binds = f.volume.map((v) => {
      const m = parseMountSpec(v);
      checkBindSource(m);
      if (m.type === 'volume' && m.source) checkVolumeName(m.source);
      return v;
    });
  }
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
  if (f['security-opt']?.length) hc.SecurityOpt = f['security-opt'].map(parseSecurityOpt);
  if (f.init) hc.Init = true;
  if (f['group-add']?.length) hc.GroupAdd = f['group-add'];
  if (f['shm-size'] !== undefined) hc.ShmSize = parseBytes(f['shm-size'], 'shm');
  Object.assign(hc, parseLimits({ memory: f.memory, memorySwap: f['memory-swap'], cpus: f.cpus, pidsLimit: f['pids-limit'] }));
  return hc;
}
