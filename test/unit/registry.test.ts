// The registry client's pieces that need no registry: challenge parsing,
// Docker's insecure-registry rules, config.json credentials, the token
// request (against a token endpoint on loopback), and progress drawing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenges, Authorizer } from '../../src/registry/auth.js';
import { isInsecure, ipFamily, registrySettings, apiHost, hostname, tlsMaterial, type RegistrySettings } from '../../src/registry/settings.js';
import { isIP } from 'node:net';
import { getCredentials, storeCredentials, eraseCredentials, serverKey } from '../../src/registry/credentials.js';
import { plainPrinter, ttyPrinter, bar } from '../../src/cli/progress.js';
import { splitSearchTerm } from '../../src/engine/distribution/search.js';
import { loginDomain } from '../../src/engine/distribution/login.js';
import { Unauthorized, InvalidArgument } from '../../src/errors.js';
import { httpsAgentOptions, send, closeAgents } from '../../src/registry/http.js';
import https from 'node:https';
import { makePki } from '../helpers/registry.js';

function tmp(t: { after: (fn: () => void) => void }): string {
  const d = mkdtempSync(join(tmpdir(), 'dlreg-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

const settings = (o: Partial<RegistrySettings> = {}): RegistrySettings => ({
  insecure: [],
  certsDir: '/nonexistent',
  timeoutMs: 5000,
  dockerConfigDir: '/nonexistent',
  ...o,
});

test('WWW-Authenticate challenges, quoted or not, one or several', () => {
  assert.deepEqual(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"'), [
    { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  assert.deepEqual(parseChallenges('Basic realm="a, b", Bearer realm=http://x/t,service=svc'), [
    { scheme: 'basic', params: { realm: 'a, b' } },
    { scheme: 'bearer', params: { realm: 'http://x/t', service: 'svc' } },
  ]);
  assert.deepEqual(parseChallenges('Bearer realm="with \\"quotes\\""'), [{ scheme: 'bearer', params: { realm: 'with "quotes"' } }]);
  assert.deepEqual(parseChallenges(undefined), []);
});

test('ipFamily is net.isIP, without the IPv6 check for what has no colon', () => {
  for (const s of ['127.0.0.1', '10.0.0.5', '::1', 'fd00::5', '::ffff:1.2.3.4', 'localhost', 'registry.example.com', '1.2.3', '256.1.1.1', '', 'a:b'])
    assert.equal(ipFamily(s), isIP(s), s);
});

test("insecure registries follow Docker's rules: loopback and listed names or CIDRs; a certs.d directory means verify", async (t) => {
  const d = tmp(t);
  assert.equal(await isInsecure('localhost:5000', settings()), true);
  assert.equal(await isInsecure('127.0.0.1:5000', settings()), true);
  assert.equal(await isInsecure('127.9.9.9', settings()), true);
  assert.equal(await isInsecure('[::1]:5000', settings()), true);
  assert.equal(await isInsecure('10.0.0.5:5000', settings()), false);
  assert.equal(await isInsecure('10.0.0.5:5000', settings({ insecure: ['10.0.0.0/8'] })), true);
  assert.equal(await isInsecure('myreg.example:5000', settings({ insecure: ['myreg.example:5000'] })), true);
  assert.equal(await isInsecure('myreg.example', settings({ insecure: ['myreg.example'] })), true);
  assert.equal(await isInsecure('registry.example.com', settings()), false);
  // Lists that mix families: an address is checked against the subnets of its own family only.
  const mixed = settings({ insecure: ['10.0.0.0/8', 'fd00::/8', 'nonsense/8'] });
  assert.equal(await isInsecure('[fd00::5]:5000', mixed), true);
  assert.equal(await isInsecure('[fe80::5]:5000', mixed), false);
  assert.equal(await isInsecure('10.1.2.3', mixed), true);
  assert.equal(await isInsecure('11.1.2.3', mixed), false);
  assert.equal(await isInsecure('10.1.2.3', settings({ insecure: ['fd00::/8'] })), false);
  mkdirSync(join(d, '127.0.0.1:5000'));
  assert.equal(await isInsecure('127.0.0.1:5000', settings({ certsDir: d })), false, 'a CA was given: use it');
  writeFileSync(join(d, '127.0.0.1:5000', 'ca.crt'), '-----BEGIN CERTIFICATE-----\n');
  writeFileSync(join(d, '127.0.0.1:5000', 'client.cert'), 'cert');
  writeFileSync(join(d, '127.0.0.1:5000', 'client.key'), 'key');
  const m = tlsMaterial('127.0.0.1:5000', settings({ certsDir: d }));
  assert.ok(m.ca!.includes('-----BEGIN CERTIFICATE-----\n'));
  assert.ok(m.ca!.length > 1, 'the system CAs are kept');
  assert.equal(m.cert, 'cert');
  assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
  assert.equal(hostname('[::1]:5000'), '::1');
  const s = registrySettings({ DOCKERLITE_INSECURE_REGISTRIES: 'a:1, b', DOCKERLITE_REGISTRY_TIMEOUT: '7', DOCKER_CONFIG: '/x', DOCKERLITE_CONF: '/dev/null' });
  assert.deepEqual(s.insecure, ['a:1', 'b']);
  assert.equal(s.timeoutMs, 7000);
  assert.equal(s.dockerConfigDir, '/x');
  assert.throws(() => registrySettings({ DOCKERLITE_REGISTRY_TIMEOUT: 'soon', DOCKERLITE_CONF: '/dev/null' }), InvalidArgument);
});

test("credentials live in Docker's config.json, other settings kept, mode 0600", async (t) => {
  const d = tmp(t);
  const s = settings({ dockerConfigDir: join(d, 'cfg') });
  assert.equal(await getCredentials(s, 'localhost:5000'), undefined);
  mkdirSync(join(d, 'cfg'));
  writeFileSync(
    join(d, 'cfg', 'config.json'),
    JSON.stringify({ auths: { 'https://other.example/v1/': { auth: Buffer.from('o:p').toString('base64') } }, detachKeys: 'ctrl-x' }),
  );
  await storeCredentials(s, 'localhost:5000', { username: 'u', password: 'p:with:colons' });
  await storeCredentials(s, 'docker.io', { username: 'hub', password: 'h' });
  const doc = JSON.parse(readFileSync(join(d, 'cfg', 'config.json'), 'utf8'));
  assert.equal(doc.detachKeys, 'ctrl-x');
  assert.equal(doc.auths['localhost:5000'].auth, Buffer.from('u:p:with:colons').toString('base64'));
  assert.ok(doc.auths['https://index.docker.io/v1/'], 'Docker Hub keeps its historical key');
  assert.equal(statSync(join(d, 'cfg', 'config.json')).mode & 0o777, 0o600);
  assert.deepEqual(await getCredentials(s, 'localhost:5000'), { username: 'u', password: 'p:with:colons' });
  assert.deepEqual(await getCredentials(s, 'other.example'), { username: 'o', password: 'p' }, 'keys written as URLs match their host');
  assert.equal(await eraseCredentials(s, 'localhost:5000'), true);
  assert.equal(await eraseCredentials(s, 'localhost:5000'), false);
  assert.equal(serverKey('docker.io'), 'https://index.docker.io/v1/');
  writeFileSync(join(d, 'cfg', 'config.json'), '{not json');
  await assert.rejects(getCredentials(s, 'x'), /not valid JSON/);
});

test('the token request: service and scopes in the query, Basic credentials, token or access_token back', async (t) => {
  const seen: Array<{ url: string; auth?: string }> = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, auth: req.headers.authorization });
    if (req.headers.authorization !== `Basic ${Buffer.from('me:pw').toString('base64')}`) return void res.writeHead(401).end('{}');
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'tok-1', expires_in: 300 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const realm = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
  const ctx = { tls: () => ({ verify: true }), timeoutMs: 5000 };
  const a = new Authorizer('reg.example', { username: 'me', password: 'pw' }, ctx);
  assert.equal(a.setChallenge(`Bearer realm="${realm}",service="reg.example"`), true);
  assert.equal(await a.header(['repository:x/y:pull']), 'Bearer tok-1');
  assert.equal(await a.header(['repository:x/y:pull']), 'Bearer tok-1');
  assert.equal(seen.length, 1, 'the token is reused for the same scopes');
  const q = new URL(seen[0].url, realm).searchParams;
  assert.equal(q.get('service'), 'reg.example');
  assert.deepEqual(q.getAll('scope'), ['repository:x/y:pull']);
  assert.equal(q.get('account'), 'me');
  await a.header(['repository:x/y:pull,push', 'repository:x/z:pull']);
  assert.deepEqual(new URL(seen[1].url, realm).searchParams.getAll('scope'), ['repository:x/y:pull,push', 'repository:x/z:pull']);
  const wrong = new Authorizer('reg.example', { username: 'me', password: 'bad' }, ctx);
  wrong.setChallenge(`Bearer realm="${realm}"`);
  await assert.rejects(wrong.header([]), (e: unknown) => e instanceof Unauthorized && /refused the credentials/.test((e as Error).message));
  const basic = new Authorizer('reg.example', { username: 'a', password: 'b' }, ctx);
  basic.setChallenge('Basic realm="r"');
  assert.equal(await basic.header([]), `Basic ${Buffer.from('a:b').toString('base64')}`);
});

test('unverified TLS loads no trust store (an empty CA list) yet reaches a self-signed registry; verified TLS refuses it', async (t) => {
  // Without a CA list node loads the system's trust store at the first connection (~25 ms of CPU).
  assert.deepEqual(httpsAgentOptions({ verify: false }).ca, []);
  assert.equal(httpsAgentOptions({ verify: true }).ca, undefined);
  assert.deepEqual(httpsAgentOptions({ verify: false, ca: ['x'] }).ca, ['x']);
  const pki = makePki(join(tmp(t), 'pki'));
  const srv = https.createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => {
    closeAgents();
    srv.close();
  });
  const url = new URL(`https://127.0.0.1:${(srv.address() as { port: number }).port}/v2/`);
  const res = await send({ method: 'GET', url, tls: () => ({ verify: false }), timeoutMs: 5000 });
  assert.equal(res.status, 200);
  res.body.resume();
  await assert.rejects(send({ method: 'GET', url, tls: () => ({ verify: true }), timeoutMs: 5000 }), /not trusted/);
});

test('progress: plain lines per status change off a terminal, redrawn lines on one', () => {
  let out = '';
  const sink = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
  const p = plainPrinter(sink);
  p.progress({ status: 'latest: Pulling from library/busybox' });
  p.progress({ id: 'aaa', status: 'Downloading', progress: { current: 1, total: 10 } });
  p.progress({ id: 'aaa', status: 'Downloading', progress: { current: 5, total: 10 } });
  p.progress({ id: 'bbb', status: 'Waiting' });
  p.progress({ id: 'aaa', status: 'Pull complete' });
  assert.equal(out, 'latest: Pulling from library/busybox\naaa: Downloading\nbbb: Waiting\naaa: Pull complete\n');
  out = '';
  const tty = ttyPrinter(Object.assign(sink, { columns: 120 }));
  tty.progress({ id: 'aaa', status: 'Waiting' });
  tty.progress({ id: 'bbb', status: 'Waiting' });
  tty.progress({ id: 'aaa', status: 'Downloading', progress: { current: 5_000_000, total: 10_000_000 } });
  assert.equal(out, `aaa: Waiting\nbbb: Waiting\n\x1b[2A\r\x1b[2Kaaa: Downloading ${bar(5_000_000, 10_000_000)}\x1b[2B\r`);
  assert.equal(bar(5, 10, 10), '[=====>    ]      5B/10B');
  assert.equal(bar(10, 10, 10), '[==========]     10B/10B');
});

test('search terms and login servers name registries as Docker does', () => {
  assert.deepEqual(splitSearchTerm('localhost:5000/web'), { domain: 'localhost:5000', query: 'web' });
  assert.deepEqual(splitSearchTerm('registry.example.com/team/app'), { domain: 'registry.example.com', query: 'team/app' });
  assert.deepEqual(splitSearchTerm('localhost:5000'), { domain: 'localhost:5000', query: '' });
  assert.deepEqual(splitSearchTerm('busybox'), { domain: 'docker.io', query: 'busybox' });
  assert.equal(loginDomain(undefined), 'docker.io');
  assert.equal(loginDomain('https://index.docker.io/v1/'), 'docker.io');
  assert.equal(loginDomain('https://reg.example:5000/v2/'), 'reg.example:5000');
  assert.throws(() => loginDomain('bad host'), InvalidArgument);
});
