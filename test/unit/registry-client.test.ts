// The registry client's request loop against a real HTTP server on 127.0.0.1:
// GETs are retried on 5xx (three tries), other methods are not; an expired
// Bearer token (401) is renewed once and the request repeated; a second 401
// is Unauthorized.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../../src/registry/client.js';
import { closeAgents } from '../../src/registry/http.js';
import { Unauthorized, Unavailable } from '../../src/errors.js';

let server: Server;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), 'dl-regclient-'));
let tokensIssued = 0;
/** Requests seen, per path: the Authorization header each carried. */
const seen = new Map<string, string[]>();
/** What each path answers, in turn (the last one repeats). */
const script = new Map<string, number[]>();
/** Tokens the server accepts: an issued token stops being valid when the next is issued. */
let valid = '';

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/token') {
      valid = `t${++tokensIssued}`;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: valid }));
      return;
    }
    const challenge = { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="test"` };
    if (url.pathname === '/v2/') {
      res.writeHead(401, challenge).end();
      return;
    }
    const auth = req.headers.authorization ?? '';
    seen.set(url.pathname, [...(seen.get(url.pathname) ?? []), auth]);
    if (auth !== `Bearer ${valid}`) {
      res.writeHead(401, challenge).end();
      return;
    }
    const turns = script.get(url.pathname) ?? [200];
    const status = turns.length > 1 ? turns.shift()! : turns[0];
    res
      .writeHead(status, { 'Content-Type': 'application/json', ...(status === 401 ? challenge : {}) })
      .end(status === 200 ? '{}' : '{"errors":[{"code":"UNKNOWN","message":"boom"}]}');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as { port: number }).port;
});
after(async () => {
  closeAgents();
  await new Promise((ok) => server.close(ok));
  rmSync(dir, { recursive: true, force: true });
});

const connect = () =>
  Registry.connect(`127.0.0.1:${port}`, {
    credentials: null,
    settings: { insecure: [], certsDir: join(dir, 'certs'), timeoutMs: 5_000, dockerConfigDir: dir },
  });
const get = (reg: Registry, path: string) => reg.request({ method: 'GET', path, scopes: ['repository:r:pull'], what: path });

test('a GET that meets a 5xx is tried again, up to three times in all', async () => {
  const reg = await connect();
  script.set('/v2/r/manifests/flaky', [500, 503, 200]);
  const res = await get(reg, '/v2/r/manifests/flaky');
  assert.equal(res.status, 200);
  res.body.resume();
  assert.equal(seen.get('/v2/r/manifests/flaky')!.length, 3);

  script.set('/v2/r/manifests/down', [500]);
  await assert.rejects(get(reg, '/v2/r/manifests/down'), (e: Error) => e instanceof Unavailable && /500/.test(e.message) && /boom/.test(e.message));
  assert.equal(seen.get('/v2/r/manifests/down')!.length, 3, 'gives up after the third try');
});

test('a PUT is not repeated after a 5xx', async () => {
  const reg = await connect();
  script.set('/v2/r/manifests/put', [500, 200]);
  await assert.rejects(
    reg.request({ method: 'PUT', path: '/v2/r/manifests/put', scopes: ['repository:r:push'], what: 'put', body: Buffer.from('{}') }),
    Unavailable,
  );
  assert.equal(seen.get('/v2/r/manifests/put')!.length, 1);
});

test('an expired token is renewed once, and the request repeated with the new one', async () => {
  const reg = await connect();
  const first = await get(reg, '/v2/r/manifests/a');
  first.body.resume();
  const before = tokensIssued;
  valid = 'revoked'; // the server forgets every token it gave out
  const res = await get(reg, '/v2/r/manifests/b');
  res.body.resume();
  assert.equal(res.status, 200);
  assert.equal(tokensIssued, before + 1, 'exactly one new token');
  assert.deepEqual(seen.get('/v2/r/manifests/b'), [`Bearer t${before}`, `Bearer t${before + 1}`]);
});

test('a 401 that a new token does not cure is Unauthorized, not a loop', async () => {
  const reg = await connect();
  script.set('/v2/r/manifests/denied', [401]);
  await assert.rejects(get(reg, '/v2/r/manifests/denied'), Unauthorized);
  assert.equal(seen.get('/v2/r/manifests/denied')!.length, 2, 'one renewal, then it stops');
});
