// --mount, the mounts a container records and shows in inspect, and finding a command through them.
// The messages and shapes are dockerd 20.10's and the docker CLI 28's (recorded from the real ones).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkMountConfig,
  inspectMounts,
  mountsOf,
  orderMounts,
  parseMountFlag,
  resolveThroughMounts,
  tmpfsMountOptions,
} from '../../src/engine/container/spec/mounts.js';
import { checkLocalOptions } from '../../src/engine/volume/volumes.js';
import { InvalidArgument } from '../../src/errors.js';

const msg = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof InvalidArgument, String(e));
    return e.message;
  }
  assert.fail('no error');
};

test('--mount is parsed as the docker CLI parses it', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/tmp,dst=/x,readonly,bind-propagation=rshared'), {
    Type: 'bind',
    Source: '/tmp',
    Target: '/x',
    ReadOnly: true,
    BindOptions: { Propagation: 'rshared' },
  });
  assert.deepEqual(parseMountFlag('src=v,target=/d,volume-nocopy,volume-opt=type=tmpfs,volume-opt=device=tmpfs,volume-label=a=b'), {
    Type: 'volume',
    Source: 'v',
    Target: '/d',
    VolumeOptions: { NoCopy: true, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } }, Labels: { a: 'b' } },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=1770'), {
    Type: 'tmpfs',
    Target: '/t',
    TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 },
  });
  assert.deepEqual(tmpfsMountOptions({ SizeBytes: 1048576, Mode: 0o1770 }), ['size=1048576', 'mode=1770']);
  assert.equal(parseMountFlag('type=bind,src=/a,dst=/b,ro=false').ReadOnly, false);
  // docker CLI 28's messages
  assert.equal(
    msg(() => parseMountFlag('type=volume')),
    'invalid argument "type=volume" for "--mount" flag: target is required',
  );
  assert.equal(
    msg(() => parseMountFlag('type=bind,src=/tmp,dst=/x,volume-opt=a=b')),
    `invalid argument "type=bind,src=/tmp,dst=/x,volume-opt=a=b" for "--mount" flag: cannot mix 'volume-*' options with mount type 'bind'`,
  );
  assert.equal(
    msg(() => parseMountFlag('type=volume,src=v,dst=/x,bind-propagation=rshared')),
    `invalid argument "type=volume,src=v,dst=/x,bind-propagation=rshared" for "--mount" flag: cannot mix 'bind-*' options with mount type 'volume'`,
  );
  assert.equal(
    msg(() => parseMountFlag('type=volume,src=v,dst=/x,tmpfs-size=1m')),
    `invalid argument "type=volume,src=v,dst=/x,tmpfs-size=1m" for "--mount" flag: cannot mix 'tmpfs-*' options with mount type 'volume'`,
  );
  assert.equal(
    msg(() => parseMountFlag('type=bind,src=/tmp,dst=/x,foo=bar')),
    `invalid argument "type=bind,src=/tmp,dst=/x,foo=bar" for "--mount" flag: unexpected key 'foo' in 'foo=bar'`,
  );
  assert.equal(
    msg(() => parseMountFlag('type=bind,src=/tmp,dst=/x,readonly=maybe')),
    `invalid argument "type=bind,src=/tmp,dst=/x,readonly=maybe" for "--mount" flag: invalid value for readonly: maybe`,
  );
});

test("--mount is checked as dockerd checks it, with dockerd's messages", () => {
  assert.equal(
    msg(() => checkMountConfig({ Type: 'bind', Source: '/nonexist/x', Target: '/x' })),
    'invalid mount config for type "bind": bind source path does not exist: /nonexist/x',
  );
  assert.equal(
    msg(() => checkMountConfig({ Type: 'bind', Target: '/x' })),
    'invalid mount config for type "bind": field Source must not be empty',
  );
  assert.equal(
    msg(() => checkMountConfig({ Type: 'foo' as 'bind', Target: '/x' })),
    'invalid mount config for type "foo": mount type unknown',
  );
  assert.equal(
    msg(() => checkMountConfig({ Type: 'tmpfs', Source: 'a', Target: '/x' })),
    'invalid mount config for type "tmpfs": field Source must not be specified',
  );
  assert.equal(
    msg(() => checkMountConfig({ Type: 'bind', Source: '/tmp', Target: 'x' })),
    `invalid mount config for type "bind": invalid mount path: 'x' mount path must be absolute`,
  );
  checkMountConfig({ Type: 'bind', Source: '/tmp', Target: '/x' });
  checkMountConfig({ Type: 'tmpfs', Target: '/x', TmpfsOptions: { SizeBytes: 1 } });
});

