// /containers/...: HTTP in, engine calls out. The engine holds the logic;
// this file only translates parameters, bodies, statuses and stream formats.
import type { Store } from '../../store/store.js';
import { inspectMounts } from '../../engine/container/spec/mounts.js';
import { updateContainer } from '../../engine/container/update.js';
import { volumePath } from '../../engine/volume/volumes.js';
import { Writable } from 'node:stream';
import type { Route } from '../router.js';
import { HttpError, readJson, sendEmpty, sendJson, versionCompare, type ApiRequest } from '../http.js';
import { connectionStreams, MUX_STREAM, RAW_STREAM } from '../stream.js';
import { getContainer, isRunning, listContainers, type ContainerView } from '../../store/containers.js';
import { createContainer, type CreateOptions } from '../../engine/container/create.js';
import { checkHostConfig } from '../../engine/container/spec/validate.js';
import { startAttached, startDetached, attachRunning } from '../../engine/container/run.js';
import { pauseContainer, renameContainer, restartContainer, stopContainer, waitContainer, type WaitCondition } from '../../engine/container/control.js';
import { killContainer } from '../../engine/container/signal.js';
import { removeContainer } from '../../engine/container/remove.js';
import { parseTime, streamLogs, type LogEntry } from '../../engine/container/logs.js';
import { resizeContainer, type AttachStreams } from '../../engine/container/attach.js';
import { topContainer } from '../../engine/container/top.js';
import { sample, type Sample } from '../../engine/container/stats.js';
import { containerChanges } from '../../engine/container/diff.js';
import { exportContainer, statInContainer, tarFromContainer, untarToContainer } from '../../engine/container/copy.js';
import { pruneContainers } from '../../engine/container/prune.js';
import { parseFilters, matches } from '../../cli/format/filters.js';
import { inspectContainer, statusText } from '../../engine/container/inspect.js';
import { healthOf } from '../../engine/container/health.js';
import { networkSettings, publishedPorts } from '../../cli/format/network-views.js';
import { shellJoin } from '../../util/human.js';
import { InvalidArgument } from '../../errors.js';
import type { NetworkingConfig } from '../../store/types.js';
import { cpus } from 'node:os';
import { sleep } from '../../sys/proc.js';

/** An attach made before its container starts (docker run: attach, then start): the start hands it the session. */
interface PendingAttach {
  io: AttachStreams;
  stdin: boolean;
  detachKeys?: string;
  /** Called by the start with the run's exit to follow, or with an error. */
  take(exit: Promise<number> | Error): void;
}
const pending = new Map<string, PendingAttach[]>();

function takePending(id: string): PendingAttach | undefined {
  const list = pending.get(id);
  const p = list?.shift();
  if (list && !list.length) pending.delete(id);
  return p;
}

/** A signal aborted when the client's connection closes: long waits and follows stop with it. */
function clientGone(r: ApiRequest): AbortSignal {
  const ac = new AbortController();
  const sock = r.req.socket;
  if (sock.destroyed) ac.abort();
  sock.once('close', () => ac.abort());
  return ac.signal;
}

const unixSeconds = (iso: string) => Math.floor(Date.parse(iso) / 1000) || 0;

