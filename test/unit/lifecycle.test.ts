// Pure parts of the lifecycle work: limits and their cgroup settings (v1 and
// v2), capabilities, -v specs, ps filters, table formats, detach keys, times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroupSettings, parseBytes, parseLimits, parseRestart } from '../../src/engine/container/spec/limits.js';
import { effectiveCaps, normalizeCap } from '../../src/engine/container/spec/caps.js';
import { parseMountSpec, parseTmpfs } from '../../src/engine/container/spec/mounts.js';
import { parseFilters, matches } from '../../src/cli/format/filters.js';
import { formatList } from '../../src/cli/format/table.js';
import { parseDetachKeys } from '../../src/engine/container/attach.js';
import { parseTime, parseTail } from '../../src/engine/container/logs.js';
import { renderConfig, DEFAULT_CAPS, DEFAULT_DEVICES, type LxcSpec } from '../../src/runtime/rcfile.js';
import { decoder, encode, Frame } from '../../src/runtime/frames.js';
import { inPty, shellQuote } from '../../src/sys/script.js';
import { InvalidArgument } from '../../src/errors.js';
import type { ContainerView } from '../../src/store/containers.js';

const base: LxcSpec = {
  rootfs: '/s/c/rootfs',
  hostname: 'h',
  env: [],
  cwd: '/',
  uid: 0,
  gid: 0,
  caps: DEFAULT_CAPS,
  devices: DEFAULT_DEVICES,
  cgroupVersion: 1,
  apparmor: false,
};
const lines = (t: string, key: string) =>
  t
    .split('\n')
    .filter((l) => l.startsWith(`${key} = `))
    .map((l) => l.slice(key.length + 3));

test('memory sizes parse as Docker does, and bad ones are refused', () => {
  assert.equal(parseBytes('512m'), 512 * 1024 ** 2);
  assert.equal(parseBytes('1g'), 1024 ** 3);
  assert.equal(parseBytes('64MB'), 64 * 1024 ** 2);
  assert.equal(parseBytes('1048576'), 1048576);
  assert.throws(() => parseBytes('lots'), InvalidArgument);
  assert.throws(() => parseLimits({ memory: '1m' }), /Minimum memory limit/);
  assert.throws(() => parseLimits({ cpus: '-1' }), InvalidArgument);
  assert.deepEqual(parseLimits({ memory: '64m', cpus: '1.5', pidsLimit: '100' }), { Memory: 64 * 1024 ** 2, NanoCpus: 1.5e9, PidsLimit: 100 });
  assert.deepEqual(parseRestart('on-failure:3'), { Name: 'on-failure', MaximumRetryCount: 3 });
  assert.deepEqual(parseRestart('always'), { Name: 'always', MaximumRetryCount: 0 });
  assert.throws(() => parseRestart('always:3'), InvalidArgument);
  assert.throws(() => parseRestart('sometimes'), InvalidArgument);
});

test('limits become cgroup v1 keys, and v2 keys on a unified host', () => {
  const hc = { Memory: 64 * 1024 ** 2, NanoCpus: 5e8, PidsLimit: 20 };
  assert.deepEqual(cgroupSettings(hc, 1, { memsw: true }), [
    ['memory.limit_in_bytes', String(64 * 1024 ** 2)],
    ['memory.memsw.limit_in_bytes', String(128 * 1024 ** 2)],
    ['cpu.cfs_period_us', '100000'],
    ['cpu.cfs_quota_us', '50000'],
    ['pids.max', '20'],
  ]);
  assert.deepEqual(
    cgroupSettings(hc, 1, { memsw: false }).map(([k]) => k),
    ['memory.limit_in_bytes', 'cpu.cfs_period_us', 'cpu.cfs_quota_us', 'pids.max'],
  );
  assert.deepEqual(cgroupSettings({ ...hc, MemorySwap: -1 }, 2), [
    ['memory.max', String(64 * 1024 ** 2)],
    ['memory.swap.max', 'max'],
    ['cpu.max', '50000 100000'],
    ['pids.max', '20'],
  ]);
  const v2 = renderConfig({ ...base, cgroupVersion: 2, cgroup: cgroupSettings(hc, 2) });
  assert.deepEqual(lines(v2, 'lxc.cgroup2.memory.max'), [String(64 * 1024 ** 2)]);
  assert.deepEqual(lines(v2, 'lxc.cgroup2.memory.swap.max'), [String(64 * 1024 ** 2)]);
  assert.deepEqual(lines(v2, 'lxc.cgroup2.cpu.max'), ['50000 100000']);
  assert.deepEqual(lines(v2, 'lxc.cgroup2.pids.max'), ['20']);
  assert.equal(lines(v2, 'lxc.cgroup.memory.limit_in_bytes').length, 0);
  const v1 = renderConfig({ ...base, cgroup: cgroupSettings(hc, 1) });
  assert.deepEqual(lines(v1, 'lxc.cgroup.pids.max'), ['20']);
});

