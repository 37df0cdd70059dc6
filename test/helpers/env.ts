// A throwaway dockerlite world for one test file: its own loopback BTRFS
// store, bridge name and subnet, all removed afterwards even on failure.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'dockerlite');
export const CI = process.env.CI === 'true' || process.env.CI === '1';

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Is something required missing? Under CI that is a failure, elsewhere a skip reason. */
export function missingPrereq(opts: { root?: boolean; tools?: string[] } = {}): string | undefined {
  const problems: string[] = [];
  if (opts.root !== false && process.getuid?.() !== 0) problems.push('must run as root');
  for (const t of opts.tools ?? []) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) problems.push(`${t} is not installed`);
  }
  if (!problems.length) return undefined;
  const why = problems.join('; ');
  if (CI) throw new Error(`missing prerequisite under CI: ${why} (./install.sh should provide it)`);
  return why;
}

function usedSubnets(): string[] {
  const r = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** A /24 in 10.128.0.0/9 that no route on this host touches. */
function freeSubnet(): string {
  const used = usedSubnets().join(' ');
  for (;;) {
    const s = `10.${128 + (randomBytes(1)[0] & 127)}.${randomBytes(1)[0]}`;
    if (!used.includes(`${s}.`)) return `${s}.0/24`;
  }
}

export class TestEnv {
  readonly id = randomBytes(3).toString('hex');
  readonly dir = `/tmp/dltest-${this.id}`;
  readonly root = join(this.dir, 'root');
  readonly loopFile = join(this.dir, 'store.img');
  readonly bridge = `dlt${this.id}`;
  readonly subnet = freeSubnet();
  readonly env: NodeJS.ProcessEnv;

  constructor(extra: NodeJS.ProcessEnv = {}) {
    mkdirSync(this.dir, { recursive: true });
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      DOCKERLITE_ROOT: this.root,
      DOCKERLITE_LOOPFILE: this.loopFile,
      DOCKERLITE_LOOPSIZE: '6144',
      DOCKERLITE_BRIDGE: this.bridge,
      DOCKERLITE_SUBNET: this.subnet,
      DOCKERLITE_CONF: '/dev/null',
      ...extra,
    };
  }

  /** Run the CLI to completion. */
  dl(args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...this.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b) => out.push(b));
      child.stderr.on('data', (b) => err.push(b));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ status: code ?? 128 + (signal ? 9 : 0), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Run the CLI and demand success; returns trimmed stdout. */
  async ok(args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.dl(args, opts);
    if (r.status !== 0) throw new Error(`dockerlite ${args.join(' ')} exited ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Remove everything: containers, store, loop image, directory. Safe to call twice. */
  async cleanup(): Promise<void> {
    await this.dl(['deinit', '-f'], { timeoutMs: 60_000 }).catch(() => undefined);
    // Belt and braces: nothing of ours may stay mounted or attached.
    for (const m of mountsOf(this.dir).reverse()) spawnSync('umount', ['-l', m]);
    for (const dev of loopsOf(this.loopFile)) spawnSync('losetup', ['-d', dev]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What of ours is still around (for leak assertions). */
  leaks(): string[] {
    const out: string[] = [];
    out.push(...mountsOf(this.dir).map((m) => `mount ${m}`));
    out.push(...loopsOf(this.loopFile).map((d) => `loop ${d}`));
    if (existsSync(this.dir)) out.push(`dir ${this.dir}`);
    return out;
  }
}

export function mountsOf(prefix: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((p): p is string => !!p && (p === prefix || p.startsWith(prefix + '/')));
}

export function loopsOf(file: string): string[] {
  const r = spawnSync('losetup', ['-j', file], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').map((l) => l.split(':')[0]).filter((d) => d.startsWith('/dev/'));
}

/** Poll until fn returns truthy, or fail after timeoutMs. */
export async function eventually<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
