// Credentials through the API, against Debian's docker-registry with htpasswd
// auth on 127.0.0.1: the docker CLI's login (POST /auth, checked against the
// registry), then push and pull, which carry the credentials in
// X-Registry-Auth. The server has none of its own (its Docker config is not
// the client's), so without the header the registry refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { TestRegistry, makeHtpasswd } from '../helpers/registry.js';
import { httpRaw, serve, stop, type Served } from './server.js';
import { registryAuth } from '../../src/api/routes/images.js';

const skip = missingPrereq({ tools: ['docker', 'docker-registry', 'htpasswd', 'lxc-execute', 'btrfs'] });
const env = new TestEnv({ HOME: '/nonexistent', DOCKER_CONFIG: '/nonexistent' });
let s: Served | undefined;
let reg: TestRegistry | undefined;

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  makeHtpasswd(join(env.dir, 'htpasswd'), 'alice', 'wonder land');
  reg = await TestRegistry.start(join(env.dir, 'registry'), { htpasswd: join(env.dir, 'htpasswd') });
  s = await serve(env);
});
after(async () => {
  await stop(s);
  await reg?.stop();
  await env.cleanup();
});

const docker = (args: string[], input?: string) =>
  spawnSync('docker', args, {
    input,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: env.dir, DOCKER_CONFIG: join(env.dir, 'client-config'), DOCKER_HOST: `unix://${s!.sock}` },
  });

const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('X-Registry-Auth decoding: user and password, identity token, auth, empty and garbage', () => {
  assert.deepEqual(registryAuth(b64url({ username: 'a', password: 'p w', serveraddress: 'r' })), { username: 'a', password: 'p w', identityToken: undefined });
  assert.deepEqual(registryAuth(b64url({ identitytoken: 'tok' })), { username: '', password: '', identityToken: 'tok' });
  assert.deepEqual(registryAuth(b64url({ auth: Buffer.from('a:b:c').toString('base64') })), { username: 'a', password: 'b:c', identityToken: undefined });
  assert.equal(registryAuth(b64url({})), undefined);
  assert.equal(registryAuth(''), undefined);
  assert.equal(registryAuth('%%%not-base64'), undefined);
  assert.equal(registryAuth(undefined), undefined);
});

test('docker login checks the password with the registry; push and pull carry X-Registry-Auth', { skip }, async () => {
  const host = reg!.host;
  const bad = docker(['login', '-u', 'alice', '--password-stdin', host], 'wrong\n');
  assert.notEqual(bad.status, 0, 'a wrong password is refused');
  assert.match(bad.stderr, /unauthorized|incorrect username or password/i);

  // Without credentials the registry refuses the push (the error comes in the stream).
  const img = `${host}/busybox:auth`;
  assert.equal(docker(['tag', 'busybox', img]).status, 0);
  const anon = docker(['push', img]);
  assert.notEqual(anon.status, 0, `push without credentials: ${anon.stdout}`);

  const good = docker(['login', '-u', 'alice', '--password-stdin', host], 'wonder land\n');
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /Login Succeeded/);
  const push = docker(['push', img]);
  assert.equal(push.status, 0, push.stderr + push.stdout);
  assert.match(push.stdout, /auth: digest: sha256:[0-9a-f]{64}/);

  assert.equal(docker(['rmi', img]).status, 0);
  const pull = docker(['pull', img]);
  assert.equal(pull.status, 0, pull.stderr + pull.stdout);
  assert.match(docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout, new RegExp(`${host}/busybox:auth`));

  // The same through the raw API: the header alone makes the difference.
  const pullRaw = (headers: Record<string, string>) =>
    httpRaw(s!.sock, 'POST', `/images/create?fromImage=${encodeURIComponent(`${host}/busybox`)}&tag=auth`, '', headers);
  const noAuth = await pullRaw({});
  assert.equal(noAuth.status, 200);
  assert.match(noAuth.body, /"error"/);
  const withAuth = await pullRaw({ 'X-Registry-Auth': b64url({ username: 'alice', password: 'wonder land', serveraddress: host }) });
  assert.doesNotMatch(withAuth.body, /"error"/, withAuth.body);

  const authOk = await httpRaw(s!.sock, 'POST', '/auth', JSON.stringify({ username: 'alice', password: 'wonder land', serveraddress: host }));
  assert.equal(authOk.status, 200);
  assert.equal(JSON.parse(authOk.body).Status, 'Login Succeeded');
  const authBad = await httpRaw(s!.sock, 'POST', '/auth', JSON.stringify({ username: 'alice', password: 'nope', serveraddress: host }));
  assert.equal(authBad.status, 401, authBad.body);
});
