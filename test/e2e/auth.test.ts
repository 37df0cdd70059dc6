// Registries that want credentials: docker-registry over TLS (a CA the test
// makes, given to dockerlite through a certs.d directory) with htpasswd
// Basic auth, and docker-registry in token mode with a token server, for
// the Bearer challenge. Credentials live in Docker's config.json, or in a
// credential helper.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, copyFileSync, readFileSync, writeFileSync, statSync, existsSync, chmodSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { TestRegistry, makePki, makeHtpasswd } from '../helpers/registry.js';
import { TokenServer } from '../helpers/tokenserver.js';

const skip = missingPrereq({ tools: ['docker-registry', 'skopeo', 'lxc-execute', 'btrfs', 'openssl', 'htpasswd'] });
const base = new TestEnv();
const certsD = join(base.dir, 'certs.d');
const dockerConfig = join(base.dir, 'docker-config');
const env = new TestEnv({ DOCKERLITE_CERTS_D: certsD, DOCKER_CONFIG: dockerConfig });
let tls: TestRegistry;
let tokenReg: TestRegistry;
let tokens: TokenServer;
let pkiDir: string;

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  pkiDir = join(base.dir, 'pki');
  const pki = makePki(pkiDir);
  makeHtpasswd(join(base.dir, 'htpasswd'), 'alice', 'wonder land');
  tls = await TestRegistry.start(join(base.dir, 'tls-registry'), { tls: pki, htpasswd: join(base.dir, 'htpasswd') });
  mkdirSync(join(certsD, tls.host), { recursive: true });
  copyFileSync(pki.caCert, join(certsD, tls.host, 'ca.crt'));
  tokens = await TokenServer.start(base.dir, { bob: 'builder' });
  tokenReg = await TestRegistry.start(join(base.dir, 'token-registry'), {
    token: { realm: tokens.realm, service: tokens.service, issuer: tokens.issuer, rootcertbundle: tokens.cert },
  });
});
after(async () => {
  await tls?.stop();
  await tokenReg?.stop();
  await tokens?.stop();
  await env.cleanup();
  await base.cleanup();
});

const config = () => JSON.parse(readFileSync(join(dockerConfig, 'config.json'), 'utf8'));

test('TLS with a CA from certs.d and htpasswd: login, push, pull, logout', { skip }, async () => {
  const ref = `${tls.host}/private/app:1`;
  await env.ok(['tag', 'busybox', ref]);
  const anon = await env.dl(['push', ref]);
  assert.equal(anon.status, 1);
  assert.match(anon.stderr, /requires authentication .*dockerlite login/);

  mkdirSync(dockerConfig, { recursive: true });
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: {}, psFormat: 'table {{.ID}}' }));
  const wrong = await env.dl(['login', '-u', 'alice', '--password-stdin', tls.host], { input: 'not it\n' });
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /login to 127\.0\.0\.1:\d+ failed: incorrect username or password/);
  assert.deepEqual(config().auths, {}, 'nothing stored after a failed login');

  const ok = await env.dl(['login', '-u', 'alice', '--password-stdin', tls.host], { input: 'wonder land\n' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'Login Succeeded\n');
  assert.equal(config().auths[tls.host].auth, Buffer.from('alice:wonder land').toString('base64'));
  assert.equal(config().psFormat, 'table {{.ID}}', 'other settings in config.json are kept');
  assert.equal(statSync(join(dockerConfig, 'config.json')).mode & 0o777, 0o600);

  const push = await env.dl(['push', ref]);
  assert.equal(push.status, 0, push.stderr);
  // skopeo checks the result over the same TLS with the same CA, independently.
  const inspect = spawnSync('skopeo', ['inspect', '--cert-dir', join(certsD, tls.host), '--creds', 'alice:wonder land', `docker://${ref}`], {
    encoding: 'utf8',
  });
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).Layers.length, 1);

  await env.ok(['rmi', ref]);
  await env.ok(['pull', ref]);
  assert.equal(await env.ok(['run', '--rm', ref, 'echo', 'pulled over TLS']), 'pulled over TLS');

  assert.equal(await env.ok(['logout', tls.host]), `Removing login credentials for ${tls.host}`);
  assert.equal(config().auths[tls.host], undefined);
  assert.equal(await env.ok(['logout', tls.host]), `Not logged in to ${tls.host}`);
  const after = await env.dl(['pull', ref]);
  assert.equal(after.status, 1);
  assert.match(after.stderr, /requires authentication/);
});