test('rcfile: a console only for -t, read-only rootfs, escaped mount paths', () => {
  assert.deepEqual(lines(renderConfig(base), 'lxc.console.path'), ['none']);
  assert.deepEqual(lines(renderConfig({ ...base, tty: true }), 'lxc.console.path'), []);
  assert.deepEqual(lines(renderConfig({ ...base, readonlyRootfs: true }), 'lxc.rootfs.options'), ['ro']);
  const t = renderConfig({ ...base, mounts: [{ source: '/host/my dir', target: 'data', fstype: 'none', options: ['bind', 'ro'] }] });
  assert.ok(lines(t, 'lxc.mount.entry').includes('/host/my\\040dir data none bind,ro 0 0'));
});

test('capabilities follow Docker: add, drop, ALL', () => {
  assert.equal(normalizeCap('CAP_NET_ADMIN'), 'net_admin');
  assert.throws(() => normalizeCap('FLY'), InvalidArgument);
  assert.ok(effectiveCaps(['NET_ADMIN']).includes('net_admin'));
  assert.ok(!effectiveCaps([], ['CHOWN']).includes('chown'));
  assert.deepEqual(effectiveCaps([], ['ALL']), []);
  assert.deepEqual(effectiveCaps(['KILL'], ['ALL']), ['kill']);
  assert.equal(effectiveCaps(['ALL']).length, 41);
});

test('-v and --tmpfs specs', () => {
  assert.deepEqual(parseMountSpec('/srv:/data:ro'), { type: 'bind', source: '/srv', target: '/data', readonly: true, mode: 'ro', noCopy: false });
  assert.deepEqual(parseMountSpec('vol:/data'), { type: 'volume', source: 'vol', target: '/data', readonly: false, mode: '', noCopy: false });
  assert.deepEqual(parseMountSpec('/scratch'), { type: 'volume', source: '', target: '/scratch', readonly: false, mode: '', noCopy: false });
  assert.deepEqual(parseMountSpec('/scratch:ro'), { type: 'volume', source: '', target: '/scratch', readonly: true, mode: 'ro', noCopy: false });
  assert.deepEqual(parseMountSpec('v:/d:nocopy,rw'), { type: 'volume', source: 'v', target: '/d', readonly: false, mode: 'nocopy,rw', noCopy: true });
  assert.throws(() => parseMountSpec('/a:relative'), InvalidArgument);
  assert.throws(() => parseMountSpec('/a:/b:xx'), InvalidArgument);
  assert.throws(() => parseMountSpec('/a:/'), InvalidArgument);
  assert.deepEqual(parseTmpfs('/run:size=1m'), ['/run', 'size=1m']);
  assert.throws(() => parseTmpfs('run'), InvalidArgument);
});

