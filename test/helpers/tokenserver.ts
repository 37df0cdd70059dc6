// A small token server (distribution token spec) for docker-registry's
// `auth: token` mode: it checks HTTP Basic credentials and hands out JWTs
// signed (RS256) with a key whose certificate is the registry's
// rootcertbundle, carried in the token's x5c header.
import http from 'node:http';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function b64url(b: Buffer | string): string {
  return Buffer.from(b).toString('base64url');
}

export interface TokenRequest {
  account?: string;
  service?: string;
  scopes: string[];
  authorized: boolean;
}

export class TokenServer {
  readonly requests: TokenRequest[] = [];
  private server!: http.Server;
  port = 0;
  readonly issuer = 'dockerlite-test-issuer';
  readonly service = 'dockerlite-test-registry';
  readonly cert: string;
  private readonly key: string;

  private constructor(
    dir: string,
    private readonly users: Record<string, string>,
  ) {
    this.cert = join(dir, 'token.crt');
    this.key = join(dir, 'token.key');
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', this.key, '-out', this.cert, '-days', '2', '-subj', '/CN=dockerlite test token signer'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  }

  get realm(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  static async start(dir: string, users: Record<string, string>): Promise<TokenServer> {
    const t = new TokenServer(dir, users);
    t.server = http.createServer((req, res) => t.handle(req, res));
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    t.port = (t.server.address() as { port: number }).port;
    return t;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.realm);
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    const scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const plain = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const i = plain.indexOf(':');
      const [u, p] = [plain.slice(0, i), plain.slice(i + 1)];
      if (this.users[u] !== p) {
        this.requests.push({ account: u, service: url.searchParams.get('service') ?? undefined, scopes, authorized: false });
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"incorrect username or password"}');
        return;
      }
      user = u;
    }
    this.requests.push({ account: user, service: url.searchParams.get('service') ?? undefined, scopes, authorized: !!user });
    // Authenticated users get what they ask for; anonymous ones nothing (the registry then refuses).
    const access = user
      ? scopes.map((s) => {
          const first = s.indexOf(':');
          const last = s.lastIndexOf(':');
          return {
            type: s.slice(0, first),
            name: s.slice(first + 1, last),
            actions: s
              .slice(last + 1)
              .split(',')
              .filter(Boolean),
          };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const der = new X509Certificate(readFileSync(this.cert)).raw;
    const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = {
      iss: this.issuer,
      sub: user ?? '',
      aud: this.service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(readFileSync(this.key));
    const token = `${input}.${b64url(sig)}`;
    res
      .writeHead(200, { 'Content-Type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  }
}
