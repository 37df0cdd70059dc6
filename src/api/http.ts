// HTTP plumbing shared by every route file: replies, errors mapped to
// dockerd's statuses, JSON bodies with a size limit, query helpers, hijacking.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { DockerliteError, InvalidArgument, describe } from '../errors.js';

/** The API version this server speaks (the spec in shared/), and the oldest it accepts. */
export const API_VERSION = '1.51';
export const MIN_API_VERSION = '1.24';
/** JSON bodies (create, exec, update...) are small; anything bigger is refused before it is buffered. */
export const MAX_JSON_BODY = 8 * 1024 * 1024;

/** An HTTP error with dockerd's status; handlers may throw it, engine errors are mapped by kind. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** dockerd's statuses by error kind: 404 missing, 409 conflict, 400 bad parameter, 500 otherwise. */
export function statusOf(err: unknown): number {
  if (err instanceof HttpError) return err.status;
  if (err instanceof DockerliteError) {
    switch (err.kind) {
      case 'NotFound':
        return 404;
      case 'Conflict':
        return 409;
      case 'InvalidArgument':
        return 400;
      case 'Unauthorized':
        return 401;
      case 'PermissionDenied':
        return 403;
      case 'Unavailable':
        return 501;
    }
  }
  return 500;
}

export function messageOf(err: unknown): string {
  if (err instanceof DockerliteError && err.dockerMessage) return err.dockerMessage;
  return err instanceof HttpError ? err.message : describe(err);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Read the whole body, refusing one above limit with 413 (dockerd has no limit; a bounded server cannot be exhausted by one client). */
export async function readBody(req: IncomingMessage, limit = MAX_JSON_BODY): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, `request body too large: ${declared} bytes, the limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new HttpError(413, `request body too large: more than ${limit} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

/** A JSON body; an empty one is `fallback`. Malformed JSON is 400, as dockerd's "invalid JSON" (its statuses). */
export async function readJson<T = Record<string, unknown>>(req: IncomingMessage, fallback?: T): Promise<T> {
  const buf = await readBody(req);
  if (!buf.length || !buf.toString().trim()) {
    if (fallback !== undefined) return fallback;
    throw new HttpError(400, 'invalid JSON: empty request body');
  }
  try {
    return JSON.parse(buf.toString('utf8')) as T;
  } catch (e) {
    throw new HttpError(400, `invalid JSON: ${(e as Error).message}`);
  }
}

/** Query helpers, with dockerd's parsing: bools are 1/true/True (anything but ""/0/false/False... counts). */
export class Query {
  constructor(readonly params: URLSearchParams) {}
  str(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }
  all(name: string): string[] {
    return this.params.getAll(name);
  }
  has(name: string): boolean {
    return this.params.has(name);
  }
  /** dockerd's BoolValue: "", "0", "no", "false", "none" are false (any case); anything else true. */
  bool(name: string, dflt = false): boolean {
    const v = this.params.get(name);
    if (v === null) return dflt;
    return !['', '0', 'no', 'false', 'none'].includes(v.trim().toLowerCase());
  }
  int(name: string): number | undefined {
    const v = this.params.get(name);
    if (v === null || v === '') return undefined;
    if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgument(`invalid ${name} value '${v}': not an integer`);
    return Number(v);
  }
  /** The `filters` parameter: {"name":["a"]} or the old {"name":{"a":true}} form, as name -> values. */
  filters(name = 'filters'): Map<string, string[]> {
    const out = new Map<string, string[]>();
    const v = this.params.get(name);
    if (!v) return out;
    let raw: unknown;
    try {
      raw = JSON.parse(v);
    } catch {
      throw new InvalidArgument(`invalid filter '${v}': not JSON`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidArgument(`invalid filter '${v}': not an object`);
    for (const [k, val] of Object.entries(raw as Record<string, unknown>)) {
      if (Array.isArray(val)) out.set(k, val.map(String));
      else if (val && typeof val === 'object')
        out.set(
          k,
          Object.entries(val as Record<string, unknown>)
            .filter(([, on]) => on)
            .map(([x]) => x),
        );
      else throw new InvalidArgument(`invalid filter '${k}': values must be a list`);
    }
    return out;
  }
}

/** A request as route handlers see it. */
export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters (`{id}` in the route's pattern), decoded. */
  params: Record<string, string>;
  query: Query;
  /** The API version of the request: from /v1.NN/, else the server's. */
  version: string;
  /** The client asked to upgrade the connection (attach, exec start): hijack() answers 101. */
  upgrade: boolean;
  /**
   * Take over the connection for a raw stream (attach, exec start), as dockerd:
   * 101 UPGRADED with `Upgrade: tcp` when the client asked for it, else 200
   * and the stream on the open response. Returns the duplex to use.
   */
  hijack(contentType?: string): Duplex;
  /**
   * Take over the connection as a WebSocket (attach/ws): 101 Switching
   * Protocols, then messages both ways; binary or text messages out.
   * A request that is not a WebSocket handshake is a 400.
   */
  websocket(binary: boolean): Duplex;
}

/** Compare dotted API versions ("1.24" < "1.51"). */
export function versionCompare(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}
