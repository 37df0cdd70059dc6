// A client for one registry (OCI distribution spec v1.1 / Docker registry v2).
// It finds how to talk to the host (HTTPS, or HTTP for insecure registries,
// as Docker's fallback), authenticates as the registry asks, retries reads
// that fail for passing reasons, and turns registry errors into dockerlite's
// error kinds. Each method is one endpoint of the spec.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgument, NotFound, Unauthorized, Unavailable, DockerliteError } from '../errors.js';
import { Authorizer } from './auth.js';
import { getCredentials, type Credentials } from './credentials.js';
import { send, readBody, discard, NetworkError, type HttpResponse, type TlsOptions } from './http.js';
import { apiHost, hostname, ipFamily, isInsecure, registrySettings, tlsMaterial, type RegistrySettings } from './settings.js';
import { MANIFEST_ACCEPT } from '../oci/manifest.js';
import { sha256 } from '../store/ids.js';

export const MAX_MANIFEST = 4 << 20;

export interface RequestOptions {
  method: string;
  /** A path under the registry (/v2/...) or an absolute URL it handed out (upload locations). */
  path: string | URL;
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  bodyLength?: number;
  signal?: AbortSignal;
  /** Statuses that are answers, not errors (the caller handles them). */
  ok?: number[];
  /** What the request is for, in error messages. */
  what: string;
}

export function pullScope(repo: string): string {
  return `repository:${repo}:pull`;
}
export function pushScope(repo: string): string {
  return `repository:${repo}:pull,push`;
}

interface RegistryErrorBody {
  errors?: Array<{ code?: string; message?: string; detail?: unknown }>;
}

export class Registry {
  readonly host: string;
  private base?: URL;
  private insecure = false;
  private auth!: Authorizer;
  private ready?: Promise<void>;

  private constructor(
    readonly domain: string,
    readonly settings: RegistrySettings,
    private readonly creds: Credentials | undefined,
  ) {
    this.host = apiHost(domain);
  }

  /** A client for a reference's domain, with the stored credentials unless others are given. */
  static async connect(domain: string, o: { settings?: RegistrySettings; credentials?: Credentials | null } = {}): Promise<Registry> {
    const settings = o.settings ?? registrySettings();
    const creds = o.credentials === null ? undefined : (o.credentials ?? (await getCredentials(settings, domain)));
    return new Registry(domain, settings, creds);
  }

  /** TLS for a URL: the registry's own policy for it, loopback/listed hosts unverified elsewhere. */
  tls = (url: URL): TlsOptions => {
    const mat = tlsMaterial(url.host, this.settings);
    let verify: boolean;
    if (url.host === this.base?.host) verify = !this.insecure;
    else {
      const name = hostname(url.host);
      const listed = this.settings.insecure.includes(url.host) || this.settings.insecure.includes(name);
      const loop = name === 'localhost' || name === '::1' || (ipFamily(name) === 4 && name.startsWith('127.'));
      verify = !mat.ca && !(listed || loop);
    }
    return { ...mat, verify };
  };

  get url(): URL | undefined {
    return this.base;
  }

  /** GET /v2/: how to reach the registry (HTTPS, else HTTP when insecure) and how it wants auth. */
  ping(): Promise<void> {
    return (this.ready ??= this.doPing().catch((e) => {
      this.ready = undefined;
      throw e;
    }));
  }

  private async doPing(): Promise<void> {
    this.insecure = await isInsecure(this.host, this.settings);
    const schemes = this.insecure ? ['https:', 'http:'] : ['https:'];
    // An insecure registry is asked over both at once; HTTPS is still preferred
    // when it answers, but a plain-HTTP one no longer waits for the TLS failure first.
    this.base = new URL(`${schemes[0]}//${this.host}`); // this.tls knows the registry by its host
    const tries = schemes.map((scheme) => {
      const base = new URL(`${scheme}//${this.host}`);
      const p = send({ method: 'GET', url: new URL('/v2/', base), tls: this.tls, timeoutMs: this.settings.timeoutMs });
      p.then(discard, () => {});
      return { base, p };
    });
    let lastErr: unknown;
    for (const { base, p } of tries) {
      this.base = base;
      try {
        const res = await p;
        this.auth = new Authorizer(this.host, this.creds, { tls: this.tls, timeoutMs: this.settings.timeoutMs });
        if (res.status === 401) {
          this.auth.setChallenge(res.headers['www-authenticate']);
          return;
        }
        if (res.status === 200) return;
        if (res.status >= 500) throw new Unavailable(`${this.host} answered ${res.status} to GET /v2/; the registry is failing, try again later`);
        throw new InvalidArgument(`${base.origin} does not look like a registry (GET /v2/ answered ${res.status})`);
      } catch (e) {
        lastErr = e;
        if (!(e instanceof NetworkError)) throw e;
      }
    }
    throw lastErr;
  }

