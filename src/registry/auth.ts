// Registry authentication: the 401 challenge (WWW-Authenticate), HTTP Basic,
// and the Bearer token flow of the distribution token spec: ask the realm
// for a token for the service and scopes, with Basic credentials (or an
// OAuth2 refresh token) when there are any, then send it as Bearer.
import { InvalidArgument, Unauthorized } from '../errors.js';
import type { Credentials } from './credentials.js';
import { send, readBody, type TlsOptions } from './http.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parse a WWW-Authenticate header: `Bearer realm="...",service="...",scope="..."`, possibly several. */
export function parseChallenges(header: string | undefined): Challenge[] {
  const out: Challenge[] = [];
  if (!header) return out;
  const s = header;
  let i = 0;
  let cur: Challenge | undefined;
  const token = () => {
    const m = /^[\w!#$%&'*+.^`|~-]+/.exec(s.slice(i));
    i += m ? m[0].length : 1;
    return m ? m[0] : '';
  };
  const spaces = () => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  };
  while (i < s.length) {
    while (i < s.length && /[\s,]/.test(s[i])) i++;
    if (i >= s.length) break;
    const t = token();
    spaces();
    if (s[i] === '=' && cur) {
      i++;
      spaces();
      let v = '';
      if (s[i] === '"') {
        for (i++; i < s.length && s[i] !== '"'; i++) v += s[i] === '\\' ? (s[++i] ?? '') : s[i];
        i++;
      } else {
        v = /^[^,\s]*/.exec(s.slice(i))![0];
        i += v.length;
      }
      cur.params[t.toLowerCase()] = v;
    } else if (t) {
      cur = { scheme: t.toLowerCase(), params: {} };
      out.push(cur);
    }
  }
  return out;
}

export interface TokenContext {
  tls: (url: URL) => TlsOptions;
  timeoutMs: number;
}

/**
 * Turns a registry's challenge into Authorization headers. Tokens are kept
 * per scope set for their lifetime, so a pull asks the token server once.
 */
export class Authorizer {
  private challenge: Challenge | undefined;
  private tokens = new Map<string, { token: string; until: number }>();

  constructor(
    readonly host: string,
    private readonly creds: Credentials | undefined,
    private readonly ctx: TokenContext,
  ) {}

  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  get hasCredentials(): boolean {
    return !!this.creds;
  }

  /** Adopt the challenge from a 401 (the first from /v2/, or a later one asking for more scope). */
  setChallenge(header: string | undefined): boolean {
    const all = parseChallenges(header);
    const pick = all.find((c) => c.scheme === 'bearer') ?? all.find((c) => c.scheme === 'basic');
    if (!pick) return false;
    this.challenge = pick;
    return true;
  }

  /** Forget cached tokens for these scopes (the registry refused one). */
  invalidate(scopes: string[]): void {
    this.tokens.delete(scopes.slice().sort().join(' '));
  }

  /** The Authorization header for a request needing these scopes, or undefined. */
  async header(scopes: string[]): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    if (c.scheme === 'basic') {
      if (!this.creds || this.creds.identityToken) return undefined;
      return `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
    }
    if (c.scheme !== 'bearer') return undefined;
    const key = scopes.slice().sort().join(' ');
    const hit = this.tokens.get(key);
    if (hit && hit.until > Date.now()) return `Bearer ${hit.token}`;
    const t = await this.fetchToken(c, scopes);
    this.tokens.set(key, t);
    return `Bearer ${t.token}`;
  }

  /** GET realm?service=..&scope=.. (Basic auth with the credentials), or POST a refresh token. */
  async fetchToken(c: Challenge, scopes: string[]): Promise<{ token: string; until: number; refreshToken?: string }> {
    const realm = c.params.realm;
    if (!realm) throw new InvalidArgument(`${this.host} asked for a Bearer token without naming a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new InvalidArgument(`${this.host} named an invalid token realm '${realm}'`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgument(`${this.host} named a token realm that is not HTTP: ${realm}`);
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: Buffer | undefined;
    let method = 'GET';
    if (this.creds?.identityToken) {
      method = 'POST';
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: this.creds.identityToken, client_id: 'dockerlite' });
      if (c.params.service) form.set('service', c.params.service);
      for (const s of scopes) form.append('scope', s);
      body = Buffer.from(form.toString());
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (c.params.service) url.searchParams.set('service', c.params.service);
      for (const s of scopes) url.searchParams.append('scope', s);
      url.searchParams.set('client_id', 'dockerlite');
      if (this.creds) {
        url.searchParams.set('account', this.creds.username);
        headers.Authorization = `Basic ${Buffer.from(`${this.creds.username}:${this.creds.password}`).toString('base64')}`;
      }
    }
    const res = await send({ method, url, headers, body, tls: this.ctx.tls, timeoutMs: this.ctx.timeoutMs });
    const text = (await readBody(res, 1 << 20, 'token response')).toString('utf8');
    if (res.status === 401 || res.status === 403) {
      throw new Unauthorized(
        this.creds
          ? `the token server of ${this.host} refused the credentials (${res.status}); check them with dockerlite login ${this.host}`
          : `the token server of ${this.host} requires credentials; log in with dockerlite login ${this.host}`,
      );
    }
    if (res.status !== 200) throw new Unauthorized(`the token server of ${this.host} answered ${res.status}: ${text.slice(0, 200)}`);
    let doc: { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      doc = JSON.parse(text);
    } catch {
      throw new Unauthorized(`the token server of ${this.host} sent something that is not JSON`);
    }
    const token = doc.token ?? doc.access_token;
    if (!token || typeof token !== 'string') throw new Unauthorized(`the token server of ${this.host} sent no token`);
    // Spec: default lifetime 60 s; renew a little early.
    const ttl = Math.max(Number(doc.expires_in) || 60, 60);
    return { token, until: Date.now() + (ttl - 10) * 1000, refreshToken: doc.refresh_token };
  }
}
