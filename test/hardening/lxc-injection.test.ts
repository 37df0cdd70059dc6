// Hardening item 1, end to end: an image whose WorkingDir smuggles LXC
// config lines (every capability, no seccomp, the host's / mounted) is
// refused at start, whether it came by load, by pull from a real registry,
// or from a build; so are --hostname, -w and -e values that try the same.
// The container would touch a file on the host if the escape worked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { TestEnv, missingPrereq, type RunResult } from '../helpers/env.js';
import { TestRegistry } from '../helpers/registry.js';
import { busyboxBase, writeImage, writeIndex, skopeoPush } from '../helpers/oci.js';

const skip = missingPrereq({ tools: ['docker-registry', 'skopeo', 'lxc-execute', 'btrfs', 'tar'] });
const env = new TestEnv();
let reg: TestRegistry;
const work = join(env.dir, 'work');
const pwned = join(env.dir, 'pwned');
/** The escape from the issue: new config lines after the working directory. */
const escape = (extra = '') =>
  `/tmp\nlxc.cap.keep =\nlxc.seccomp.profile =\nlxc.cgroup.devices.allow = a\nlxc.mount.entry = / mnt/host none rbind,create=dir 0 0${extra}`;
const touchHost = ['sh', '-c', `touch /mnt/host${pwned}; touch /mnt/host${pwned}`];

before(async () => {
  if (skip) return;
  mkdirSync(work, { recursive: true });
  await env.ok(['init']);
  reg = await TestRegistry.start(join(env.dir, 'registry'));
  const layout = join(work, 'layout');
  const img = await writeImage(layout, { layers: [{ entries: busyboxBase() }], config: { WorkingDir: escape(), Cmd: touchHost, Env: ['PATH=/bin'] } });
  writeIndex(layout, [{ tag: 'hostile/wd:1', desc: img.manifest }]);
  skopeoPush(layout, 'hostile/wd:1', `${reg.host}/hostile/wd:1`);
});
after(async () => {
  await reg?.stop();
  await env.cleanup();
});

function assertRefused(r: RunResult, what: RegExp, label: string): void {
  assert.equal(r.status, 125, `${label}: exit 125, got ${r.status}\n${r.stderr}`);
  assert.match(r.stderr, /^dockerlite: error: /m, label);
  assert.match(r.stderr, what, label);
  assert.match(r.stderr, /newline or another control character/, label);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${label}: no stack trace`);
  assert.equal(existsSync(pwned), false, `${label}: the container wrote on the host`);
}

test('an image loaded with load cannot escape through its WorkingDir', { skip }, async () => {
  const archive = join(work, 'hostile.tar');
  const t = spawnSync('tar', ['-C', join(work, 'layout'), '-cf', archive, '.']);
  assert.equal(t.status, 0, String(t.stderr));
  assert.match(await env.ok(['load', '-i', archive]), /hostile\/wd:1/);
  assertRefused(await env.dl(['run', '--rm', 'hostile/wd:1']), /working directory/, 'load');
  assert.equal((await env.ok(['ps', '-aq'])).split('\n').filter(Boolean).length, 0, 'the refused --rm container is gone');
});

test('an image pulled from a registry cannot escape through its WorkingDir', { skip }, async () => {
  await env.ok(['pull', `${reg.host}/hostile/wd:1`]);
  assertRefused(await env.dl(['run', `${reg.host}/hostile/wd:1`]), /working directory/, 'pull');
  await env.dl(['create', '--name', 'later', `${reg.host}/hostile/wd:1`]);
  const start = await env.dl(['start', 'later']);
  assert.notEqual(start.status, 0, 'start of the hostile container');
  assert.match(start.stderr, /^dockerlite: error: .*working directory.*newline or another control character/m);
  assert.equal(existsSync(pwned), false, 'create + start: the container wrote on the host');
});

test('a build cannot escape through WORKDIR, neither in its RUN steps nor in what it makes', { skip }, async () => {
  const ctx = join(work, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM busybox\nARG W\nWORKDIR $W\nRUN touch /mnt/host${pwned}\n`);
  const withRun = await env.dl(['build', '-t', 'hostile/built:1', '--build-arg', `W=${escape()}`, ctx]);
  assert.notEqual(withRun.status, 0, 'the RUN step must not run');
  assert.match(withRun.stderr, /working directory.*newline or another control character/s);
  assert.equal(existsSync(pwned), false, 'the RUN step wrote on the host');

  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nARG W\nWORKDIR $W\n');
  const r = await env.dl(['build', '-t', 'hostile/built:2', '--build-arg', `W=${escape()}`, ctx]);
  // Like Docker, the build records the WorkingDir it was given; it is running the image that refuses it.
  assert.equal(r.status, 0, r.stderr);
  assertRefused(await env.dl(['run', '--rm', 'hostile/built:2', ...touchHost]), /working directory/, 'built image');
  assert.equal(existsSync(pwned), false);
});

test('--hostname, -w and -e cannot add config lines either', { skip }, async () => {
  assertRefused(await env.dl(['run', '--rm', '--hostname', `h${escape()}`, 'busybox', ...touchHost]), /hostname/, '--hostname');
  assertRefused(await env.dl(['run', '--rm', '-w', escape(), 'busybox', ...touchHost]), /working directory/, '-w');
  // A value with a newline is passed whole (through lxc-execute's environment, not the config), as Docker does.
  const value = '1\nlxc.mount.entry = / mnt/host none rbind,create=dir 0 0';
  const e = await env.dl(['run', '--rm', '-e', `A=${value}`, 'busybox', 'sh', '-c', 'printf %s "$A"; test -e /mnt/host && echo MOUNTED; true']);
  assert.equal(e.status, 0, e.stderr);
  assert.equal(e.stdout, value, 'the value arrives whole, and no host mount appeared');
  // What stays allowed still works.
  assert.equal(
    await env.ok(['run', '--rm', '--hostname', 'web-1.example', '-w', '/srv/a b', '-e', 'A=x\ty', 'busybox', 'sh', '-c', 'hostname; pwd; echo "$A"']),
    'web-1.example\n/srv/a b\nx\ty',
  );
});
