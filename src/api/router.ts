// A small router: each group of endpoints is a file in routes/ exporting a
// list of routes (method, path pattern with {params}, handler). Paths may be
// versioned, /v1.NN/..., and the version reaches the handler.
import type { Store } from '../store/store.js';
import { HttpError, MIN_API_VERSION, API_VERSION, versionCompare, type ApiRequest } from './http.js';

/** What every handler gets besides the request: the store and the server's own state. */
export interface ServerContext {
  store: Store;
  /** Resolved when the server begins to shut down: long streams (logs -f, stats, events) end. */
  closing: Promise<void>;
  /** The server's start, for /info and /version. */
  startedAt: Date;
}

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
export type Handler = (r: ApiRequest, ctx: ServerContext) => Promise<void> | void;

export interface Route {
  method: Method | Method[];
  /** e.g. "/containers/{id}/json"; a param matches one path segment. */
  path: string;
  handler: Handler;
}

interface Compiled {
  methods: Method[];
  re: RegExp;
  names: string[];
  handler: Handler;
}

export class Router {
  private routes: Compiled[] = [];

  add(routes: Route[]): void {
    for (const r of routes) {
      const names: string[] = [];
      // A {name} matches one segment; {name:*} (a path in the container, say) matches the rest.
      const src = r.path.replace(/[.+?^$()[\]\\|]/g, '\\$&').replace(/\{(\w+)(:\*)?\}/g, (_m, n: string, rest?: string) => {
        names.push(n);
        return rest ? '(.+)' : '([^/]+)';
      });
      this.routes.push({ methods: Array.isArray(r.method) ? r.method : [r.method], re: new RegExp(`^${src}/?$`), names, handler: r.handler });
    }
  }

  /** Split the version off a path: "/v1.40/containers/json" -> ["1.40", "/containers/json"]. */
  static version(path: string): { version: string; path: string } {
    const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
    if (!m) return { version: API_VERSION, path };
    const v = m[1];
    // dockerd's messages (api/server/middleware/version.go).
    if (versionCompare(v, API_VERSION) > 0) throw new HttpError(400, `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`);
    if (versionCompare(v, MIN_API_VERSION) < 0)
      throw new HttpError(
        400,
        `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
      );
    return { version: v, path: m[2] };
  }

  /** The handler for method and (unversioned) path, or a 404 as dockerd's "page not found". HEAD falls back to GET. */
  match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    for (const want of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
      for (const r of this.routes) {
        if (!r.methods.includes(want as Method)) continue;
        const m = r.re.exec(path);
        if (!m) continue;
        const params: Record<string, string> = {};
        r.names.forEach((n, i) => {
          try {
            params[n] = decodeURIComponent(m[i + 1]);
          } catch {
            throw new HttpError(400, `invalid path parameter ${n}`);
          }
        });
        return { handler: r.handler, params };
      }
    }
    throw new HttpError(404, 'page not found');
  }
}
