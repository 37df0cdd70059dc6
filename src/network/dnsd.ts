// The store's resolver process (see dns.ts): UDP and TCP port 53 on the
// gateway of every user network with a running container. Started detached
// by ensureResolver with the store's config as its argument; says "ready" on
// fd 3 once it listens. It ends by itself when no such container is left
// (checked at each rescan and every 30 s, for containers that died unseen).
import { createSocket, type Socket as UdpSocket, type RemoteInfo } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import { writeSync, closeSync, rmSync } from 'node:fs';
import type { Config } from '../config.js';
import { Store } from '../store/store.js';
import { writeJson } from '../store/json.js';
import { identify } from '../sys/proc.js';
import { answer, parseQuery, CLASS_IN, RCODE_NOERROR, RCODE_NXDOMAIN, RCODE_SERVFAIL, TYPE_A, type Query } from './dnswire.js';
import { controlSocket, dnsdFile, resolveFor, upstreams, wantedGateways } from './dns.js';

const FORWARD_TIMEOUT_MS = 2000;
const IDLE_CHECK_MS = 30_000;

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const store = new Store(cfg);
const forwardTo = upstreams(cfg.dnsUpstream);

interface Listener {
  udp: UdpSocket;
  tcp: Server;
}
const listening = new Map<string, Listener>();
/** Gateways a starting container asked for: kept a minute, until its record says it runs. */
const pinned = new Map<string, number>();
const PIN_MS = 60_000;

function pin(ips: string[]): void {
  for (const ip of ips) if (ip) pinned.set(ip, Date.now() + PIN_MS);
}

/** Forward a query as it came; the first resolver that answers wins. */
async function forward(msg: Buffer, servers: Array<{ host: string; port: number }>): Promise<Buffer | undefined> {
  for (const s of servers) {
    const reply = await new Promise<Buffer | undefined>((resolve) => {
      const sock = createSocket(s.host.includes(':') ? 'udp6' : 'udp4');
      const done = (b?: Buffer) => {
        clearTimeout(t);
        sock.close();
        resolve(b);
      };
      const t = setTimeout(() => done(), FORWARD_TIMEOUT_MS);
      sock.on('error', () => done());
      sock.on('message', (b) => done(b));
      sock.send(msg, s.port, s.host);
    });
    if (reply) return reply;
  }
  return undefined;
}

async function respond(msg: Buffer, client: string): Promise<Buffer | undefined> {
  const q: Query | undefined = parseQuery(msg);
  if (!q) return undefined;
  let r;
  try {
    r = await resolveFor(store, client, q.name);
  } catch {
    return answer(q, RCODE_SERVFAIL);
  }
  if (r.ips.length) {
    // Docker's rule: a container name has IPv4 addresses only; other types get an empty answer.
    return q.type === TYPE_A && q.class === CLASS_IN ? answer(q, RCODE_NOERROR, r.ips) : answer(q, RCODE_NOERROR);
  }
  // A container's own --dns servers; a loopback one means the container's loopback, which we cannot reach (nor should: it is the host's here).
  const servers = r.dns ? upstreams(r.dns.join(',')).filter((u) => !/^127\.|^::1$/.test(u.host)) : forwardTo;
  if (!servers.length) return answer(q, RCODE_NXDOMAIN);
  return (await forward(msg, servers)) ?? answer(q, RCODE_SERVFAIL);
}

function onUdp(udp: UdpSocket) {
  return (msg: Buffer, from: RemoteInfo) => {
    respond(msg, from.address).then(
      (b) => b && udp.send(b, from.port, from.address),
      () => undefined,
    );
  };
}

/** DNS over TCP: two-byte length prefixes. */
function onTcp(conn: Socket): void {
  let buf = Buffer.alloc(0);
  conn.setTimeout(10_000, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
      const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
      buf = buf.subarray(2 + msg.length);
      respond(Buffer.from(msg), conn.remoteAddress?.replace(/^::ffff:/, '') ?? '').then(
        (b) => {
          if (!b || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(b.length);
          conn.write(Buffer.concat([len, b]));
        },
        () => undefined,
      );
    }
    if (buf.length > 65537) conn.destroy();
  });
}

async function listen(ip: string): Promise<void> {
  const udp = createSocket('udp4');
  udp.on('message', onUdp(udp));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(53, ip, () => resolve());
  });
  udp.on('error', () => undefined);
  const tcp = createServer(onTcp);
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(53, ip, () => resolve());
  }).catch((e: unknown) => {
    udp.close();
    throw e;
  });
  listening.set(ip, { udp, tcp });
}

function close(ip: string): void {
  const l = listening.get(ip);
  if (!l) return;
  l.udp.close();
  l.tcp.close();
  listening.delete(ip);
}

let scanning: Promise<void> = Promise.resolve();

/** Listen where there are containers, stop where there are none; end when there are none at all. */
function rescan(): Promise<void> {
  scanning = scanning.then(async () => {
    let want: string[];
    try {
      want = await wantedGateways(store);
    } catch {
      return; // the store is going away or unreadable: try again later
    }
    for (const [ip, until] of pinned) {
      if (until < Date.now() || want.includes(ip)) pinned.delete(ip);
      else if (!want.includes(ip)) want.push(ip);
    }
    for (const ip of [...listening.keys()]) if (!want.includes(ip)) close(ip);
    for (const ip of want) {
      if (listening.has(ip)) continue;
      await listen(ip).catch(() => undefined); // a bridge gone meanwhile, or a port taken: /etc/hosts still works
    }
    ending = !want.length;
  });
  return scanning;
}

/** Nothing left to serve: end, after the caller has had its answer. */
let ending = false;
function endIfIdle(): void {
  if (ending) shutdown();
}

let control: Server | undefined;

function shutdown(): void {
  for (const ip of [...listening.keys()]) close(ip);
  control?.close();
  try {
    rmSync(dnsdFile(store), { force: true });
  } catch {
    /* the store is gone */
  }
  process.exit(0);
}

async function main(): Promise<void> {
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGHUP', () => void rescan().then(endIfIdle));
  const socket = controlSocket(store);
  pin((process.argv[3] ?? '').split(','));
  control = createServer((c) => {
    c.on('error', () => c.destroy());
    c.on('data', (d: Buffer) => {
      // "rescan [GATEWAY,...]": the gateways of a container about to start.
      pin((d.toString().trim().split(/\s+/)[1] ?? '').split(','));
      rescan().then(
        () => c.end('ok\n', endIfIdle),
        () => c.end('error\n'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    control!.once('error', reject);
    control!.listen(socket, () => resolve());
  });
  const me = identify(process.pid)!;
  await writeJson(dnsdFile(store), { pid: me.pid, start: me.start, socket });
  await rescan();
  setInterval(() => void rescan().then(endIfIdle), IDLE_CHECK_MS).unref();
  try {
    writeSync(3, 'ready\n');
    closeSync(3);
  } catch {
    /* the starter went away: keep serving */
  }
}

main().catch((e: unknown) => {
  try {
    writeSync(3, `error ${(e as Error).message}\n`);
  } catch {
    /* nobody to tell */
  }
  process.exit(1);
});