  get credentials(): Credentials | undefined {
    return this.creds;
  }

  get authScheme(): string | undefined {
    return this.auth?.scheme;
  }

  /** Ask for a token now (login checks credentials this way). */
  async authenticate(scopes: string[]): Promise<void> {
    await this.ping();
    try {
      if (this.auth.scheme === 'bearer') {
        this.auth.invalidate(scopes);
        await this.auth.header(scopes);
      } else if (this.auth.scheme === 'basic') {
        discard(await this.request({ method: 'GET', path: '/v2/', scopes, what: 'login' }));
      }
    } catch (e) {
      if (e instanceof Unauthorized) throw new Unauthorized(`login to ${this.domain} failed: incorrect username or password`);
      throw e;
    }
  }

  /** One request with auth and retries; non-2xx answers not listed in `ok` become errors. */
  async request(o: RequestOptions): Promise<HttpResponse> {
    await this.ping();
    const idempotent = o.method === 'GET' || o.method === 'HEAD';
    const attempts = idempotent ? 3 : 1;
    let reauthed = false;
    for (let attempt = 1; ; attempt++) {
      const url = typeof o.path === 'string' ? new URL(o.path, this.base) : o.path;
      const headers: Record<string, string> = { ...(o.headers ?? {}) };
      const authz = url.host === this.base!.host ? await this.auth.header(o.scopes) : undefined;
      if (authz) headers.Authorization = authz;
      let res: HttpResponse;
      try {
        res = await send({
          method: o.method,
          url,
          headers,
          body: o.body,
          bodyLength: o.bodyLength,
          tls: this.tls,
          timeoutMs: this.settings.timeoutMs,
          signal: o.signal,
        });
      } catch (e) {
        if (e instanceof NetworkError && attempt < attempts) {
          await sleep(300 * attempt);
          continue;
        }
        throw e;
      }
      if (res.status === 401 && !reauthed) {
        // A new challenge (e.g. a wider scope for a mount), or an expired token: once more.
        const header = res.headers['www-authenticate'];
        discard(res);
        reauthed = true;
        if (this.auth.setChallenge(header)) {
          this.auth.invalidate(o.scopes);
          if (this.auth.scheme === 'bearer' || this.creds) {
            attempt--;
            continue;
          }
        }
        throw this.unauthorized(o, 401, undefined);
      }
      if ((res.status >= 200 && res.status < 300) || o.ok?.includes(res.status)) return res;
      if (res.status >= 500 && attempt < attempts) {
        discard(res);
        await sleep(300 * attempt);
        continue;
      }
      throw await this.errorOf(res, o);
    }
  }

  private unauthorized(o: RequestOptions, status: number, detail: string | undefined): Unauthorized {
    const why = detail ? ` (${detail})` : '';
    if (status === 403) return new Unauthorized(`${this.host} denied ${o.what}${why}`);
    if (this.creds)
      return new Unauthorized(`${this.host} refused the stored credentials for ${o.what}${why}; log in again with 'dockerlite login ${this.domain}'`);
    return new Unauthorized(
      `${this.host} requires authentication for ${o.what}${why}; the repository may not exist, or log in with 'dockerlite login ${this.domain}'`,
    );
  }

