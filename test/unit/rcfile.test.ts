import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderConfig, DEFAULT_CAPS, DEFAULT_DEVICES, type LxcSpec } from '../../src/runtime/rcfile.js';

const base: LxcSpec = {
  rootfs: '/s/containers/x/rootfs', hostname: 'abc', env: ['PATH=/bin', 'A=b c'], cwd: '/work', uid: 1000, gid: 100,
  caps: DEFAULT_CAPS, devices: DEFAULT_DEVICES, cgroupVersion: 1, apparmor: false, seccompProfile: '/s/seccomp.profile',
};

function lines(t: string, key: string): string[] {
  return t.split('\n').filter((l) => l.startsWith(`${key} = `)).map((l) => l.slice(key.length + 3));
}

test('the config isolates as Docker does by default', () => {
  const t = renderConfig(base);
  assert.deepEqual(lines(t, 'lxc.uts.name'), ['abc']);
  assert.deepEqual(lines(t, 'lxc.rootfs.path'), ['dir:/s/containers/x/rootfs']);
  assert.deepEqual(lines(t, 'lxc.autodev'), ['1']);
  assert.deepEqual(lines(t, 'lxc.mount.auto'), ['proc:mixed sys:ro cgroup:ro']);
  assert.deepEqual(lines(t, 'lxc.cap.keep'), [DEFAULT_CAPS.join(' ')]);
  assert.deepEqual(lines(t, 'lxc.cgroup.devices.deny'), ['a']);
  assert.ok(lines(t, 'lxc.cgroup.devices.allow').includes('c 1:3 rwm'));
  assert.deepEqual(lines(t, 'lxc.seccomp.profile'), ['/s/seccomp.profile']);
  assert.deepEqual(lines(t, 'lxc.environment'), ['PATH=/bin', 'A=b c']);
  assert.deepEqual(lines(t, 'lxc.init.cwd'), ['/work']);
  assert.deepEqual(lines(t, 'lxc.init.uid'), ['1000']);
  assert.deepEqual(lines(t, 'lxc.net.0.type'), ['empty']);
  assert.equal(lines(t, 'lxc.apparmor.profile').length, 0, 'no AppArmor line on a host without it');
});

test('cgroup v2 hosts get cgroup2 keys; privileged keeps all caps', () => {
  const t = renderConfig({ ...base, cgroupVersion: 2, privileged: true, apparmor: true });
  assert.equal(lines(t, 'lxc.cgroup.devices.deny').length, 0);
  assert.equal(lines(t, 'lxc.cgroup2.devices.deny').length, 0, 'privileged: no device allowlist');
  assert.equal(lines(t, 'lxc.cap.keep').length, 0);
  assert.deepEqual(lines(t, 'lxc.apparmor.profile'), ['unconfined']);
  const v2 = renderConfig({ ...base, cgroupVersion: 2 });
  assert.deepEqual(lines(v2, 'lxc.cgroup2.devices.deny'), ['a']);
});

test('a newline in an env value cannot inject config lines', () => {
  const t = renderConfig({ ...base, env: ['X=1\nlxc.init.uid = 0'] });
  assert.deepEqual(lines(t, 'lxc.init.uid'), ['1000']);
});
