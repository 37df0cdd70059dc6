// A proxy in front of the real registry that misbehaves on request: answers
// 500, hangs, cuts a body short, stalls in the middle of one, ignores Range,
// flips bytes, or serves other content. The
// registry stays real; only the failure is staged, because docker-registry
// cannot be told to fail on cue.
import http from 'node:http';
import type { Socket } from 'node:net';

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'hang' }
  | { kind: 'truncate'; after: number }
  /** Send the first `after` bytes of the body, then nothing more, with the connection left open. */
  | { kind: 'stall'; after: number }
  /** Forward without the Range header, as a registry that cannot resume answers (200, the whole body). */
  | { kind: 'ignore-range' }
  | { kind: 'corrupt' }
  | { kind: 'replace'; body: Buffer; contentType: string };

export interface Rule {
  match: (method: string, path: string) => boolean;
  fault: Fault;
  /** Apply this many times, then pass through (default: always). */
  times?: number;
}

export class FaultProxy {
  rules: Rule[] = [];
  readonly seen: string[] = [];
  private server!: http.Server;
  private sockets = new Set<Socket>();
  port = 0;

  private constructor(private readonly target: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(target: string): Promise<FaultProxy> {
    const p = new FaultProxy(target);
    p.server = http.createServer((req, res) => p.handle(req, res));
    p.server.on('connection', (s) => {
      p.sockets.add(s);
      s.on('close', () => p.sockets.delete(s));
    });
    await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
    p.port = (p.server.address() as { port: number }).port;
    return p;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }

  private pick(method: string, path: string): Fault | undefined {
    for (const r of this.rules) {
      if (!r.match(method, path)) continue;
      if (r.times !== undefined) {
        if (r.times <= 0) continue;
        r.times--;
      }
      return r.fault;
    }
    return undefined;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    this.seen.push(`${method} ${path}`);
    const fault = this.pick(method, path);
    if (fault?.kind === 'hang') return; // never answer
    if (fault?.kind === 'status') {
      req.resume();
      res
        .writeHead(fault.status, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `staged failure ${fault.status}` }] }));
      return;
    }
    if (fault?.kind === 'replace') {
      req.resume();
      res
        .writeHead(200, { 'Content-Type': fault.contentType, 'Content-Length': fault.body.length, 'Docker-Distribution-Api-Version': 'registry/2.0' })
        .end(fault.body);
      return;
    }
    const headers = { ...req.headers };
    if (fault?.kind === 'ignore-range') delete headers.range;
    const up = http.request({ host: '127.0.0.1', port: Number(this.target.split(':')[1]), method, path, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      if (fault?.kind === 'stall') {
        let sent = 0;
        r.on('data', (c: Buffer) => {
          const room = fault.after - sent;
          if (room > 0) res.write(c.subarray(0, room));
          sent += c.length;
          if (sent >= fault.after) r.destroy(); // the client's socket stays open, waiting
        });
        return;
      }
      if (fault?.kind === 'truncate') {
        let sent = 0;
        r.on('data', (c: Buffer) => {
          const room = fault.after - sent;
          if (room > 0) res.write(c.subarray(0, room));
          sent += c.length;
          if (sent >= fault.after) {
            r.destroy();
            res.socket?.destroy();
          }
        });
        r.on('end', () => res.end());
        return;
      }
      if (fault?.kind === 'corrupt') {
        let first = true;
        r.on('data', (c: Buffer) => {
          const copy = Buffer.from(c);
          if (first && copy.length) copy[copy.length >> 1] ^= 0xff;
          first = false;
          res.write(copy);
        });
        r.on('end', () => res.end());
        return;
      }
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}
