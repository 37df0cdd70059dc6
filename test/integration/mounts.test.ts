// Volumes and mounts as Docker has them: seeding from the image, the command
// on a mount, --mount, --volumes-from, inspect's Mounts, the local driver's
// options. Expected values come from dockerd 20.10 (recorded beside each check).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, chmodSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs'] });
const env = new TestEnv();
const host = join(env.dir, 'h');
const run = (...a: string[]) => env.dl(['run', '--rm', '--network', 'none', ...a]);
const ok = async (...a: string[]) => {
  const r = await run(...a);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  mkdirSync(host);
  writeFileSync(join(host, 's.sh'), '#!/bin/sh\necho hi from $0\n');
  chmodSync(join(host, 's.sh'), 0o755);
  writeFileSync(join(host, 'noexec.sh'), 'echo x\n');
  const ctx = join(env.dir, 'ctx');
  mkdirSync(ctx);
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      'FROM busybox',
      'RUN mkdir -p /data/sub && echo hello > /data/sub/f && chown -R 1000:1001 /data && chmod 0750 /data && chmod 0604 /data/sub/f && mkdir /emptyd && chown 7:8 /emptyd && chmod 0711 /emptyd',
      'VOLUME /data',
      '',
    ].join('\n'),
  );
  await env.ok(['build', '-q', '-t', 'seedimg', ctx]);
});
after(() => env.cleanup());

test('a volume is seeded from the image on first use, owners and modes kept, and never again', { skip }, async () => {
  // dockerd 20.10: "/data 750 1000 1001", "/data/sub 755 1000 1001", "/data/sub/f 604 1000 1001"
  const stat = 'stat -c "%n %a %u %g" /data /data/sub /data/sub/f';
  assert.equal(await ok('seedimg', 'sh', '-c', stat), '/data 750 1000 1001\n/data/sub 755 1000 1001\n/data/sub/f 604 1000 1001');
  assert.equal(await ok('-v', 'sv:/data', 'seedimg', 'sh', '-c', stat), '/data 750 1000 1001\n/data/sub 755 1000 1001\n/data/sub/f 604 1000 1001');
  // An empty directory still gives its owner and mode: "/emptyd 711 7 8"
  assert.equal(await ok('-v', 'sv2:/emptyd', 'seedimg', 'sh', '-c', 'stat -c "%n %a %u %g" /emptyd; echo new > /emptyd/x'), '/emptyd 711 7 8');
  // Once it has content it is not seeded again: "x" and "/data 711 7 8"
  assert.equal(await ok('-v', 'sv2:/data', 'seedimg', 'sh', '-c', 'ls /data; stat -c "%n %a %u %g" /data'), 'x\n/data 711 7 8');
  // -v name:/etc shows the image's /etc (and the files dockerlite manages)
  const etc = (await ok('-v', 'etcv:/etc', 'busybox', 'ls', '/etc')).split('\n');
  for (const f of ['passwd', 'group', 'hostname', 'hosts', 'resolv.conf']) assert.ok(etc.includes(f), `${f} in ${etc.join(' ')}`);
  // nocopy, both spellings: "/data 755 0 0" with nothing in it
  assert.equal(await ok('-v', 'nc1:/data:nocopy', 'seedimg', 'sh', '-c', 'ls /data; stat -c "%n %a %u %g" /data'), '/data 755 0 0');
  assert.equal(await ok('--mount', 'type=volume,dst=/data,volume-nocopy', 'seedimg', 'sh', '-c', 'ls /data; stat -c "%n %a %u %g" /data'), '/data 755 0 0');
});

test('the command may live on a mount; 126 and 127 as Docker', { skip }, async () => {
  assert.equal(await ok('-v', `${host}:/h`, 'busybox', '/h/s.sh'), 'hi from /h/s.sh');
  assert.equal(await ok('--entrypoint', '/entry.sh', '-v', `${join(host, 's.sh')}:/entry.sh`, 'busybox'), 'hi from /entry.sh');
  assert.equal(await ok('-v', `${host}:/h`, '-e', 'PATH=/h', 'busybox', 's.sh'), 'hi from /h/s.sh');
  assert.equal((await run('-v', `${host}:/h`, 'busybox', '/h/noexec.sh')).status, 126);
  assert.equal((await run('-v', `${host}:/h`, 'busybox', '/h/missing')).status, 127);
  assert.equal((await run('busybox', '/h/s.sh')).status, 127);
});

test('-v makes a missing bind source; --mount refuses it with dockerd message', { skip }, async () => {
  const made = join(env.dir, 'newdir', 'sub');
  await ok('-v', `${made}:/nd`, 'busybox', 'true');
  assert.ok(statSync(made).isDirectory());
  assert.equal(statSync(made).mode & 0o7777, 0o755);
  const r = await run('--mount', `type=bind,src=${join(env.dir, 'nope')},dst=/x`, 'busybox', 'true');
  assert.equal(r.status, 125);
  assert.equal(r.stderr, `dockerlite: error: invalid mount config for type "bind": bind source path does not exist: ${join(env.dir, 'nope')}\n`);
  assert.ok(!existsSync(join(env.dir, 'nope')));
  const t = await run('--mount', 'type=volume', 'busybox', 'true');
  assert.equal(t.status, 125);
  assert.match(t.stderr, /for "--mount" flag: target is required/);
});

