// docker info's document (the Engine API's /info), with the keys that apply
// to one host running LXC on BTRFS. In the engine so the API can serve it.
import { cpus, hostname, totalmem, release, arch } from 'node:os';
import { readFileSync, existsSync } from 'node:fs';
import type { Store } from '../../store/store.js';
import { listContainers } from '../../store/containers.js';
import { listImages } from '../image/images.js';
import { createHash } from 'node:crypto';
import { buildVersion } from '../../snapshots/btrfs.js';
import { hasAppArmor, hasSeccomp } from '../../runtime/host.js';

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** Go's GOARCH names, as docker info's Architecture uses uname's: x86_64, aarch64. */
function unameArch(): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' } as Record<string, string>)[arch()] ?? arch();
}

/**
 * The engine's ID in Docker 20.10's form (12 groups of 4 base32 digits, from
 * its key's fingerprint there): here a digest of the machine's id and the
 * store's root, so it is stable for one store and needs no key file.
 */
function engineId(root: string): string {
  let machine: string;
  try {
    machine = readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    machine = hostname();
  }
  const bytes = createHash('sha256').update(`${machine}\0${root}`).digest();
  const A = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < 48) {
      out += A[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out.match(/.{4}/g)!.join(':');
}

export async function systemInfo(store: Store, serverVersion: string): Promise<Record<string, unknown>> {
  const cs = await listContainers(store);
  const count = (f: (s: string) => boolean) => cs.filter((c) => f(c.state.status)).length;
  const images = (await listImages(store)).filter((i) => i.layers.length > 0);
  const cgroup2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
  return {
    ID: engineId(store.paths.root),
    Containers: cs.length,
    ContainersRunning: count((s) => s === 'running' || s === 'restarting'),
    ContainersPaused: count((s) => s === 'paused'),
    ContainersStopped: count((s) => s !== 'running' && s !== 'restarting' && s !== 'paused'),
    Images: images.length,
    Driver: 'btrfs',
    // Docker's btrfs driver: its Build Version (and the library's, which btrfs-progs does not tell).
    DriverStatus: await buildVersion().then(
      (v) => (v ? [['Build Version', v]] : []),
      () => [],
    ),
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file', 'local', 'none'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    IPv4Forwarding: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1',
    Debug: false,
    NFd: 0,
    OomKillDisable: false,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cgroup2 ? '2' : '1',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSVersion: '',
    OSType: 'linux',
    Architecture: unameArch(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: store.paths.root,
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: serverVersion,
    Runtimes: { lxc: { path: 'lxc-execute' } },
    DefaultRuntime: 'lxc',
    LiveRestoreEnabled: true,
    Isolation: '',
    // --init runs dockerlite's own static init.
    InitBinary: 'dl-init',
    SecurityOptions: [
      ...(hasAppArmor() ? ['name=apparmor'] : []),
      ...(hasSeccomp() ? ['name=seccomp,profile=default'] : []),
      ...(cgroup2 ? ['name=cgroupns'] : []),
    ],
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    Warnings: null,
  };
}
