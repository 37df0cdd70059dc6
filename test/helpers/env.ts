// A throwaway dockerlite world for one test file: its own loopback BTRFS
// store, bridge name and subnet, all removed afterwards even on failure.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, mkdirSync } from 'node:fs';
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

/** The host's IPv4 routes as [network, prefix] numbers. */
function usedSubnets(): Array<[number, number]> {
  const r = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  const toNum = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + Number(b), 0);
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter((d) => d && d !== 'default')
    .map((d) => {
      const [ip, p] = d.split('/');
      return [toNum(ip), Number(p ?? 32)] as [number, number];
    });
}

/** A subnet of the given size in 10.128.0.0/9 that no route on this host touches (and none of `avoid`). */
export function freeSubnet(prefix = 24, avoid: string[] = []): string {
  const used = usedSubnets();
  for (const a of avoid) {
    const [ip, p] = a.split('/');
    used.push([ip.split('.').reduce((x, y) => x * 256 + Number(y), 0), Number(p)]);
  }
  const mask = (p: number) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0);
  for (;;) {
    const r = randomBytes(3);
    const base = ((10 << 24) | ((128 + (r[0] & 127)) << 16) | (r[1] << 8) | r[2]) >>> 0;
    const net = (base & mask(prefix)) >>> 0;
    const clash = used.some(([n, p]) => {
      const m = mask(Math.min(p, prefix));
      return (n & m) >>> 0 === (net & m) >>> 0;
    });
    if (!clash) return `${[net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join('.')}/${prefix}`;
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
  private subnets: string[] = [this.subnet];

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
      // The embedded resolver must never forward a test's lookups off the host; a test that needs forwarding sets its own.
      DOCKERLITE_DNS_UPSTREAM: 'none',
      ...extra,
    };
  }

  /** Run the CLI to completion. */
  dl(args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      // '--': node 20 would otherwise take a --env-file meant for dockerlite as its own.
      const child = spawn(process.execPath, ['--', BIN, ...args], { env: { ...this.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
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

  /** Another free subnet for a user-defined network of this test (never one it already has). */
  freeSubnet(prefix = 24): string {
    const s = freeSubnet(prefix, this.subnets);
    this.subnets.push(s);
    return s;
  }

  /** What this store has put on the host's network: its iptables rules and chains, bridges and veths. */
  netFootprint(): { rules: string[]; links: string[] } {
    const tag = `dockerlite:${this.bridge}`;
    const rules: string[] = [];
    for (const table of ['filter', 'nat', 'raw']) {
      const out = spawnSync('iptables', ['-w', '-t', table, '-S'], { encoding: 'utf8' }).stdout ?? '';
      for (const l of out.split('\n')) if (l.includes(tag) || l.includes(`DL-${this.bridge}`)) rules.push(`${table}: ${l}`);
    }
    const mine = new Set([this.bridge, ...this.recordedLinks()]);
    const links = readFileSync('/proc/net/dev', 'utf8')
      .split('\n')
      .slice(2)
      .map((l) => l.split(':')[0].trim())
      .filter((n) => mine.has(n));
    return { rules, links };
  }

  /** Bridges of this store's networks and veths of its containers, as recorded in the store. */
  private recordedLinks(): string[] {
    const out: string[] = [];
    const each = (dir: string, file: string, pick: (j: any) => string[]) => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return;
      }
      for (const n of names) {
        try {
          out.push(...pick(JSON.parse(readFileSync(join(dir, n, file), 'utf8'))));
        } catch {
          /* not a record */
        }
      }
    };
    each(join(this.root, 'networks'), 'network.json', (j) => (j.OwnBridge ? [j.Bridge] : []));
    each(join(this.root, 'containers'), 'network.json', (j) =>
      Object.values(j.Networks ?? {})
        .map((e: any) => e.Veth)
        .filter(Boolean),
    );
    for (const c of this.containerIds) for (let i = 0; i < 4; i++) out.push(`vdl${c.slice(0, 11)}${i}`);
    return out;
  }

  /** Ids of containers this test made, for veths to look for after they are removed. */
  readonly containerIds = new Set<string>();

  /** Remove everything: containers, store, loop image, directory. Safe to call twice. */
  async cleanup(): Promise<void> {
    const links = this.recordedLinks();
    await this.dl(['deinit', '-f'], { timeoutMs: 60_000 }).catch(() => undefined);
    // Belt and braces: exactly our links and our rules, if deinit left any.
    for (const l of new Set([this.bridge, ...links])) {
      if (existsSync(`/sys/class/net/${l}`)) spawnSync('ip', ['link', 'del', 'dev', l]);
    }
    for (const [table, chains] of [
      ['nat', ['PREROUTING', 'OUTPUT', 'POSTROUTING']],
      ['filter', ['FORWARD']],
      ['raw', ['PREROUTING']],
    ] as const) {
      for (const chain of chains) {
        const out = spawnSync('iptables', ['-w', '-t', table, '-S', chain], { encoding: 'utf8' }).stdout ?? '';
        for (const l of out.split('\n')) {
          if (!l.includes(`"dockerlite:${this.bridge}"`)) continue;
          const args = l
            .replace(/^-A /, '-D ')
            .match(/"[^"]*"|\S+/g)!
            .map((w) => w.replace(/^"(.*)"$/, '$1'));
          spawnSync('iptables', ['-w', '-t', table, ...args]);
        }
      }
    }
    for (const [table, chain] of [
      ['nat', `DL-${this.bridge}`],
      ['nat', `DL-${this.bridge}-POST`],
      ['filter', `DL-${this.bridge}-FWD`],
      ['filter', `DL-${this.bridge}-ISO`],
      ['raw', `DL-${this.bridge}-RAW`],
    ]) {
      if (spawnSync('iptables', ['-w', '-t', table, '-S', chain]).status === 0) {
        spawnSync('iptables', ['-w', '-t', table, '-F', chain]);
        spawnSync('iptables', ['-w', '-t', table, '-X', chain]);
      }
    }
    // Belt and braces: nothing of ours may stay mounted or attached.
    for (const m of mountsOf(this.dir).reverse()) spawnSync('umount', ['-l', m]);
    for (const dev of loopsOf(this.loopFile)) spawnSync('losetup', ['-d', dev]);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** What of ours is still around (for leak assertions). */
  leaks(): string[] {
    const out: string[] = [];
    const net = this.netFootprint();
    out.push(...net.links.map((l) => `link ${l}`), ...net.rules.map((r) => `iptables ${r}`));
    out.push(...mountsOf(this.dir).map((m) => `mount ${m}`));
    out.push(...loopsOf(this.loopFile).map((d) => `loop ${d}`));
    if (existsSync(this.dir)) out.push(`dir ${this.dir}`);
    return out;
  }
}

/** Whether a process of this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
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
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.split(':')[0])
    .filter((d) => d.startsWith('/dev/'));
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
