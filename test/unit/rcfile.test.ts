import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../../src/errors.js';
import { renderConfig, envPassthrough, DEFAULT_CAPS, DEFAULT_DEVICES, type LxcSpec } from '../../src/runtime/rcfile.js';

const base: LxcSpec = {
  rootfs: '/s/containers/x/rootfs',
  hostname: 'abc',
  env: ['PATH=/bin', 'A=b c'],
  cwd: '/work',
  uid: 1000,
  gid: 100,
  caps: DEFAULT_CAPS,
  devices: DEFAULT_DEVICES,
  cgroupVersion: 1,
  apparmor: false,
  seccompProfile: '/s/seccomp.profile',
};

function lines(t: string, key: string): string[] {
  return t
    .split('\n')
    .filter((l) => l.startsWith(`${key} = `))
    .map((l) => l.slice(key.length + 3));
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

test('an env value the config cannot hold is written as its key alone and passed in the environment', () => {
  const env = ['PATH=/bin', 'X=1\nlxc.init.uid = 0', 'T=x ', 'L= lead', 'TAB=a\tb'];
  const t = renderConfig({ ...base, env });
  assert.deepEqual(lines(t, 'lxc.environment'), ['PATH=/bin', 'X', 'T', 'L', 'TAB=a\tb']);
  assert.deepEqual(lines(t, 'lxc.init.uid'), ['1000']);
  assert.deepEqual(envPassthrough(env), { X: '1\nlxc.init.uid = 0', T: 'x ', L: ' lead' });
});

test('keys that steer the host tools, or that the config cannot hold, are refused when passed in the environment', () => {
  for (const e of ['LD_PRELOAD=/x\n', 'PATH=/bin\n', 'SHELL=/bin/sh ', 'A B=x\n', 'K\n=1', 'LD_PRELOAD=/evil.so ']) {
    assert.throws(() => renderConfig({ ...base, env: ['PATH=/bin', e] }), InvalidArgument, JSON.stringify(e));
  }
  // Fine in the config itself, so fine.
  assert.doesNotThrow(() => renderConfig({ ...base, env: ['PATH=/bin:/usr/bin', 'LD_LIBRARY_PATH=/opt/lib'] }));
});

test('a veth on the bridge, with address, gateway and MAC; or another namespace shared', () => {
  const t = renderConfig({
    ...base,
    net: [
      { type: 'veth', link: 'dl0', name: 'eth0', hwaddr: '02:42:0a:01:01:02', vethPair: 'vdlabc0', ipv4: '10.1.1.2/24 10.1.1.255', gateway: '10.1.1.1' },
      { type: 'veth', link: 'dl-1', name: 'eth1', vethPair: 'vdlabc1', ipv4: '10.2.0.2/24 10.2.0.255' },
    ],
  });
  assert.deepEqual(lines(t, 'lxc.net.0.type'), ['veth']);
  assert.deepEqual(lines(t, 'lxc.net.0.link'), ['dl0']);
  assert.deepEqual(lines(t, 'lxc.net.0.flags'), ['up']);
  assert.deepEqual(lines(t, 'lxc.net.0.veth.pair'), ['vdlabc0']);
  assert.deepEqual(lines(t, 'lxc.net.0.hwaddr'), ['02:42:0a:01:01:02']);
  assert.deepEqual(lines(t, 'lxc.net.0.ipv4.address'), ['10.1.1.2/24 10.1.1.255']);
  assert.deepEqual(lines(t, 'lxc.net.0.ipv4.gateway'), ['10.1.1.1']);
  assert.deepEqual(lines(t, 'lxc.net.1.name'), ['eth1']);
  assert.equal(lines(t, 'lxc.net.1.ipv4.gateway').length, 0, 'only the first network holds the default route');
  assert.equal(lines(t, 'lxc.namespace.share.net').length, 0);

  const shared = renderConfig({ ...base, netNamespaceOf: 4242, net: [{ type: 'veth', link: 'x' }] });
  assert.deepEqual(lines(shared, 'lxc.namespace.share.net'), ['4242']);
  assert.equal(lines(shared, 'lxc.net.0.type').length, 0, 'no interfaces of its own when sharing');
  const host = renderConfig({ ...base, hostNetwork: true });
  assert.deepEqual(lines(host, 'lxc.namespace.share.net'), ['1']);
  assert.equal(lines(host, 'lxc.net.0.type').length, 0);
  const none = renderConfig({ ...base, net: [] });
  assert.deepEqual(lines(none, 'lxc.net.0.type'), ['empty'], '--network none: loopback only');
});

test('bind mounts render as fstab lines', () => {
  const t = renderConfig({ ...base, mounts: [{ source: '/s/containers/x/hosts', target: 'etc/hosts', fstype: 'none', options: ['bind', 'create=file'] }] });
  assert.ok(lines(t, 'lxc.mount.entry').includes('/s/containers/x/hosts etc/hosts none bind,create=file 0 0'));
});