/** /containers/json's Ports: one entry per published port (and the exposed ones, unpublished). */
function portList(r: ContainerView, ports: ReturnType<typeof publishedPorts>) {
  const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = [];
  for (const [key, binds] of Object.entries(ports)) {
    const [port, type = 'tcp'] = key.split('/');
    if (!binds?.length) out.push({ PrivatePort: Number(port), Type: type });
    else for (const b of binds) out.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  if (!out.length)
    for (const key of Object.keys(r.config.ExposedPorts ?? {})) out.push({ PrivatePort: Number(key.split('/')[0]), Type: key.split('/')[1] ?? 'tcp' });
  return out;
}

/** Mounts as inspect shows them (every mount the record holds). */
function mountsOf(store: Store, c: ContainerView) {
  return inspectMounts(c, (n) => volumePath(store, n));
}

function listEntry(ctxStore: Parameters<typeof publishedPorts>[0], c: ContainerView) {
  // One read of the container's network file serves both Ports and Networks.
  const ns = networkSettings(ctxStore, c) as { Networks?: Record<string, unknown>; Ports: ReturnType<typeof publishedPorts> };
  return {
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.imageRef,
    ImageID: `sha256:${c.image}`,
    Command: shellJoin([c.path, ...c.args]),
    Created: unixSeconds(c.created),
    Ports: portList(c, ns.Ports),
    Labels: c.config.Labels ?? {},
    State: c.state.status,
    Status: statusText(c.state),
    HostConfig: { NetworkMode: c.hostConfig.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: ns.Networks ?? {} },
    Mounts: mountsOf(ctxStore, c),
  };
}

/** The create body (Docker's ContainerConfig + HostConfig + NetworkingConfig) as the engine's CreateOptions. */
function createOptions(body: Record<string, unknown>, name: string | undefined): CreateOptions {
  const b = body as {
    Image?: string;
    Cmd?: string[] | string | null;
    Entrypoint?: string[] | string | null;
    Env?: string[] | null;
    WorkingDir?: string;
    Hostname?: string;
    User?: string;
    Tty?: boolean;
    OpenStdin?: boolean;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    StopTimeout?: number | null;
    ExposedPorts?: Record<string, object> | null;
    HostConfig?: Record<string, unknown>;
    NetworkingConfig?: NetworkingConfig;
  };
  if (!b.Image || typeof b.Image !== 'string') throw new InvalidArgument('Config cannot be empty in order to create a container');
  const list = (v: string[] | string | null | undefined) => (v === undefined || v === null ? undefined : typeof v === 'string' ? [v] : v);
  const ep = list(b.Entrypoint);
  return {
    image: b.Image,
    name,
    cmd: list(b.Cmd) ?? [],
    // [""] is the CLI's --entrypoint "": no entrypoint at all.
    entrypoint: ep === undefined ? undefined : ep.length === 0 || (ep.length === 1 && ep[0] === '') ? null : ep,
    env: b.Env ?? [],
    workdir: b.WorkingDir || undefined,
    hostname: b.Hostname || undefined,
    user: b.User || undefined,
    tty: !!b.Tty,
    interactive: !!b.OpenStdin,
    labels: b.Labels ?? {},
    stopSignal: b.StopSignal || undefined,
    stopTimeout: typeof b.StopTimeout === 'number' ? b.StopTimeout : undefined,
    hostConfig: checkHostConfig(b.HostConfig),
    networkingConfig: b.NetworkingConfig?.EndpointsConfig && Object.keys(b.NetworkingConfig.EndpointsConfig).length ? b.NetworkingConfig : undefined,
    exposedPorts: Object.keys(b.ExposedPorts ?? {}),
  };
}

/** Docker's stats document, from two samples (pre is the one before, or zeros). */
function statsDoc(c: ContainerView, s: Sample, pre: Sample | undefined) {
  const cpu = (x: Sample | undefined) => ({
    cpu_usage: { total_usage: x?.cpu ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: x?.system ?? 0,
    online_cpus: cpus().length,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  });
  return {
    read: new Date(s.at).toISOString(),
    preread: pre ? new Date(pre.at).toISOString() : '0001-01-01T00:00:00Z',
    pids_stats: { current: s.pids },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 0, minor: 0, op: 'read', value: s.read },
        { major: 0, minor: 0, op: 'write', value: s.write },
      ],
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpu(s),
    precpu_stats: cpu(pre),
    memory_stats: { usage: s.mem, stats: {}, limit: s.limit },
    name: `/${c.name}`,
    id: c.id,
    networks: { eth0: { rx_bytes: s.rx, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: s.tx, tx_packets: 0, tx_errors: 0, tx_dropped: 0 } },
  };
}

