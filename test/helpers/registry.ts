// A real registry for tests: Debian's docker-registry (distribution 2.8),
// bound to 127.0.0.1 on a free port, with its storage, certificates and
// password file in the test's own directory. Started and stopped by PID.
// Also: certificates made with openssl, and an htpasswd file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync, readFileSync, existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface Pki {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

/** A CA and a server certificate for 127.0.0.1 and localhost, signed by it. */
export function makePki(dir: string, name = 'server'): Pki {
  mkdirSync(dir, { recursive: true });
  const caKey = join(dir, 'ca.key');
  const caCert = join(dir, 'ca.crt');
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', caCert, '-days', '2', '-subj', '/CN=dockerlite test CA']);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  run('openssl', ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', ext]);
  return { caCert, caKey, cert, key };
}

/** An htpasswd file with one bcrypt user (htpasswd -B, from apache2-utils). */
export function makeHtpasswd(path: string, user: string, password: string): void {
  writeFileSync(path, run('htpasswd', ['-Bbn', user, password]));
}

export interface RegistryOptions {
  tls?: Pki;
  htpasswd?: string;
  token?: { realm: string; service: string; issuer: string; rootcertbundle: string };
  /** Cap the catalog page size (forces pagination). */
  catalogMax?: number;
}

export class TestRegistry {
  private child?: ChildProcess;
  readonly logFile: string;

  private constructor(
    readonly dir: string,
    readonly port: number,
    readonly opts: RegistryOptions,
  ) {
    this.logFile = join(dir, 'registry.log');
  }

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get storage(): string {
    return join(this.dir, 'data');
  }

  static async start(dir: string, opts: RegistryOptions = {}): Promise<TestRegistry> {
    mkdirSync(dir, { recursive: true });
    const reg = new TestRegistry(dir, await freePort(), opts);
    const lines = [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${reg.storage}`,
      '  delete:',
      '    enabled: true',
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  addr: 127.0.0.1:${reg.port}`,
      ...(opts.tls ? ['  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`] : []),
      ...(opts.htpasswd ? ['auth:', '  htpasswd:', '    realm: dockerlite-test', `    path: ${opts.htpasswd}`] : []),
      ...(opts.token
        ? [
            'auth:',
            '  token:',
            `    realm: ${opts.token.realm}`,
            `    service: ${opts.token.service}`,
            `    issuer: ${opts.token.issuer}`,
            `    rootcertbundle: ${opts.token.rootcertbundle}`,
          ]
        : []),
      ...(opts.catalogMax ? ['catalog:', `  maxentries: ${opts.catalogMax}`] : []),
    ];
    const conf = join(dir, 'config.yml');
    writeFileSync(conf, lines.join('\n') + '\n');
    const log = openSync(reg.logFile, 'a');
    reg.child = spawn('docker-registry', ['serve', conf], { stdio: ['ignore', log, log] });
    closeSync(log);
    await reg.waitReady();
    return reg;
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (this.child?.exitCode !== null) throw new Error(`docker-registry exited at start:\n${this.log()}`);
      const ok = await new Promise<boolean>((resolve) => {
        const lib = this.opts.tls ? https : http;
        const req = lib.get(`${this.opts.tls ? 'https' : 'http'}://${this.host}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
          res.resume();
          resolve(true);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`docker-registry did not start:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  /** Access-log request lines ("GET /v2/... HTTP/1.1") so far. */
  requests(): string[] {
    return [...this.log().matchAll(/"((?:GET|HEAD|POST|PUT|PATCH|DELETE) [^"]+) HTTP\/1\.1"\s+(\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}
