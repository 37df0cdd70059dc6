// Name resolution through DNS on user-defined networks, the role of Docker's
// embedded server at 127.0.0.11. dockerlite has no daemon, so one small
// resolver process per store (dnsd.ts) is started by the first container
// that joins a user network and ends by itself once none runs. It listens on
// each such network's gateway address, which the containers' resolv.conf
// names, answers container names, --network-alias names and short ids from
// the store at the moment of each query (so an alias added by `network
// connect` resolves at once), and forwards every other name to the host's
// resolvers. The /etc/hosts entries stay as a fallback.
import { readFileSync } from 'node:fs';
import { lazyBuiltin } from '../util/lazy.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { str, num, obj } from '../util/schema.js';
import type { Store } from '../store/store.js';
import type { ContainerRecord } from '../store/types.js';
import { listContainers, isRunning } from '../store/containers.js';
import { readJsonOr } from '../store/json.js';
import { shortId } from '../store/ids.js';
import { identify, isAlive, sleep, type ProcId } from '../sys/proc.js';
import { spawnDetached } from '../sys/exec.js';
import { readNet } from './endpoints.js';
import { DEFAULT_NETWORK, modeOf, type ContainerNet } from './model.js';

// Loaded when used: a start on a network without published ports or user-network names needs none of it.
const net = lazyBuiltin<typeof import('node:net')>('node:net');

const DNSD = fileURLToPath(new URL('./dnsd.js', import.meta.url));

const dnsdRecord = obj({ pid: num, start: num, socket: str });
export type DnsdRecord = { pid: number; start: number; socket: string };

export function dnsdFile(store: Store): string {
  return join(store.paths.root, 'dnsd.json');
}

/** The control socket: abstract, so nothing of the process pins the store's mount. */
export function controlSocket(store: Store): string {
  let h = 0;
  for (const ch of store.paths.root) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `\0dockerlite-dnsd-${h.toString(16)}-${store.paths.root.length}`;
}

interface Member {
  c: ContainerRecord;
  net: ContainerNet;
}

async function runningMembers(store: Store): Promise<Member[]> {
  const out: Member[] = [];
  for (const c of await listContainers(store)) {
    // A container that is starting (its command already runs, its start not yet recorded) has its
    // addresses already, and may be asking: it counts, as in Docker, where the endpoint comes first.
    if ((isRunning(c.state) || c.state.status === 'created') && modeOf(c).kind === 'bridge') out.push({ c, net: readNet(store, c) });
  }
  return out;
}

/** Gateways of the user networks that have a running container: where the resolver must listen. */
export async function wantedGateways(store: Store): Promise<string[]> {
  const out = new Set<string>();
  for (const m of await runningMembers(store)) {
    for (const [name, ep] of Object.entries(m.net.Networks)) if (name !== DEFAULT_NETWORK && ep.Gateway && ep.IPAddress) out.add(ep.Gateway);
  }
  return [...out].sort();
}

export interface Resolution {
  /** The asking container is one of ours on a user network: its names are answered here. */
  known: boolean;
  ips: string[];
  /** Its own --dns servers, to forward to instead of the host's. */
  dns?: string[];
}

/**
 * What `name` means to the container at `client`: the addresses of running
 * containers on the networks it shares with them whose name, alias or short
 * id is `name` (also `name.network`), Docker's rules for its embedded DNS.
 */
export async function resolveFor(store: Store, client: string, name: string): Promise<Resolution> {
  const all = await runningMembers(store);
  const self = all.find((m) => Object.entries(m.net.Networks).some(([n, ep]) => n !== DEFAULT_NETWORK && ep.IPAddress === client));
  if (!self) return { known: false, ips: [] };
  const dns = self.c.hostConfig.Dns?.length ? self.c.hostConfig.Dns : undefined;
  const q = name.toLowerCase();
  const ips: string[] = [];
  for (const net of Object.keys(self.net.Networks)) {
    if (net === DEFAULT_NETWORK) continue;
    for (const o of all) {
      const ep = o.net.Networks[net];
      if (!ep?.IPAddress) continue;
      const names = [o.c.name, ...ep.Aliases, shortId(o.c.id)].filter(Boolean).map((n) => n.toLowerCase());
      if (names.some((n) => n === q || `${n}.${net.toLowerCase()}` === q) && !ips.includes(ep.IPAddress)) ips.push(ep.IPAddress);
    }
  }
  return { known: true, ips, dns };
}

/** The resolvers names are forwarded to: DOCKERLITE_DNS_UPSTREAM, else the host's (loopback ones included: we run on the host). */
export function upstreams(configured: string | undefined): Array<{ host: string; port: number }> {
  let list: string[];
  if (configured) list = configured.split(/[\s,]+/).filter(Boolean);
  else {
    let text = '';
    try {
      text = readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      /* no resolvers: every other name fails */
    }
    list = text
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f[0] === 'nameserver' && f[1])
      .map((f) => f[1]);
  }
  return list
    .filter((s) => s !== 'none')
    .map((s) => {
      const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(s);
      return { host: m?.[1] ?? m?.[2] ?? s, port: Number(m?.[3] ?? 53) };
    });
}

async function running(store: Store): Promise<DnsdRecord | undefined> {
  const rec = await readJsonOr(dnsdFile(store), dnsdRecord, null).catch(() => null);
  return rec && isAlive({ pid: rec.pid, start: rec.start }) ? rec : undefined;
}

/** Ask the resolver to rescan the store now; true when it answered. */
function rescan(socket: string, gateways: string[] = []): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net().connect(socket);
    let got = '';
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(5000, () => done(false));
    s.on('error', () => done(false));
    s.on('close', () => done(got.startsWith('ok')));
    s.on('data', (d) => {
      got += d.toString();
      if (got.includes('\n')) done(got.startsWith('ok'));
    });
    s.on('connect', () => s.write(`rescan ${gateways.join(',')}\n`));
  });
}

/**
 * Make sure the store's resolver runs and listens on every user network
 * with a running container, and on `gateways`, those of a container about
 * to start. Returns false when it could not be started: names then
 * resolve through /etc/hosts only.
 */
export async function ensureResolver(store: Store, gateways: string[]): Promise<boolean> {
  return store.lock('dnsd', async () => {
    const cur = await running(store);
    if (cur && (await rescan(cur.socket, gateways))) return true;
    let child;
    try {
      child = spawnDetached(process.execPath, ['--max-old-space-size=16', DNSD, JSON.stringify(store.cfg), gateways.join(',')], {
        stdio: [-1, -1, -1],
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
      });
    } catch {
      return false;
    }
    const fd3 = child.channel;
    // Its first line, within 10 s: "ready", or anything else, or its end, when it failed.
    let timer: NodeJS.Timeout | undefined;
    const first = await Promise.race([fd3.next(), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 10_000)))]);
    clearTimeout(timer);
    const ready = !!first?.startsWith('ready');
    fd3.close();
    child.unref();
    if (!ready && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    return ready;
  });
}

/** A container left a user network or stopped: let the resolver close what nothing uses (it ends when nothing is left). */
export async function nudgeResolver(store: Store): Promise<void> {
  const cur = await running(store);
  if (cur) await rescan(cur.socket);
}

/** deinit: end the store's resolver. */
export async function stopResolver(store: Store): Promise<void> {
  const cur = await running(store);
  if (!cur) return;
  const id: ProcId = { pid: cur.pid, start: cur.start };
  try {
    process.kill(cur.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && isAlive(id); i++) await sleep(20);
  if (isAlive(id) && identify(cur.pid)?.start === cur.start) process.kill(cur.pid, 'SIGKILL');
}