test('ps filters: one key ORs its values (labels AND them, as dockerd), different keys AND', () => {
  const c = (name: string, status: string, exitCode = 0, labels: Record<string, string> = {}) =>
    ({
      id: name.padEnd(64, '0'),
      name,
      imageRef: 'busybox',
      image: 'abc',
      state: { status, exitCode },
      config: { Labels: labels },
    }) as unknown as ContainerView;
  const all = [c('web', 'running', 0, { app: 'x', tier: 'front' }), c('db', 'exited', 1, { app: 'x' }), c('job', 'exited', 0)];
  const pick = (...f: string[]) => all.filter((x) => matches(x, parseFilters(f))).map((x) => x.name);
  assert.deepEqual(pick('status=exited'), ['db', 'job']);
  assert.deepEqual(pick('status=exited', 'status=running'), ['web', 'db', 'job']);
  assert.deepEqual(pick('status=exited', 'name=^d'), ['db']);
  assert.deepEqual(pick('exited=1'), ['db']);
  assert.deepEqual(pick('label=app=x'), ['web', 'db']);
  // compose 1.29 asks project=P together with oneoff=False: both must hold
  assert.deepEqual(pick('label=app=x', 'label=tier=front'), ['web']);
  assert.deepEqual(pick('label=app=x', 'label=tier'), ['web']);
  assert.deepEqual(pick('ancestor=busybox'), ['web', 'db', 'job']);
  assert.throws(() => parseFilters(['colour=red']), InvalidArgument);
  assert.throws(() => parseFilters(['status=sleepy']), InvalidArgument);
});

test('--format table adds Docker headers and aligns columns', () => {
  const rows = [
    { ID: 'abc', Names: 'web', Status: 'Up 3 minutes' },
    { ID: 'defghi', Names: 'db', Status: 'Exited (1) 2 seconds ago' },
  ];
  assert.equal(
    formatList('table {{.ID}}\\t{{.Names}}\\t{{.Status}}', rows),
    // Go's tabwriter as the docker CLI sets it: a column is at least 10 wide.
    'CONTAINER ID   NAMES     STATUS\nabc            web       Up 3 minutes\ndefghi         db        Exited (1) 2 seconds ago\n',
  );
  assert.equal(formatList('{{.Names}}:{{.Status}}', rows), 'web:Up 3 minutes\ndb:Exited (1) 2 seconds ago\n');
});

test('detach keys, log times and --tail', () => {
  assert.deepEqual(parseDetachKeys('ctrl-p,ctrl-q'), [0x10, 0x11]);
  assert.deepEqual(parseDetachKeys('ctrl-a,x'), [0x01, 0x78]);
  assert.throws(() => parseDetachKeys('ctrl-1'), InvalidArgument);
  const now = Date.parse('2024-05-01T12:00:00Z');
  assert.equal(parseTime('10m', now), now - 600_000);
  assert.equal(parseTime('1h30m', now), now - 5_400_000);
  assert.equal(parseTime('1700000000', now), 1_700_000_000_000);
  assert.equal(parseTime('2024-05-01T11:00:00Z', now), now - 3_600_000);
  assert.throws(() => parseTime('yesterday', now), InvalidArgument);
  assert.equal(parseTail('all'), undefined);
  assert.equal(parseTail('5'), 5);
  assert.throws(() => parseTail('-3'), InvalidArgument);
});

test('attach frames survive arbitrary chunking', () => {
  const got: Array<[Frame, string]> = [];
  const feed = decoder((t, p) => got.push([t, p.toString()]));
  const bytes = Buffer.concat([encode(Frame.Stdout, 'hello\n'), encode(Frame.Stderr, 'oops'), encode(Frame.Exit, '3')]);
  for (const b of bytes) feed(Buffer.from([b]));
  assert.deepEqual(got, [
    [Frame.Stdout, 'hello\n'],
    [Frame.Stderr, 'oops'],
    [Frame.Exit, '3'],
  ]);
});

test('the pty adaptor quotes every word for script -c', () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  const argv = inPty(['lxc-execute', '--', 'sh', '-c', 'echo $HOME; rm -rf /'], { rows: 30, cols: 100 });
  assert.deepEqual(argv.slice(0, 7), ['script', '-q', '-e', '-f', '-E', 'never', '-c']);
  assert.equal(argv[7], `stty rows 30 cols 100 2>/dev/null; exec lxc-execute -- sh -c 'echo $HOME; rm -rf /'`);
});