test('a certificate from an unknown CA is refused, with the way out in the message', { skip }, async () => {
  const other = join(base.dir, 'other-ca');
  const otherPki = makePki(join(base.dir, 'other-pki'));
  mkdirSync(join(other, tls.host), { recursive: true });
  copyFileSync(otherPki.caCert, join(other, tls.host, 'ca.crt'));
  const r = await env.dl(['pull', `${tls.host}/private/app:1`], { env: { DOCKERLITE_CERTS_D: other } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted .*certs\.d/);
});

test('the Bearer token flow against docker-registry in token mode, mounts included', { skip }, async () => {
  const ref = `${tokenReg.host}/team/app:1`;
  await env.ok(['tag', 'busybox', ref]);
  const denied = await env.dl(['push', ref]);
  assert.equal(denied.status, 1);
  assert.match(denied.stderr, /requires authentication/);
  const wrong = await env.dl(['login', '-u', 'bob', '-p', 'nope', tokenReg.host]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /incorrect username or password/);
  assert.match(wrong.stderr, /WARNING! Using --password via the CLI is insecure/);

  await env.ok(['login', '-u', 'bob', '--password-stdin', tokenReg.host], { input: 'builder' });
  tokens.requests.length = 0;
  await env.ok(['push', ref]);
  assert.ok(
    tokens.requests.some((t) => t.authorized && t.account === 'bob' && t.service === tokens.service && t.scopes.includes('repository:team/app:pull,push')),
    JSON.stringify(tokens.requests),
  );

  // A mount needs pull on the source repository as well: one token covers both scopes.
  await env.ok(['tag', 'busybox', `${tokenReg.host}/team/copy:1`]);
  tokens.requests.length = 0;
  const mount = await env.dl(['push', `${tokenReg.host}/team/copy:1`]);
  assert.equal(mount.status, 0, mount.stderr);
  assert.match(mount.stderr, /Mounted from team\/app/);
  assert.ok(
    tokens.requests.some((t) => t.scopes.includes('repository:team/copy:pull,push') && t.scopes.includes('repository:team/app:pull')),
    JSON.stringify(tokens.requests),
  );

  await env.ok(['rmi', ref, `${tokenReg.host}/team/copy:1`]);
  await env.ok(['pull', `${tokenReg.host}/team/copy:1`]);
  assert.equal(await env.ok(['run', '--rm', `${tokenReg.host}/team/copy:1`, 'echo', 'token ok']), 'token ok');
  await env.ok(['logout', tokenReg.host]);
});

test('a credential helper named in config.json stores, supplies and erases the credentials', { skip }, async () => {
  const bin = join(base.dir, 'helper-bin');
  const store = join(base.dir, 'helper-store.json');
  mkdirSync(bin, { recursive: true });
  const script = join(bin, 'docker-credential-dltest');
  writeFileSync(
    script,
    `#!/bin/sh
# A toy credential helper: one secret in a file.
case "$1" in
  store) cat > '${store}' ;;
  get) read server; if [ -f '${store}' ]; then sed 's/"ServerURL":"[^"]*",//' '${store}'; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) rm -f '${store}' ;;
esac
`,
  );
  chmodSync(script, 0o755);
  const withHelper = { PATH: `${bin}:${process.env.PATH}` };
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ credHelpers: { [tokenReg.host]: 'dltest' } }));
  const login = await env.dl(['login', '-u', 'bob', '--password-stdin', tokenReg.host], { input: 'builder', env: withHelper });
  assert.equal(login.status, 0, login.stderr);
  assert.deepEqual(JSON.parse(readFileSync(store, 'utf8')), { ServerURL: tokenReg.host, Username: 'bob', Secret: 'builder' });
  assert.doesNotMatch(readFileSync(join(dockerConfig, 'config.json'), 'utf8'), /builder/, 'the secret is not in config.json');
  const pull = await env.dl(['pull', `${tokenReg.host}/team/app:1`], { env: withHelper });
  assert.equal(pull.status, 0, pull.stderr);
  assert.equal((await env.dl(['logout', tokenReg.host], { env: withHelper })).status, 0);
  assert.equal(existsSync(store), false);
});
