// The API's HostConfig check: the fields the run flags fill are accepted in
// the API's shapes and normalised as the CLI records them; bad values and
// unsupported fields are refused (400), never dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkHostConfig } from '../../src/engine/container/spec/validate.js';

test('the run-flag fields pass through in the shapes the CLI records', () => {
  const hc = checkHostConfig({
    Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 2048 }],
    Devices: [{ PathOnHost: '/dev/null', PathInContainer: '', CgroupPermissions: '' }],
    Sysctls: { 'net.ipv4.ip_forward': '1' },
    Mounts: [{ Type: 'tmpfs', Target: '/scratch' }],
    VolumesFrom: ['other:ro'],
    IpcMode: 'shareable',
    PidMode: 'host',
    UTSMode: '',
    UsernsMode: 'host',
    Init: true,
    GroupAdd: ['audio'],
    ShmSize: 128 << 20,
    CpuShares: 512,
    CpusetCpus: '0',
    MemoryReservation: 0,
    OomScoreAdj: -500,
  });
  assert.deepEqual(hc.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.deepEqual(hc.Devices, [{ PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rwm' }]);
  assert.deepEqual(hc.Sysctls, { 'net.ipv4.ip_forward': '1' });
  assert.deepEqual(hc.Mounts, [{ Type: 'tmpfs', Target: '/scratch' }]);
  assert.deepEqual(hc.VolumesFrom, ['other:ro']);
  assert.equal(hc.IpcMode, 'shareable');
  assert.equal(hc.PidMode, 'host');
  assert.equal(hc.UTSMode, undefined);
  assert.equal(hc.Init, true);
  assert.deepEqual(hc.GroupAdd, ['audio']);
  assert.equal(hc.ShmSize, 128 << 20);
  assert.equal(hc.CpuShares, 512);
  assert.equal(hc.CpusetCpus, '0');
  assert.equal(hc.MemoryReservation, undefined);
  assert.equal(hc.OomScoreAdj, -500);
});

test('bad values of those fields are refused with the flags messages', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ Ulimits: [{ Name: 'nosuch', Soft: 1, Hard: 1 }] }, /invalid ulimit type: nosuch/],
    [{ Ulimits: [{ Name: 'nofile', Soft: 10, Hard: 1 }] }, /soft limit must be less than or equal to hard limit/],
    [{ Devices: [{ PathOnHost: 'dev/null' }] }, /host path must be absolute/],
    [{ Mounts: [{ Type: 'bind', Source: '/nonexistent-dl-src', Target: '/x' }] }, /bind source path does not exist/],
    [{ Mounts: [{ Type: 'volume', Target: 'relative' }] }, /must be absolute/],
    [{ IpcMode: 'bogus' }, /Invalid IPC mode: bogus/],
    [{ UTSMode: 'container:x' }, /invalid UTS mode/],
    [{ OomScoreAdj: 2000 }, /range for oom score adj is \[-1000, 1000\]/],
    [{ ShmSize: -1 }, /must not be negative/],
    [{ Init: 'yes' }, /must be a boolean/],
    [{ Sysctls: ['a=b'] }, /must be an object/],
    [{ DeviceRequests: [{ Driver: 'nvidia', Count: -1 }] }, /not supported by dockerlite/],
    [{ UsernsMode: 'private' }, /not supported by dockerlite/],
  ];
  for (const [hc, why] of bad) assert.throws(() => checkHostConfig(hc), why, JSON.stringify(hc));
});
