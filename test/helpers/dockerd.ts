// A real dockerd for comparisons (tests and bench/): its data root, exec root,
// pid file and socket under a directory of the caller's, --bridge=none and
// --iptables=false so it never touches the host's firewall, stopped by pid.
// Its user networks still get bridges (br-<id>), which dockerd leaves behind
// when it stops: stop() removes the ones that appeared while it ran.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The host's br-<id> links (dockerd's bridges for user networks). */
function dockerBridges(): Set<string> {
  const out = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  return new Set([...out.matchAll(/^\d+: (br-[0-9a-f]{12})[@:]/gm)].map((m) => m[1]));
}

export class Dockerd {
  child?: ChildProcess;
  private bridgesBefore = new Set<string>();
  constructor(readonly dir: string) {}
  /** The socket's path. */
  get path(): string {
    return join(this.dir, 'docker.sock');
  }
  /** unix://path, for DOCKER_HOST. */
  get sock(): string {
    return `unix://${this.path}`;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    this.bridgesBefore = dockerBridges();
    const log = openSync(join(this.dir, 'dockerd.log'), 'a');
    const d = this.dir;
    // dockerd --data-root D/data --exec-root D/exec --pidfile D/docker.pid --bridge=none --iptables=false --ip-masq=false -H unix://D/docker.sock
    this.child = spawn(
      'dockerd',
      [
        '--data-root',
        `${d}/data`,
        '--exec-root',
        `${d}/exec`,
        '--pidfile',
        `${d}/docker.pid`,
        '--bridge=none',
        '--iptables=false',
        '--ip-masq=false',
        '-H',
        this.sock,
      ],
      { stdio: ['ignore', log, log] },
    );
    closeSync(log);
    for (let i = 0; i < 600; i++) {
      if (this.child.exitCode !== null) throw new Error(`dockerd exited: ${readFileSync(join(d, 'dockerd.log'), 'utf8').slice(-2000)}`);
      if (spawnSync('docker', ['version'], { env: { ...process.env, DOCKER_HOST: this.sock }, stdio: 'ignore' }).status === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('dockerd did not start in 60 s');
  }
  /** SIGTERM by pid (SIGKILL after 20 s), wait for it to exit, then remove its bridges. */
  async stop(): Promise<void> {
    const c = this.child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(t);
    }
    if (!c) return;
    for (const b of dockerBridges()) if (!this.bridgesBefore.has(b)) spawnSync('ip', ['link', 'del', b]);
  }
}

/** Unmount whatever dockerd left mounted under dir (overlay, shm, netns), then remove it. */
export function removeTree(dir: string): void {
  const mounts = readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m?.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(dir, { recursive: true, force: true });
}

/** A busybox rootfs tarball (/bin/busybox of busybox-static and a few links) for `docker import`. */
export function busyboxTar(dir: string): string {
  const bb = join(dir, 'bb-rootfs');
  mkdirSync(join(bb, 'bin'), { recursive: true });
  spawnSync('cp', ['/bin/busybox', join(bb, 'bin', 'busybox')]);
  for (const a of ['sh', 'true', 'sleep', 'echo', 'cat']) spawnSync('ln', ['-sf', 'busybox', join(bb, 'bin', a)]);
  const tar = join(dir, 'bb.tar');
  spawnSync('tar', ['-C', bb, '-cf', tar, '.']);
  return tar;
}