test('--mount bind, volume and tmpfs, read-only and sized as asked', { skip }, async () => {
  // dockerd 20.10: "1770" and "tmpfs /x tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770 0 0"
  assert.equal(
    await ok('--mount', 'type=tmpfs,dst=/x,tmpfs-size=1m,tmpfs-mode=1770', 'busybox', 'sh', '-c', 'stat -c %a /x; grep " /x " /proc/mounts'),
    '1770\ntmpfs /x tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k,mode=1770 0 0',
  );
  const ro = await run('--mount', `type=bind,source=${host},target=/b,readonly`, 'busybox', 'sh', '-c', 'ls /b && touch /b/zz');
  assert.equal(ro.status, 1);
  assert.match(ro.stdout, /s\.sh/);
  assert.equal(await ok('--mount', 'src=mv,dst=/m', 'busybox', 'sh', '-c', 'echo kept > /m/f'), '');
  assert.equal(await ok('-v', 'mv:/m', 'busybox', 'cat', '/m/f'), 'kept');
});

test('inspect shows Mounts, and --volumes-from shares them with :ro', { skip }, async () => {
  await env.ok([
    'create',
    '--name',
    's1',
    '--network',
    'none',
    '-v',
    `${host}:/h`,
    '-v',
    'named1:/n:ro',
    '-v',
    '/anon',
    '--mount',
    'type=tmpfs,dst=/t',
    'busybox',
    'true',
  ]);
  const vols = join(env.root, 'volumes');
  const mounts = JSON.parse(await env.ok(['inspect', '-f', '{{json .Mounts}}', 's1'])) as Array<Record<string, unknown>>;
  const anon = mounts.find((m) => m.Destination === '/anon')!.Name as string;
  assert.match(anon, /^[0-9a-f]{64}$/);
  // dockerd 20.10's entries for the same flags (its volume directory differs)
  assert.deepEqual(mounts, [
    { Type: 'bind', Source: host, Destination: '/h', Mode: '', RW: true, Propagation: 'rprivate' },
    { Type: 'volume', Name: 'named1', Source: join(vols, 'named1'), Destination: '/n', Driver: 'local', Mode: 'ro', RW: false, Propagation: '' },
    { Type: 'volume', Name: anon, Source: join(vols, anon), Destination: '/anon', Driver: 'local', Mode: '', RW: true, Propagation: '' },
    { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
  ]);
  await env.ok(['create', '--name', 'm2', '--network', 'none', '--volumes-from', 's1:ro', 'busybox', 'true']);
  // dockerd 20.10: the binds and volumes, Mode "", RW false; not the tmpfs
  assert.deepEqual(JSON.parse(await env.ok(['inspect', '-f', '{{json .Mounts}}', 'm2'])), [
    { Type: 'bind', Source: host, Destination: '/h', Mode: '', RW: false, Propagation: 'rprivate' },
    { Type: 'volume', Name: 'named1', Source: join(vols, 'named1'), Destination: '/n', Driver: 'local', Mode: '', RW: false, Propagation: '' },
    { Type: 'volume', Name: anon, Source: join(vols, anon), Destination: '/anon', Driver: 'local', Mode: '', RW: false, Propagation: '' },
  ]);
  assert.equal(await ok('--volumes-from', 's1', 'busybox', 'sh', '-c', 'echo x > /anon/f && cat /anon/f && ls /h | head -1'), 'x\nnoexec.sh');
  const ro = await run('--volumes-from', 's1:ro', 'busybox', 'sh', '-c', 'echo x > /anon/f');
  assert.equal(ro.status, 1);
  assert.match(ro.stderr, /Read-only file system/);
  const rm = await env.dl(['volume', 'rm', anon]);
  assert.notEqual(rm.status, 0, 'the anonymous volume is in use by s1 and m2');
  await env.ok(['rm', '-v', 's1']);
  assert.match(await env.ok(['volume', 'ls', '-q']), new RegExp(anon), 'm2 still uses it');
  await env.ok(['rm', '-v', 'm2']);
  assert.doesNotMatch(await env.ok(['volume', 'ls', '-q']), new RegExp(anon));
});

test("volume create with the local driver's options, --label, and inspect's Options", { skip }, async () => {
  await env.ok(['volume', 'create', '-d', 'local', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m,uid=5', '--label', 'a=b', '--label', 'c', 'vt']);
  const v = JSON.parse(await env.ok(['volume', 'inspect', 'vt']))[0];
  assert.deepEqual(v.Options, { type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=5' });
  assert.deepEqual(v.Labels, { a: 'b', c: '' });
  // dockerd 20.10: "tmpfs /t tmpfs rw,relatime,size=1024k,uid=5 0 0" and "1777 5"
  assert.equal(
    await ok('-v', 'vt:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts; stat -c "%a %u" /t'),
    'tmpfs /t tmpfs rw,relatime,size=1024k,uid=5 0 0\n1777 5',
  );
  const bad = await env.dl(['volume', 'create', '-o', 'foo=bar', 'vx']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, 'dockerlite: error: invalid option: "foo"\n');
  const nodev = await env.dl(['volume', 'create', '-o', 'o=size=1m', 'vy']);
  assert.equal(nodev.stderr, 'dockerlite: error: missing required option: "device"\n');
});
