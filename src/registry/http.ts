// HTTP for registries, on node:http/https: keep-alive agents per host and TLS
// setup, an inactivity timeout (a hanging registry is an error, not a hang),
// redirects (blob storage often lives elsewhere; credentials are not sent
// there), and network failures turned into one clear error.
import http, { type IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { Unavailable } from '../errors.js';

export interface TlsOptions {
  ca?: string[];
  cert?: string;
  key?: string;
  /** false only for insecure registries. */
  verify: boolean;
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** A buffer, or a function that opens the body afresh (so a redirect can send it again). */
  body?: Buffer | (() => Readable);
  /** Needed with a streamed body; without it the body is sent chunked. */
  bodyLength?: number;
  tls: (url: URL) => TlsOptions;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Follow redirects for GET/HEAD (default true). */
  follow?: boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Where the answer came from, after redirects. */
  url: URL;
  body: IncomingMessage;
  /** Turn an error met while reading the body into a clear one (a stall is a timeout). */
  bodyError(e: unknown): Error;
}

/** A network-level failure: no answer, a reset, a timeout, a TLS failure. */
export class NetworkError extends Unavailable {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const agents = new Map<string, http.Agent>();

/** An HTTPS agent's TLS options. Unverified, no trust store is needed: an empty one spares loading the system's (~25 ms of CPU at the first connection). */
export function httpsAgentOptions(tls: TlsOptions): https.AgentOptions {
  return { rejectUnauthorized: tls.verify, ca: tls.ca ?? (tls.verify ? undefined : []), cert: tls.cert, key: tls.key };
}

function agentFor(url: URL, tls: TlsOptions): http.Agent {
  const key = `${url.protocol}//${url.host} ${tls.verify} ${tls.ca?.length ?? 0} ${tls.cert ? 'c' : ''}`;
  let a = agents.get(key);
  if (!a) {
    a =
      url.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 8, ...httpsAgentOptions(tls) })
        : new http.Agent({ keepAlive: true, maxSockets: 8 });
    agents.set(key, a);
  }
  return a;
}

/** Close idle keep-alive sockets so the process can exit at once. */
export function closeAgents(): void {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

function describeNetError(e: NodeJS.ErrnoException, url: URL, timeoutMs: number): NetworkError {
  const code = e.code ?? 'ERR';
  const where = `${url.protocol}//${url.host}`;
  if (code === 'ETIMEDOUT' || code === 'ERR_DL_TIMEOUT')
    return new NetworkError(
      `${where} did not answer within ${timeoutMs / 1000}s (it may be hanging); try again later, or raise DOCKERLITE_REGISTRY_TIMEOUT`,
      'ETIMEDOUT',
    );
  if (code === 'ECONNREFUSED') return new NetworkError(`cannot connect to ${where}: connection refused (is the registry running?)`, code);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new NetworkError(`cannot resolve ${url.hostname}: no such host`, code);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new NetworkError(
      `TLS certificate of ${where} is not trusted (${e.message}); put its CA in <certs.d>/${url.host}/ca.crt (DOCKERLITE_CERTS_D, default /etc/docker/certs.d), or mark it insecure`,
      code,
    );
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return new NetworkError(`${where} closed the connection (${e.message})`, code);
  return new NetworkError(`request to ${where} failed: ${e.message}`, code);
}

function once(req: HttpRequest, url: URL): Promise<HttpResponse> {
  const tls = req.tls(url);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'User-Agent': 'dockerlite', ...(req.headers ?? {}) };
    if (Buffer.isBuffer(req.body)) headers['Content-Length'] = String(req.body.length);
    else if (req.body && req.bodyLength !== undefined) headers['Content-Length'] = String(req.bodyLength);
    else if (!req.body && (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH')) headers['Content-Length'] = '0';
    const r = lib.request(url, { method: req.method, headers, agent: agentFor(url, tls), signal: req.signal });
    let settled = false;
    let timedOut = false;
    r.setTimeout(req.timeoutMs, () => {
      timedOut = true;
      r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }));
    });
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (e.name === 'AbortError') reject(e);
      else reject(describeNetError(e, url, req.timeoutMs));
    });
    r.on('response', (res) => {
      settled = true;
      // A body stalled mid-way reports as a timeout, with a clear message.
      res.on('error', () => {});
      const bodyError = (e: unknown): Error => {
        if ((e as Error)?.name === 'AbortError' || e instanceof Unavailable) return e as Error;
        if (timedOut) return describeNetError({ code: 'ETIMEDOUT' } as NodeJS.ErrnoException, url, req.timeoutMs);
        return describeNetError(e as NodeJS.ErrnoException, url, req.timeoutMs);
      };
      resolve({ status: res.statusCode ?? 0, headers: res.headers, url, body: res, bodyError });
    });
    if (Buffer.isBuffer(req.body)) r.end(req.body);
    else if (req.body) {
      const src = req.body();
      src.on('error', (e) => r.destroy(e));
      src.pipe(r);
    } else r.end();
  });
}

/** Send a request, following redirects for reads. The caller consumes or discards the body. */
export async function send(req: HttpRequest): Promise<HttpResponse> {
  let url = req.url;
  let headers = req.headers ?? {};
  for (let hops = 0; ; hops++) {
    const res = await once({ ...req, headers }, url);
    const loc = res.headers.location;
    const follow = req.follow !== false && (req.method === 'GET' || req.method === 'HEAD');
    if (!follow || ![301, 302, 303, 307, 308].includes(res.status) || !loc) return res;
    res.body.resume();
    if (hops >= 5) throw new Unavailable(`too many redirects from ${req.url.host}`);
    const next = new URL(loc, url);
    // Credentials for the registry are not for wherever it sends us.
    if (next.host !== url.host) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
    url = next;
  }
}

/** Read a whole body, refusing more than max bytes (manifests, configs, errors are small). */
export async function readBody(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > max) {
        res.body.destroy();
        throw new Unavailable(`${what} from ${res.url.host} is larger than ${max} bytes; refusing it`);
      }
      parts.push(c as Buffer);
    }
  } catch (e) {
    throw res.bodyError(e);
  }
  return Buffer.concat(parts);
}

/** Discard a body so the connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}
