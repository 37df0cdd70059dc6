// Hardening item 1: no value can add lines to an LXC config. Random hostile
// values go into every field of the spec; each render either refuses with
// InvalidArgument, or parses back (by LXC's own line rules) to exactly the
// keys a benign value gives, with the field holding what was meant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderConfig, envPassthrough, DEFAULT_CAPS, DEFAULT_DEVICES, type LxcSpec } from '../../src/runtime/rcfile.js';
import { InvalidArgument } from '../../src/errors.js';

/** LXC's reading of a config: stop at NUL, split on \n, skip blanks and # comments, key = value trimmed. */
function parseLxc(text: string): Array<[string, string]> {
  const nul = text.indexOf('\0');
  const body = nul === -1 ? text : text.slice(0, nul);
  const out: Array<[string, string]> = [];
  for (const raw of body.split('\n')) {
    const line = raw.replace(/^[ \t\r\v\f]+/, '');
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    assert.ok(eq > 0, `a line LXC would refuse: ${JSON.stringify(raw)}`);
    out.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

/** A small deterministic PRNG, so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const PIECES = [
  '\n',
  '\r',
  '\0',
  '\t',
  '\x1b',
  '\x7f',
  '\v',
  '\f',
  ' ',
  '=',
  '#',
  ',',
  '/',
  '\\',
  ':',
  '.',
  '-',
  '_',
  'a',
  'Z',
  '0',
  '9',
  'lxc.cap.keep =',
  'lxc.mount.entry = / mnt/host none rbind,create=dir 0 0',
  'lxc.seccomp.profile =',
  '\u2028',
  'é',
  '\ud83d\ude00',
];

function hostile(r: () => number): string {
  let s = r() < 0.5 ? '/' : '';
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(r() * PIECES.length)];
  return s;
}

const base: LxcSpec = {
  rootfs: '/s/containers/x/rootfs',
  hostname: 'abc',
  env: ['PATH=/bin', 'A=b'],
  cwd: '/work',
  uid: 1000,
  gid: 100,
  caps: DEFAULT_CAPS,
  devices: DEFAULT_DEVICES,
  cgroupVersion: 2,
  apparmor: true,
  seccompProfile: '/s/seccomp.profile',
  cgroup: [['memory.max', '1048576']],
  mounts: [{ source: '/host/data', target: 'data', fstype: 'none', options: ['bind', 'create=dir'] }],
  net: [{ type: 'veth', link: 'dl0', name: 'eth0', hwaddr: '02:42:0a:01:01:02', vethPair: 'vdlabc0', ipv4: '10.1.1.2/24 10.1.1.255', gateway: '10.1.1.1' }],
};

/** Each field: how to put a value in, and the key whose parsed value must then be exactly that value. */
const FIELDS: Array<{ name: string; put: (s: LxcSpec, v: string) => LxcSpec; key: string; expect?: (v: string) => string; passed?: (v: string) => string }> = [
  { name: 'hostname', put: (s, v) => ({ ...s, hostname: v }), key: 'lxc.uts.name' },
  { name: 'cwd', put: (s, v) => ({ ...s, cwd: v }), key: 'lxc.init.cwd' },
  { name: 'rootfs', put: (s, v) => ({ ...s, rootfs: v }), key: 'lxc.rootfs.path', expect: (v) => `dir:${v}` },
  { name: 'env', put: (s, v) => ({ ...s, env: ['PATH=/bin', `K=${v}`] }), key: 'lxc.environment', expect: (v) => `K=${v}`, passed: (v) => `K=${v}` },
  { name: 'env key', put: (s, v) => ({ ...s, env: ['PATH=/bin', `${v}=1`] }), key: 'lxc.environment', expect: (v) => `${v}=1`, passed: (v) => `${v}=1` },
  { name: 'seccomp', put: (s, v) => ({ ...s, seccompProfile: v }), key: 'lxc.seccomp.profile' },
  { name: 'cap', put: (s, v) => ({ ...s, caps: [v] }), key: 'lxc.cap.keep' },
  { name: 'device', put: (s, v) => ({ ...s, devices: [v, ...DEFAULT_DEVICES.slice(1)] }), key: 'lxc.cgroup2.devices.allow', expect: (v) => `${v} rwm` },
  { name: 'cgroup value', put: (s, v) => ({ ...s, cgroup: [['memory.max', v]] }), key: 'lxc.cgroup2.memory.max' },
  { name: 'cgroup key', put: (s, v) => ({ ...s, cgroup: [[v, '1']] }), key: `lxc.cgroup2.` },
  { name: 'mount source', put: (s, v) => ({ ...s, mounts: [{ ...s.mounts![0], source: v }] }), key: 'lxc.mount.entry' },
  { name: 'mount target', put: (s, v) => ({ ...s, mounts: [{ ...s.mounts![0], target: v }] }), key: 'lxc.mount.entry' },
  { name: 'mount option', put: (s, v) => ({ ...s, mounts: [{ ...s.mounts![0], options: ['bind', v] }] }), key: 'lxc.mount.entry' },
  { name: 'fstype', put: (s, v) => ({ ...s, mounts: [{ ...s.mounts![0], fstype: v }] }), key: 'lxc.mount.entry' },
  { name: 'bridge', put: (s, v) => ({ ...s, net: [{ ...s.net![0], link: v }] }), key: 'lxc.net.0.link' },
  { name: 'ifname', put: (s, v) => ({ ...s, net: [{ ...s.net![0], name: v }] }), key: 'lxc.net.0.name' },
  { name: 'mac', put: (s, v) => ({ ...s, net: [{ ...s.net![0], hwaddr: v }] }), key: 'lxc.net.0.hwaddr' },
  { name: 'veth', put: (s, v) => ({ ...s, net: [{ ...s.net![0], vethPair: v }] }), key: 'lxc.net.0.veth.pair' },
  { name: 'ipv4', put: (s, v) => ({ ...s, net: [{ ...s.net![0], ipv4: v }] }), key: 'lxc.net.0.ipv4.address' },
  { name: 'gateway', put: (s, v) => ({ ...s, net: [{ ...s.net![0], gateway: v }] }), key: 'lxc.net.0.ipv4.gateway' },
];

const keysOf = (text: string) => parseLxc(text).map(([k]) => (k.startsWith('lxc.cgroup2.') && !k.includes('devices') ? 'lxc.cgroup2.*' : k));

test('random hostile values never add, remove or reorder config keys', () => {
  const expected = keysOf(renderConfig(base));
  let refused = 0;
  let rendered = 0;
  for (let seed = 1; seed <= 3000; seed++) {
    const r = rng(seed);
    const f = FIELDS[seed % FIELDS.length];
    const v = hostile(r);
    let text: string;
    try {
      text = renderConfig(f.put(base, v));
    } catch (e) {
      assert.ok(e instanceof InvalidArgument, `seed ${seed} (${f.name}): ${String(e)}`);
      refused++;
      continue;
    }
    rendered++;
    assert.ok(!/[\0\r]/.test(text), `seed ${seed} (${f.name}): a NUL or CR reached the file`);
    assert.deepEqual(keysOf(text), expected, `seed ${seed} (${f.name}) ${JSON.stringify(v)} changed the keys`);
    if (f.expect || !['lxc.mount.entry', 'lxc.cgroup2.', 'lxc.cap.keep'].includes(f.key)) {
      const got = parseLxc(text)
        .filter(([k]) => k === f.key)
        .map(([, x]) => x);
      // An env entry the config cannot hold exactly is its key alone, with the value passed in the environment.
      const entry = f.passed?.(v) ?? '=';
      const [pk, pv] = [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)];
      const passed = f.passed ? envPassthrough(f.put(base, v).env) : {};
      const meant = (f.expect ?? ((x: string) => x))(v);
      const want = Object.hasOwn(passed, pk) ? pk : f.passed ? meant : meant.trim();
      if (Object.hasOwn(passed, pk)) assert.equal(passed[pk], pv, `seed ${seed} (${f.name}): passed value`);
      // For env, what LXC reads back is exactly what was meant, never a trimmed version of it.
      assert.ok(got.includes(want), `seed ${seed} (${f.name}): ${JSON.stringify(want)} not in ${JSON.stringify(got)}`);
    }
  }
  // Both outcomes must have happened, or the generator is not testing anything.
  assert.ok(refused > 1000, `refused ${refused}`);
  assert.ok(rendered > 100, `rendered ${rendered}`);
});

test("the values that make up the issue's escape are each refused", () => {
  const escape = '/tmp\nlxc.cap.keep =\nlxc.seccomp.profile =\nlxc.cgroup.devices.allow = a\nlxc.mount.entry = / mnt/host none rbind,create=dir 0 0';
  for (const f of FIELDS) {
    if (f.name === 'env') continue; // a value: passed whole in the environment (below)
    assert.throws(() => renderConfig(f.put(base, escape)), InvalidArgument, f.name);
  }
  const env = FIELDS.find((f) => f.name === 'env')!.put(base, escape);
  assert.deepEqual(keysOf(renderConfig(env)), keysOf(renderConfig(base)));
  assert.deepEqual(envPassthrough(env.env), { K: escape });
  assert.throws(() => renderConfig({ ...base, cwd: 'relative/dir' }), /must be an absolute path/);
  assert.throws(() => renderConfig({ ...base, uid: -1 }), InvalidArgument);
  assert.throws(() => renderConfig({ ...base, uid: 1.5 }), InvalidArgument);
  assert.throws(() => renderConfig({ ...base, netNamespaceOf: -5, net: [] }), InvalidArgument);
});
