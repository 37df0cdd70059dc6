// Clients that misbehave: each gets dockerd's status and a {"message"} body,
// and the server goes on serving. Statuses checked against dockerd 20.10:
// malformed JSON 400, unknown route 404 "page not found", a too-new version 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { httpRaw, servedStore } from './server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();
const api = servedStore(env, skip);

const alive = async () => assert.equal((await httpRaw(api.s!.sock, 'GET', '/_ping')).body, 'OK');

test('ping and version negotiation headers', { skip }, async () => {
  const r = await httpRaw(api.s!.sock, 'HEAD', '/_ping');
  assert.equal(r.status, 200);
  assert.equal(r.headers['api-version'], '1.51');
  const v = JSON.parse((await httpRaw(api.s!.sock, 'GET', '/v1.24/version')).body) as { ApiVersion: string; MinAPIVersion: string };
  assert.deepEqual([v.ApiVersion, v.MinAPIVersion], ['1.51', '1.24']);
});

test('malformed JSON is 400 with a message', { skip }, async () => {
  const r = await httpRaw(api.s!.sock, 'POST', '/v1.51/containers/create', '{"Image": "busybox",');
  assert.equal(r.status, 400);
  assert.match((JSON.parse(r.body) as { message: string }).message, /invalid JSON/);
  await alive();
});

test('unknown routes are 404 "page not found"; versions out of range are 400', { skip }, async () => {
  const r = await httpRaw(api.s!.sock, 'GET', '/v1.51/nothing/here');
  assert.equal(r.status, 404);
  assert.deepEqual(JSON.parse(r.body), { message: 'page not found' });
  const tooNew = await httpRaw(api.s!.sock, 'GET', '/v1.99/version');
  assert.equal(tooNew.status, 400);
  assert.match(tooNew.body, /client version 1.99 is too new/);
  const tooOld = await httpRaw(api.s!.sock, 'GET', '/v1.12/version');
  assert.equal(tooOld.status, 400);
  assert.match(tooOld.body, /too old/);
  await alive();
});

test('missing containers are 404, conflicts 409, bad parameters 400', { skip }, async () => {
  assert.equal((await httpRaw(api.s!.sock, 'GET', '/containers/nosuch/json')).status, 404);
  assert.equal((await httpRaw(api.s!.sock, 'POST', '/containers/create', JSON.stringify({ Image: 'nosuchimage:1' }))).status, 404);
  const refused = await httpRaw(
    api.s!.sock,
    'POST',
    '/containers/create',
    JSON.stringify({ Image: 'busybox', HostConfig: { DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] } }),
  );
  assert.equal(refused.status, 400);
  assert.match(refused.body, /HostConfig.DeviceRequests is not supported/);
  const made = await httpRaw(api.s!.sock, 'POST', '/containers/create?name=dup', JSON.stringify({ Image: 'busybox', Cmd: ['true'] }));
  assert.equal(made.status, 201);
  assert.equal((await httpRaw(api.s!.sock, 'POST', '/containers/create?name=dup', JSON.stringify({ Image: 'busybox' }))).status, 409);
  assert.equal((await httpRaw(api.s!.sock, 'POST', '/containers/dup/kill')).status, 409);
  assert.equal((await httpRaw(api.s!.sock, 'GET', '/containers/dup/logs')).status, 400);
  assert.equal((await httpRaw(api.s!.sock, 'DELETE', '/containers/dup')).status, 204);
});

test('an oversized body is refused with 413 and the server keeps serving', { skip }, async () => {
  const big = Buffer.alloc(9 * 1024 * 1024, 0x20);
  const r = await httpRaw(api.s!.sock, 'POST', '/containers/create', big).catch((e: Error) => ({ status: -1, body: e.message }));
  // The server may close while the client still sends: either the 413 arrives or the connection is cut; never a crash.
  if (r.status !== -1) assert.equal(r.status, 413);
  await alive();
});

test('a client that disconnects mid-attach leaves the container and the server running', { skip }, async () => {
  const made = await httpRaw(
    api.s!.sock,
    'POST',
    '/containers/create?name=att',
    JSON.stringify({ Image: 'busybox', Cmd: ['sh', '-c', 'while true; do echo tick; sleep 0.2; done'] }),
  );
  assert.equal(made.status, 201, made.body);
  assert.equal((await httpRaw(api.s!.sock, 'POST', '/containers/att/start')).status, 204);
  const got = await new Promise<string>((resolve, reject) => {
    const c = connect(api.s!.sock);
    let buf = '';
    c.on('error', reject);
    c.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('tick')) {
        c.destroy();
        resolve(buf);
      }
    });
    c.write('POST /containers/att/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
  });
  assert.match(got, /^HTTP\/1.1 101 UPGRADED/);
  assert.match(got, /\x01\x00\x00\x00\x00\x00\x00\x05tick\n/);
  await alive();
  const j = JSON.parse((await httpRaw(api.s!.sock, 'GET', '/containers/att/json')).body) as { State: { Running: boolean } };
  assert.equal(j.State.Running, true);
  assert.equal((await httpRaw(api.s!.sock, 'DELETE', '/containers/att?force=1')).status, 204);
});

test('50 concurrent clients all get their answer', { skip }, async () => {
  const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => httpRaw(api.s!.sock, 'GET', i % 2 ? '/containers/json?all=1' : '/version')));
  assert.deepEqual(
    rs.map((r) => r.status),
    Array(50).fill(200),
  );
  await alive();
});