  private async errorOf(res: HttpResponse, o: RequestOptions): Promise<DockerliteError> {
    let detail = '';
    let code = '';
    if (o.method !== 'HEAD') {
      const body = await readBody(res, 64 << 10, 'error').catch(() => Buffer.alloc(0));
      try {
        const doc = JSON.parse(body.toString('utf8')) as RegistryErrorBody;
        const e = doc.errors?.[0];
        if (e) {
          code = e.code ?? '';
          detail = [e.code, e.message].filter(Boolean).join(': ').toLowerCase();
        }
      } catch {
        detail = body.toString('utf8').trim().slice(0, 200);
      }
    } else discard(res);
    const why = detail ? `: ${detail}` : '';
    if (res.status === 401 || res.status === 403) return this.unauthorized(o, res.status, detail || undefined);
    if (res.status === 404) return new NotFound(`${o.what}: not found on ${this.host}${why}`);
    if (res.status >= 500)
      return new Unavailable(`${this.host} failed ${o.what} (${res.status} ${res.body.statusMessage ?? ''})${why}; try again later`.replace(/ \)/, ')'));
    if (code === 'UNSUPPORTED' || res.status === 405) return new InvalidArgument(`${this.host} does not support ${o.what} (${res.status})${why}`);
    return new InvalidArgument(`${this.host} rejected ${o.what} (${res.status})${why}`);
  }

  // ---- the endpoints ----

  /** GET /v2/<name>/manifests/<reference> -> the exact bytes, their media type, and their digest. */
  async getManifest(repo: string, ref: string): Promise<{ bytes: Buffer; contentType?: string; digest: string }> {
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repo}/manifests/${ref}`,
      scopes: [pullScope(repo)],
      headers: { Accept: MANIFEST_ACCEPT },
      what: `manifest ${repo}${ref.startsWith('sha256:') ? '@' : ':'}${ref}`,
    });
    const bytes = await readBody(res, MAX_MANIFEST, 'manifest');
    return { bytes, contentType: res.headers['content-type'], digest: `sha256:${sha256(bytes)}` };
  }

  /** HEAD /v2/<name>/blobs/<digest> */
  async hasBlob(repo: string, digest: string, scopes = [pullScope(repo)]): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scopes, ok: [404], what: `blob ${digest}` });
    discard(res);
    return res.status !== 404;
  }

  /** GET /v2/<name>/blobs/<digest>, from byte `offset` on (a 206 answer) when offset > 0. */
  async getBlob(repo: string, digest: string, o: { offset?: number; signal?: AbortSignal } = {}): Promise<HttpResponse> {
    const headers: Record<string, string> = {};
    if (o.offset) headers.Range = `bytes=${o.offset}-`;
    return this.request({
      method: 'GET',
      path: `/v2/${repo}/blobs/${digest}`,
      scopes: [pullScope(repo)],
      headers,
      signal: o.signal,
      what: `blob ${digest} of ${repo}`,
    });
  }

  /** POST /v2/<name>/blobs/uploads/[?mount=&from=]: mounted (201), or where to upload (202). */
  async startUpload(repo: string, mount?: { digest: string; from: string }): Promise<{ mounted: true } | { mounted: false; location: URL }> {
    const scopes = [pushScope(repo), ...(mount ? [pullScope(mount.from)] : [])];
    const q = mount ? `?mount=${encodeURIComponent(mount.digest)}&from=${encodeURIComponent(mount.from)}` : '';
    const res = await this.request({ method: 'POST', path: `/v2/${repo}/blobs/uploads/${q}`, scopes, what: `upload to ${repo}` });
    discard(res);
    if (res.status === 201 && mount) return { mounted: true };
    const loc = res.headers.location;
    if (!loc) throw new InvalidArgument(`${this.host} started an upload without saying where (no Location)`);
    return { mounted: false, location: new URL(loc, res.url) };
  }

  /** PUT <location>?digest=<digest> with the whole blob: a monolithic upload. */
  async putBlob(repo: string, location: URL, digest: string, size: number, open: () => Readable): Promise<void> {
    const url = new URL(location);
    url.searchParams.set('digest', digest);
    const res = await this.request({
      method: 'PUT',
      path: url,
      scopes: [pushScope(repo)],
      body: open,
      bodyLength: size,
      headers: { 'Content-Type': 'application/octet-stream' },
      what: `upload of ${digest} to ${repo}`,
    });
    discard(res);
  }

  /** PUT /v2/<name>/manifests/<reference> */
  async putManifest(repo: string, ref: string, bytes: Buffer, mediaType: string): Promise<void> {
    const res = await this.request({
      method: 'PUT',
      path: `/v2/${repo}/manifests/${ref}`,
      scopes: [pushScope(repo)],
      body: bytes,
      headers: { 'Content-Type': mediaType },
      what: `manifest ${repo}:${ref}`,
    });
    discard(res);
  }

  /** GET /v2/_catalog (the registry picks the page size), then the Link header's next page. */
  async catalogPage(next?: string): Promise<{ repositories: string[]; next?: string }> {
    const path = next ?? '/v2/_catalog';
    const res = await this.request({ method: 'GET', path, scopes: ['registry:catalog:*'], what: 'the catalog (/v2/_catalog)' });
    const doc = JSON.parse((await readBody(res, 16 << 20, 'catalog')).toString('utf8')) as { repositories?: unknown };
    const repos = Array.isArray(doc.repositories) ? doc.repositories.filter((r): r is string => typeof r === 'string') : [];
    return { repositories: repos, next: nextLink(res) };
  }

  /** GET /v2/<name>/tags/list, every page. */
  async tags(repo: string): Promise<string[]> {
    const out: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list`;
    for (let pages = 0; path && pages < 1000; pages++) {
      const res = await this.request({ method: 'GET', path, scopes: [pullScope(repo)], what: `tags of ${repo}` });
      const doc = JSON.parse((await readBody(res, 16 << 20, 'tag list')).toString('utf8')) as { tags?: unknown };
      if (Array.isArray(doc.tags)) out.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      path = nextLink(res);
    }
    return out;
  }
}

/** The target of a `Link: </v2/...>; rel="next"` header. */
export function nextLink(res: HttpResponse): string | undefined {
  const link = res.headers.link;
  const text = Array.isArray(link) ? link.join(', ') : link;
  if (!text) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(text);
  return m ? m[1] : undefined;
}