const KIND = { C: 0, A: 1, D: 2 } as const;

/** Resolve the container first, so a missing one is a 404 before any stream starts. */
async function container(r: ApiRequest, store: Parameters<typeof getContainer>[0]) {
  return getContainer(store, r.params.id);
}

async function attach(r: ApiRequest, store: Parameters<typeof getContainer>[0], ws = false): Promise<void> {
  const c = await container(r, store);
  const q = r.query;
  const tty = !!c.config.Tty;
  // attach/ws, as dockerd: never multiplexed (stdout and stderr are both plain
  // messages), binary messages from API 1.28, and before 1.42 all three streams
  // whatever the query says.
  const all = ws && versionCompare(r.version, '1.42') < 0;
  const want = (s: string) => all || q.bool(s);
  const wantStdin = want('stdin');
  const detachKeys = q.str('detachKeys') || undefined;
  const conn = ws ? r.websocket(versionCompare(r.version, '1.28') >= 0) : r.hijack(tty ? RAW_STREAM : MUX_STREAM);
  const io = connectionStreams(conn, tty || ws, wantStdin);
  if (!want('stdout')) io.stdout = discard();
  if (!want('stderr')) io.stderr = discard();
  try {
    if (q.bool('logs')) await streamLogs(store, c.id, {}, (e) => (e.stream === 'stderr' ? io.stderr : io.stdout).write(Buffer.from(e.log)));
    if (!q.bool('stream')) return;
    const now = await getContainer(store, c.id);
    if (isRunning(now.state)) {
      await attachRunning(store, c.id, { stdin: wantStdin, detachKeys }, io);
      return;
    }
    // Not started yet: wait for the start (or the client to leave).
    // Resolving with the start's exit promise adopts it: this waits until the run ends (or the client leaves).
    await new Promise<Promise<number> | Error | undefined>((resolve) => {
      const p: PendingAttach = { io, stdin: wantStdin, detachKeys, take: resolve };
      pending.set(c.id, [...(pending.get(c.id) ?? []), p]);
      conn.once('close', () => {
        const list = pending.get(c.id)?.filter((x) => x !== p) ?? [];
        if (list.length) pending.set(c.id, list);
        else pending.delete(c.id);
        resolve(undefined);
      });
    });
  } finally {
    await new Promise<void>((res) => (conn.writableEnded || conn.destroyed ? res() : conn.end(res)));
    conn.destroy();
  }
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

async function logs(r: ApiRequest, store: Parameters<typeof getContainer>[0]): Promise<void> {
  const c = await container(r, store);
  const q = r.query;
  const out = q.bool('stdout');
  const err = q.bool('stderr');
  if (!out && !err) throw new InvalidArgument('Bad parameters: you must choose at least one stream');
  const tty = !!c.config.Tty;
  const tail = q.str('tail');
  const since = q.str('since');
  const until = q.str('until');
  const opts = {
    follow: q.bool('follow'),
    tail: tail === undefined || tail === 'all' || tail === '' || Number(tail) < 0 ? undefined : Number(tail),
    since: since && since !== '0' ? parseTime(since) : undefined,
    until: until && until !== '0' ? parseTime(until) : undefined,
    signal: clientGone(r),
  };
  if (opts.tail !== undefined && !Number.isInteger(opts.tail)) throw new InvalidArgument(`invalid tail '${tail}'`);
  const res = r.res;
  res.writeHead(200, { 'Content-Type': tty ? RAW_STREAM : MUX_STREAM });
  res.flushHeaders();
  const ts = q.bool('timestamps');
  const write = (e: LogEntry) => {
    if ((e.stream === 'stderr' && !err) || (e.stream !== 'stderr' && !out)) return;
    const body = Buffer.from(ts ? `${e.time} ${e.log}` : e.log);
    if (tty) res.write(body);
    else {
      const head = Buffer.alloc(8);
      head[0] = e.stream === 'stderr' ? 2 : 1;
      head.writeUInt32BE(body.length, 4);
      res.write(Buffer.concat([head, body]));
    }
  };
  await streamLogs(store, c.id, opts, write);
  res.end();
}

async function stats(r: ApiRequest, store: Parameters<typeof getContainer>[0], closing: Promise<void>): Promise<void> {
  const c = await container(r, store);
  const stream = r.query.bool('stream', true);
  const oneShot = r.query.bool('one-shot');
  const gone = clientGone(r);
  let closed = false;
  void closing.then(() => (closed = true));
  const take = async () => (isRunning((await getContainer(store, c.id)).state) ? sample(c) : undefined);
  const zero = (): Sample => ({ at: Date.now(), cpu: 0, system: 0, mem: 0, limit: 0, pids: 0, rx: 0, tx: 0, read: 0, write: 0 });
  if (!stream) {
    let pre: Sample | undefined;
    // As dockerd: a non-streamed read takes two samples a second apart, so precpu is filled; one-shot takes one.
    if (!oneShot) {
      pre = (await take()) ?? undefined;
      if (pre) await sleep(1000);
    }
    sendJson(r.res, 200, statsDoc(c, (await take()) ?? zero(), pre));
    return;
  }
  r.res.writeHead(200, { 'Content-Type': 'application/json' });
  r.res.flushHeaders();
  let pre: Sample | undefined;
  while (!gone.aborted && !closed) {
    const s = (await take()) ?? zero();
    r.res.write(JSON.stringify(statsDoc(c, s, pre)) + '\n');
    pre = s;
    await sleep(1000);
  }
  r.res.end();
}

/**
 * Identical requests share one computation: one asked while another is being
 * computed waits for it to end and joins the next, shared by all that came
 * meanwhile. Each answer is computed after its request arrived, so a client
 * sees its own changes, and 20 clients polling the same list cost about one.
 */
export function batched<T>(): (key: string, compute: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<T>>();
  const queued = new Map<string, Promise<T>>();
  const run = (key: string, compute: () => Promise<T>): Promise<T> => {
    const p: Promise<T> = compute().finally(() => {
      if (inFlight.get(key) === p) inFlight.delete(key);
    });
    inFlight.set(key, p);
    return p;
  };
  return (key, compute) => {
    const q = queued.get(key);
    if (q) return q;
    const cur = inFlight.get(key);
    if (!cur) return run(key, compute);
    const p = cur
      .catch(() => undefined)
      .then(() => {
        queued.delete(key);
        return run(key, compute);
      });
    queued.set(key, p);
    return p;
  };
}
const listings = batched<unknown[]>();

function pathStatHeader(st: Awaited<ReturnType<typeof statInContainer>>): string {
  return Buffer.from(JSON.stringify(st)).toString('base64');
}

const routes: Route[] = [
  {
    method: 'GET',
    path: '/containers/json',
    handler: async (r, { store }) => {
      const f = r.query.filters();
      const list: string[] = [];
      for (const [k, vs] of f) for (const v of vs) list.push(`${k}=${v}`);
      const filters = parseFilters(list);
      const all = r.query.bool('all');
      const limit = r.query.int('limit');
      const body = await listings(new URL(r.req.url ?? '', 'http://x').search, async () => {
        let cs = (await listContainers(store)).filter((c) => (all || isRunning(c.state) || f.has('status')) && matches(c, filters));
        cs.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
        if (limit !== undefined && limit > 0) cs = cs.slice(0, limit);
        return cs.map((c) => listEntry(store, c));
      });
      sendJson(r.res, 200, body);
    },
  },
  {
    method: 'POST',
    path: '/containers/create',
    handler: async (r, { store }) => {
      const body = await readJson(r.req);
      const name = r.query.str('name')?.replace(/^\//, '') || undefined;
      const rec = await createContainer(store, createOptions(body, name));
      sendJson(r.res, 201, { Id: rec.id, Warnings: [] });
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/json',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      // The same document as `dockerlite inspect` (engine/container/inspect.ts).
      sendJson(r.res, 200, await inspectContainer(store, c, { size: r.query.bool('size'), health: await healthOf(store, c) }));
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/start',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      if (isRunning(c.state)) return sendEmpty(r.res, 304);
      const p = takePending(c.id);
      if (!p) {
        await startDetached(store, c);
        return sendEmpty(r.res, 204);
      }
      try {
        const { exit } = await startAttached(store, c, { interactive: p.stdin && !!c.config.OpenStdin, detachKeys: p.detachKeys }, p.io);
        p.take(exit);
      } catch (e) {
        p.take(e as Error);
        throw e;
      }
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/stop',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      if (!isRunning(c.state)) return sendEmpty(r.res, 304);
      await stopContainer(store, c.id, { timeoutSec: r.query.int('t'), signal: r.query.str('signal') || undefined });
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/restart',
    handler: async (r, { store }) => {
      await restartContainer(store, r.params.id, { timeoutSec: r.query.int('t'), signal: r.query.str('signal') || undefined });
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/kill',
    handler: async (r, { store }) => {
      await killContainer(store, r.params.id, r.query.str('signal') || 'SIGKILL');
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/wait',
    handler: async (r, { store }) => {
      // As dockerd: a condition it does not know means not-running.
      const asked = r.query.str('condition') ?? '';
      const cond: WaitCondition = asked === 'next-exit' || asked === 'removed' ? asked : 'not-running';
      const c = await container(r, store);
      // dockerd sends the headers at once: the client knows the wait is in place before it starts the container.
      r.res.writeHead(200, { 'Content-Type': 'application/json' });
      r.res.flushHeaders();
      const code = await waitContainer(store, c.id, cond, clientGone(r));
      r.res.end(JSON.stringify({ Error: null, StatusCode: code }) + '\n');
    },
  },
  { method: 'POST', path: '/containers/{id}/attach', handler: (r, { store }) => attach(r, store) },
  { method: 'GET', path: '/containers/{id}/attach/ws', handler: (r, { store }) => attach(r, store, true) },
  { method: 'GET', path: '/containers/{id}/logs', handler: (r, { store }) => logs(r, store) },
  {
    method: 'POST',
    path: '/containers/{id}/resize',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      const h = r.query.int('h') ?? 0;
      const w = r.query.int('w') ?? 0;
      if (!isRunning(c.state)) throw new HttpError(409, `Container ${c.id} is not running`);
      if (h > 0 && w > 0) await resizeContainer(store, c.id, h, w).catch(() => {});
      sendEmpty(r.res, 200);
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/top',
    handler: async (r, { store }) => {
      const psArgs = (r.query.str('ps_args') ?? '').split(/\s+/).filter(Boolean);
      const t = await topContainer(store, r.params.id, psArgs);
      sendJson(r.res, 200, { Titles: t.titles, Processes: t.processes });
    },
  },
  { method: 'GET', path: '/containers/{id}/stats', handler: (r, { store, closing }) => stats(r, store, closing) },
  {
    method: 'GET',
    path: '/containers/{id}/changes',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      const changes = await containerChanges(store, c);
      sendJson(
        r.res,
        200,
        changes.map((x) => ({ Path: x.path, Kind: KIND[x.kind] })),
      );
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/export',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      r.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
      await exportContainer(store, c.id, r.res);
    },
  },
  {
    method: 'HEAD',
    path: '/containers/{id}/archive',
    handler: async (r, { store }) => {
      const path = r.query.str('path');
      if (!path) throw new InvalidArgument('path is required');
      const st = await statInContainer(store, r.params.id, path);
      r.res.writeHead(200, { 'X-Docker-Container-Path-Stat': pathStatHeader(st), 'Content-Type': 'application/json' });
      r.res.end();
    },
  },
  {
    method: 'GET',
    path: '/containers/{id}/archive',
    handler: async (r, { store }) => {
      const path = r.query.str('path');
      if (!path) throw new InvalidArgument('path is required');
      const c = await container(r, store);
      const st = await statInContainer(store, c.id, path);
      r.res.writeHead(200, { 'X-Docker-Container-Path-Stat': pathStatHeader(st), 'Content-Type': 'application/x-tar' });
      await tarFromContainer(store, { container: c.id, path }, r.res);
    },
  },
  {
    method: 'PUT',
    path: '/containers/{id}/archive',
    handler: async (r, { store }) => {
      const path = r.query.str('path');
      if (!path) throw new InvalidArgument('path is required');
      const c = await container(r, store);
      if (c.hostConfig.ReadonlyRootfs) throw new HttpError(403, 'container rootfs is marked read-only');
      await untarToContainer(store, c.id, path, r.req, { warn: (m) => store.warn(m) });
      sendEmpty(r.res, 200);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/rename',
    handler: async (r, { store }) => {
      const name = r.query.str('name');
      if (!name) throw new InvalidArgument('name is required');
      await renameContainer(store, r.params.id, name.replace(/^\//, ''));
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/pause',
    handler: async (r, { store }) => {
      await pauseContainer(store, r.params.id, true);
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/unpause',
    handler: async (r, { store }) => {
      await pauseContainer(store, r.params.id, false);
      sendEmpty(r.res, 204);
    },
  },
  {
    method: 'POST',
    path: '/containers/{id}/update',
    handler: async (r, { store }) => {
      const c = await container(r, store);
      const body = (await readJson(r.req, {})) as Record<string, unknown>;
      // The fields `docker update` sends that the engine applies; others present are refused, never ignored.
      const APPLIED = [
        'Memory',
        'MemorySwap',
        'MemoryReservation',
        'NanoCpus',
        'CpuShares',
        'CpuQuota',
        'CpuPeriod',
        'CpusetCpus',
        'PidsLimit',
        'RestartPolicy',
      ];
      const ch: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(body)) {
        if (v === null || v === undefined || v === 0 || v === '' || (Array.isArray(v) && !v.length)) continue;
        if (k === 'RestartPolicy' && typeof v === 'object' && !(v as { Name?: string }).Name) continue;
        if (!APPLIED.includes(k)) throw new InvalidArgument(`updating ${k} is not supported by dockerlite`);
        if (k === 'CpusetCpus' ? typeof v !== 'string' : k === 'RestartPolicy' ? typeof v !== 'object' : typeof v !== 'number')
          throw new InvalidArgument(`invalid ${k}: ${JSON.stringify(v)}`);
        ch[k] = v;
      }
      await updateContainer(store, c.id, ch);
      sendJson(r.res, 200, { Warnings: [] });
    },
  },
  {
    method: 'POST',
    path: '/containers/prune',
    handler: async (r, { store }) => {
      const f = r.query.filters();
      const labels = f.get('label') ?? [];
      const until = f.get('until')?.[0];
      const cutoff = until ? parseTime(until) : undefined;
      for (const k of f.keys()) if (k !== 'label' && k !== 'until') throw new InvalidArgument(`invalid filter '${k}'`);
      const label = parseFilters(labels.map((l) => `label=${l}`));
      const res = await pruneContainers(store, { filter: (c) => matches(c, label) && (cutoff === undefined || Date.parse(c.created) < cutoff) });
      sendJson(r.res, 200, { ContainersDeleted: res.containers, SpaceReclaimed: res.reclaimed });
    },
  },
  {
    method: 'DELETE',
    path: '/containers/{id}',
    handler: async (r, { store }) => {
      if (r.query.bool('link')) throw new InvalidArgument('legacy links are not supported by dockerlite, so there is no link to remove');
      await removeContainer(store, r.params.id, { force: r.query.bool('force'), volumes: r.query.bool('v') });
      sendEmpty(r.res, 204);
    },
  },
];
export default routes;
