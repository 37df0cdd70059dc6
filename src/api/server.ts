// The Docker Engine API server on node:http: a unix socket and/or TCP
// (TLS for anything but loopback), dockerd's headers, errors as
// {"message": ...}, hijacked connections for attach and exec, an idle
// timeout and a graceful stop. Routes live in routes/<group>.ts.
import { createServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import { PassThrough, Duplex } from 'node:stream';
import { API_VERSION, HttpError, messageOf, Query, sendJson, statusOf, type ApiRequest } from './http.js';
import { Router, type ServerContext } from './router.js';
import { acceptWebSocket } from './websocket.js';
import { ROUTE_GROUPS } from './routes/index.js';
import type { Store } from '../store/store.js';
import { TextCache } from '../store/json.js';

export interface TlsOptions {
  cert: Buffer;
  key: Buffer;
  /** With a CA, clients must present a certificate it signed (--tlsverify). */
  ca?: Buffer;
}

export interface ApiServerOptions {
  store: Store;
  tls?: TlsOptions;
  /** Errors of the server itself (a handler that failed after replying), for the log. */
  log?: (line: string) => void;
  /** Log every request (serve -D, or DOCKERLITE_DEBUG). */
  trace?: boolean;
}

/** Headers dockerd puts on every reply; clients read Api-Version to negotiate. */
const COMMON_HEADERS: Record<string, string> = {
  'Api-Version': API_VERSION,
  'Docker-Experimental': 'false',
  Ostype: 'linux',
  Server: 'Docker/dockerlite (linux)',
};

export class ApiServer {
  readonly servers: Server[] = [];
  private readonly router = new Router();
  private readonly sockets = new Set<Socket>();
  /** Requests being served (hijacked streams included): the idle timer runs only at zero. */
  private active = 0;
  private idleListeners: Array<(idle: boolean) => void> = [];
  private closeSignal!: () => void;
  readonly ctx: ServerContext;

  private constructor(private readonly opts: ApiServerOptions) {
    const closing = new Promise<void>((r) => (this.closeSignal = r));
    this.ctx = { store: opts.store, closing, startedAt: new Date() };
  }

  /** A server with every route group loaded. */
  static async create(opts: ApiServerOptions): Promise<ApiServer> {
    const s = new ApiServer(opts);
    // Listings read every container's record per request: keep their text while the files are unchanged.
    opts.store.textCache ??= new TextCache();
    for (const load of ROUTE_GROUPS) s.router.add((await load()).default);
    return s;
  }

  private newHttpServer(): Server {
    const tls = this.opts.tls;
    const srv = tls ? createTlsServer({ cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: !!tls.ca, rejectUnauthorized: !!tls.ca }) : createServer();
    // Long streams (logs -f, events, wait) must not be cut by node's default timeouts.
    srv.requestTimeout = 0;
    srv.headersTimeout = 60_000;
    srv.keepAliveTimeout = 5_000;
    srv.on('connection', (sock: Socket) => {
      this.sockets.add(sock);
      sock.on('close', () => this.sockets.delete(sock));
      sock.on('error', () => {}); // a client that vanishes is not the server's problem
    });
    srv.on('secureConnection', (sock: Socket) => {
      sock.on('error', () => {});
    });
    srv.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res, undefined));
    srv.on('upgrade', (req: IncomingMessage, sock: Socket, head: Buffer) => {
      // node hands an upgrade request over with its bare socket; give it a response object so handlers are the same.
      const res = new ServerResponse(req);
      res.assignSocket(sock);
      if (head.length) sock.unshift(head);
      void this.handle(req, res, sock);
    });
    srv.on('clientError', (_err, sock: Socket) => {
      if (sock.writable)
        sock.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"malformed HTTP request"}\n');
      else sock.destroy();
    });
    return srv;
  }

  /** Listen on a unix socket path or a TCP host:port; resolves once listening. */
  async listen(where: { path: string } | { host: string; port: number } | { fd: number }): Promise<Server> {
    const srv = this.newHttpServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      if ('fd' in where) srv.listen({ fd: where.fd }, resolve);
      else if ('path' in where) srv.listen(where.path, resolve);
      else srv.listen(where.port, where.host, resolve);
    });
    srv.on('error', (e) => this.opts.log?.(`server error: ${messageOf(e)}`));
    this.servers.push(srv);
    return srv;
  }

  /** Called with true when the server goes idle (no request in flight) and false when busy again. */
  onIdle(fn: (idle: boolean) => void): void {
    this.idleListeners.push(fn);
  }

  private busy(delta: number): void {
    const was = this.active;
    this.active += delta;
    if (was === 0 && this.active > 0) this.idleListeners.forEach((f) => f(false));
    if (was > 0 && this.active === 0) this.idleListeners.forEach((f) => f(true));
  }

  private async handle(req: IncomingMessage, res: ServerResponse, upgradeSocket: Socket | undefined): Promise<void> {
    this.busy(1);
    const t0 = this.opts.trace ? performance.now() : 0;
    if (this.opts.trace) this.opts.log?.(`${req.method} ${req.url}${upgradeSocket ? ' (upgrade)' : ''}`);
    let hijacked = false;
    for (const [k, v] of Object.entries(COMMON_HEADERS)) res.setHeader(k, v);
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const { version, path } = Router.version(url.pathname);
      const { handler, params } = this.router.match(req.method ?? 'GET', path);
      const r: ApiRequest = {
        req,
        res,
        params,
        query: new Query(url.searchParams),
        version,
        upgrade: !!upgradeSocket,
        hijack: (contentType = 'application/vnd.docker.raw-stream') => {
          hijacked = true;
          return upgradeSocket ? hijackUpgrade(res, upgradeSocket, contentType) : hijackPlain(req, res, contentType);
        },
        websocket: (binary) => {
          const key = req.headers['sec-websocket-key'];
          if (!upgradeSocket || String(req.headers.upgrade).toLowerCase() !== 'websocket' || typeof key !== 'string')
            throw new HttpError(400, 'not a websocket handshake');
          hijacked = true;
          res.detachSocket(upgradeSocket);
          return acceptWebSocket(upgradeSocket, key, binary, COMMON_HEADERS);
        },
      };
      await handler(r, this.ctx);
      if (!hijacked && !res.writableEnded && !res.headersSent) res.writeHead(204).end();
      else if (!hijacked && !res.writableEnded) res.end();
    } catch (err) {
      if (hijacked || res.headersSent) {
        // Too late for a status: the stream simply ends.
        if (statusOf(err) >= 500) this.opts.log?.(`${req.method} ${req.url}: ${messageOf(err)}`);
        if (upgradeSocket) upgradeSocket.destroy();
        else res.destroy();
      } else {
        const status = statusOf(err);
        if (status >= 500) this.opts.log?.(`${req.method} ${req.url}: ${messageOf(err)}`);
        // An unread body is drained so the connection can be reused; a refused oversized one closes it instead.
        if (status === 413) res.setHeader('Connection', 'close');
        else if (!req.complete) req.resume();
        sendJson(res, status, { message: messageOf(err) });
        if (upgradeSocket) res.on('finish', () => upgradeSocket.end());
      }
    } finally {
      this.busy(-1);
      if (this.opts.trace) this.opts.log?.(`${req.method} ${req.url}: ${res.statusCode} after ${(performance.now() - t0).toFixed(1)} ms`);
    }
  }

  /** Stop accepting, let requests finish for graceMs, then cut hijacked and streaming connections. */
  async close(graceMs = 5_000): Promise<void> {
    this.closeSignal();
    const closed = Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    for (const s of this.servers) s.closeIdleConnections();
    const timer = setTimeout(() => {
      for (const sock of this.sockets) sock.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}

/** 101 on the raw socket, as dockerd's hijack: the socket is then the stream both ways. */
function hijackUpgrade(res: ServerResponse, sock: Socket, contentType: string): Duplex {
  res.detachSocket(sock);
  const headers = [`HTTP/1.1 101 UPGRADED`, `Content-Type: ${contentType}`, 'Connection: Upgrade', 'Upgrade: tcp'];
  for (const [k, v] of Object.entries(COMMON_HEADERS)) headers.push(`${k}: ${v}`);
  sock.write(headers.join('\r\n') + '\r\n\r\n');
  sock.setNoDelay(true);
  return sock;
}

/** A client that did not ask to upgrade: 200 and the stream on the response; stdin is the request body. */
function hijackPlain(req: IncomingMessage, res: ServerResponse, contentType: string): Duplex {
  res.writeHead(200, { 'Content-Type': contentType });
  res.flushHeaders();
  const out = new PassThrough();
  out.pipe(res);
  return Duplex.from({ readable: req, writable: out });
}

export { HttpError };