test("volume create -o: the local driver's options, with dockerd's messages", () => {
  checkLocalOptions({});
  checkLocalOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=1m,uid=5' });
  assert.equal(
    msg(() => checkLocalOptions({ foo: 'bar' })),
    'invalid option: "foo"',
  );
  assert.equal(
    msg(() => checkLocalOptions({ o: 'size=1m' })),
    'missing required option: "device"',
  );
  assert.equal(
    msg(() => checkLocalOptions({ device: 'tmpfs' })),
    'missing required option: "type"',
  );
});

test("inspect's Mounts entries have Docker's keys and values", () => {
  const c = {
    hostConfig: {},
    mounts: [
      { Type: 'bind' as const, Source: '/h', Destination: '/h', Mode: '', RW: true, Propagation: 'rprivate' },
      { Type: 'volume' as const, Name: 'named1', Source: '/root/volumes/named1', Destination: '/n', Driver: 'local', Mode: 'ro', RW: false, Propagation: '' },
      { Type: 'tmpfs' as const, Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '', tmpfsOptions: ['size=1048576'] },
    ],
  };
  // From dockerd 20.10: docker inspect -f '{{json .Mounts}}' of -v /h:/h -v named1:/n:ro --mount type=tmpfs,dst=/t
  assert.deepEqual(
    inspectMounts(c, (n) => `/v/${n}`),
    [
      { Type: 'bind', Source: '/h', Destination: '/h', Mode: '', RW: true, Propagation: 'rprivate' },
      { Type: 'volume', Name: 'named1', Source: '/root/volumes/named1', Destination: '/n', Driver: 'local', Mode: 'ro', RW: false, Propagation: '' },
      { Type: 'tmpfs', Source: '', Destination: '/t', Mode: '', RW: true, Propagation: '' },
    ],
  );
  assert.deepEqual(Object.keys(inspectMounts(c, (n) => n)[1]), ['Type', 'Name', 'Source', 'Destination', 'Driver', 'Mode', 'RW', 'Propagation']);
  // A record made before mounts were kept: its Binds say what it mounts.
  assert.deepEqual(mountsOf({ hostConfig: { Binds: ['/srv:/data:ro', 'vol:/v'] } }), [
    { Type: 'bind', Source: '/srv', Destination: '/data', Mode: 'ro', RW: false, Propagation: 'rprivate' },
    // dockerd 20.10: a named volume given without options shows Mode "z".
    { Type: 'volume', Name: 'vol', Source: '', Destination: '/v', Driver: 'local', Mode: 'z', RW: true, Propagation: '' },
  ]);
});

test('a command is looked up through the mounts that cover it', async () => {
  const d = mkdtempSync(join(tmpdir(), 'dl-mounts-'));
  try {
    mkdirSync(join(d, 'rootfs/bin'), { recursive: true });
    writeFileSync(join(d, 'rootfs/bin/sh'), '');
    mkdirSync(join(d, 'host'));
    writeFileSync(join(d, 'host/s.sh'), '');
    const mounts = [{ target: '/h', source: join(d, 'host') }, { target: '/entry.sh', source: join(d, 'host/s.sh') }, { target: '/t' }];
    const root = join(d, 'rootfs');
    assert.equal(await resolveThroughMounts(root, mounts, '/h/s.sh'), join(d, 'host/s.sh'));
    assert.equal(await resolveThroughMounts(root, mounts, '/entry.sh'), join(d, 'host/s.sh'));
    assert.equal(await resolveThroughMounts(root, mounts, '/bin/sh'), join(root, 'bin/sh'));
    assert.equal(await resolveThroughMounts(root, mounts, '/hx/s.sh'), join(root, 'hx/s.sh'));
    assert.equal(await resolveThroughMounts(root, mounts, '/t/x'), undefined, 'a tmpfs cannot be seen from the host');
    // ../ cannot climb out of the mount's source
    assert.equal(await resolveThroughMounts(root, mounts, '/h/../../etc/passwd'), join(root, 'etc/passwd'));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('mounts are ordered parents first, and what lands on another mount is created there', () => {
  const e = (target: string, source = '/nonexistent-file') => ({ source, target, fstype: 'none', options: ['bind'] });
  const out = orderMounts([e('etc/hostname'), e('etc/hosts'), e('etc', '/'), e('data/sub', '/'), e('data', '/')]);
  assert.deepEqual(
    out.map((m) => m.target),
    ['etc', 'data', 'etc/hostname', 'etc/hosts', 'data/sub'],
  );
  assert.deepEqual(out[2].options, ['bind', 'create=file']);
  assert.deepEqual(out[4].options, ['bind', 'create=dir']);
  assert.deepEqual(out[0].options, ['bind']);
});
