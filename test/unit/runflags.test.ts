// The run/create flag parsers and their LXC settings: --ulimit, --device,
// --sysctl, --pid/--ipc/--uts, CPU limits, seccomp=PROFILE.json and update's
// checks. Messages are Docker's (see test/integration/runflags.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgument } from '../../src/errors.js';
import { renderConfig, DEFAULT_CAPS, DEFAULT_DEVICES, type LxcSpec } from '../../src/runtime/rcfile.js';
import { parseUlimit, prlimitValue } from '../../src/engine/container/spec/ulimits.js';
import { parseDevice } from '../../src/engine/container/spec/devices.js';
import { parseSysctl, checkSysctlsFit } from '../../src/engine/container/spec/sysctls.js';
import { parseNamespaceModes } from '../../src/engine/container/spec/namespaces.js';
import { cgroupSettings, checkResources, parseLimits } from '../../src/engine/container/spec/limits.js';
import { parseSeccompProfile, toLxcSeccomp } from '../../src/engine/container/spec/seccomp.js';
import { parseSecurityOpt, securityOf } from '../../src/engine/container/spec/security.js';
import { parseUpdate } from '../../src/engine/container/update.js';
import { parseFlags } from '../../src/cli/args.js';

const base: LxcSpec = {
  rootfs: '/s/rootfs',
  hostname: 'abc',
  env: ['PATH=/bin'],
  cwd: '/',
  uid: 0,
  gid: 0,
  caps: DEFAULT_CAPS,
  devices: DEFAULT_DEVICES,
  cgroupVersion: 1,
  apparmor: false,
};

test('--ulimit: Docker names, soft[:hard], and its errors', () => {
  assert.deepEqual(parseUlimit('nofile=1024:2048'), { Name: 'nofile', Soft: 1024, Hard: 2048 });
  assert.deepEqual(parseUlimit('nproc=50'), { Name: 'nproc', Soft: 50, Hard: 50 });
  assert.equal(prlimitValue(parseUlimit('core=-1')), 'unlimited:unlimited');
  assert.throws(() => parseUlimit('nofile=2048:1024'), /ulimit soft limit must be less than or equal to hard limit: 2048 > 1024/);
  assert.throws(() => parseUlimit('bogus=1'), /invalid ulimit type: bogus/);
  assert.throws(() => parseUlimit('nofile'), /invalid ulimit argument: nofile/);
  assert.throws(() => parseUlimit('nofile=1:2:3'), /too many limit value arguments/);
  assert.throws(() => parseUlimit('nofile=abc'), /parsing "abc": invalid syntax/);
});

test('--device: host[:container][:perms] as Docker reads it', () => {
  assert.deepEqual(parseDevice('/dev/fuse'), { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDevice('/dev/null:rw'), { PathOnHost: '/dev/null', PathInContainer: '/dev/null', CgroupPermissions: 'rw' });
  assert.deepEqual(parseDevice('/dev/null:/dev/n2'), { PathOnHost: '/dev/null', PathInContainer: '/dev/n2', CgroupPermissions: 'rwm' });
  assert.deepEqual(parseDevice('/dev/null:/dev/n2:r'), { PathOnHost: '/dev/null', PathInContainer: '/dev/n2', CgroupPermissions: 'r' });
  assert.throws(() => parseDevice('/dev/null:/dev/x:q'), /bad mode specified: q/);
  assert.throws(() => parseDevice('/dev/null:rel'), /container path must be absolute/);
});

test('--sysctl: namespaced keys only, and none of the host namespaces a container shares', () => {
  assert.deepEqual(parseSysctl('net.ipv4.ip_forward=1'), ['net.ipv4.ip_forward', '1']);
  assert.deepEqual(parseSysctl('kernel.shmmax=1000'), ['kernel.shmmax', '1000']);
  assert.deepEqual(parseSysctl('fs.mqueue.msg_max=20'), ['fs.mqueue.msg_max', '20']);
  for (const bad of ['kernel.hostname=x', 'vm.swappiness=1', 'kernel.domainname=x', 'foo', 'net.=1'])
    assert.throws(() => parseSysctl(bad), new RegExp(`sysctl '${bad.replace(/\./g, '\\.')}' is not allowed`));
  assert.throws(() => checkSysctlsFit({ 'net.ipv4.ip_forward': '1' }, { hostNetwork: true, hostIpc: false }), /not allowed in host network namespace/);
  assert.throws(() => checkSysctlsFit({ 'kernel.sem': '1 2 3 4' }, { hostNetwork: false, hostIpc: true }), /not allowed in the hosts ipc namespace/);
});

test('--pid, --ipc, --uts and --userns modes', () => {
  assert.deepEqual(parseNamespaceModes({ pid: 'host', ipc: 'container:db', uts: 'host', userns: 'host' }), {
    PidMode: 'host',
    IpcMode: 'container:db',
    UTSMode: 'host',
    UsernsMode: 'host',
  });
  assert.throws(() => parseNamespaceModes({ pid: 'bogus' }), /--pid: invalid PID mode/);
  assert.throws(() => parseNamespaceModes({ ipc: 'bogus' }), /Invalid IPC mode: bogus/);
  assert.throws(() => parseNamespaceModes({ uts: 'bogus' }), /--uts: invalid UTS mode/);
  assert.throws(() => parseNamespaceModes({ uts: 'host', hostname: 'x' }), /conflicting options: hostname and the UTS mode/);
  assert.throws(() => parseNamespaceModes({ userns: 'foo' }), /--userns: invalid USER mode/);
});

test('the new settings render into the LXC config; a shared UTS namespace is never renamed', () => {
  const text = renderConfig({
    ...base,
    devices: [...DEFAULT_DEVICES, 'c 10:237 r'],
    prlimits: [['nofile', '1024:2048']],
    sysctls: [['net.ipv4.ip_forward', '1']],
    shareNamespaces: { pid: 42, uts: 42 },
    oomScoreAdj: 500,
  });
  assert.match(text, /^lxc\.cgroup\.devices\.allow = c 10:237 r$/m);
  assert.match(text, /^lxc\.cgroup\.devices\.allow = c 1:3 rwm$/m);
  assert.match(text, /^lxc\.prlimit\.nofile = 1024:2048$/m);
  assert.match(text, /^lxc\.hook\.start-host = nsenter -t "\$LXC_PID" -n -i -- \/bin\/sh -c "echo '1' > \/proc\/sys\/net\/ipv4\/ip_forward"$/m);
  assert.match(text, /^lxc\.namespace\.share\.pid = 42$/m);
  assert.doesNotMatch(text, /lxc\.uts\.name/);
  assert.match(text, /^lxc\.proc\.oom_score_adj = 500$/m);
  // Values pass through a shell: nothing that could end the quoting gets in.
  for (const v of ["1' ; reboot; '", '$(reboot)', '1"', '`x`'])
    assert.throws(() => renderConfig({ ...base, sysctls: [['net.ipv4.ip_forward', v]] }), InvalidArgument);
  assert.throws(() => renderConfig({ ...base, sysctls: [['net.ipv4;x', '1']] }), InvalidArgument);
  assert.throws(() => renderConfig({ ...base, prlimits: [['nofile', '1\nlxc.cap.keep = sys_admin']] }), InvalidArgument);
  assert.throws(() => renderConfig({ ...base, oomScoreAdj: 5000 }), InvalidArgument);
});

test('CPU limits: cgroup v1 and v2 settings, and Docker checks', () => {
  const hc = parseLimits({ cpuShares: '512', cpuQuota: '50000', cpuPeriod: '100000', cpusetCpus: '0', memoryReservation: '64m' });
  assert.deepEqual(cgroupSettings(hc, 1), [
    ['memory.soft_limit_in_bytes', '67108864'],
    ['cpu.shares', '512'],
    ['cpu.cfs_period_us', '100000'],
    ['cpu.cfs_quota_us', '50000'],
    ['cpuset.cpus', '0'],
  ]);
  assert.deepEqual(cgroupSettings(hc, 2), [
    ['memory.low', '67108864'],
    ['cpu.weight', '20'],
    ['cpu.max', '50000 100000'],
    ['cpuset.cpus', '0'],
  ]);
  assert.throws(() => checkResources({ NanoCpus: 1e9, CpuQuota: 50000 }, 2), /Conflicting options: Nano CPUs and CPU Quota cannot both be set/);
  assert.throws(() => checkResources({ NanoCpus: 5e9 }, 2), /Range of CPUs is from 0\.01 to 2\.00, as there are only 2 CPUs available/);
  assert.throws(() => checkResources({ CpusetCpus: '7' }, 2), /Requested CPUs are not available - requested 7, available: 0-1/);
  assert.throws(() => checkResources({ CpusetCpus: 'abc' }, 2), /Invalid value abc for cpuset cpus: invalid format: abc/);
  assert.throws(() => checkResources({ CpuQuota: 500 }, 2), /CPU cfs quota can not be less than 1ms/);
  assert.throws(() => checkResources({ CpuPeriod: 500 }, 2), /CPU cfs period can not be less than 1ms/);
  assert.throws(() => checkResources({ Memory: 2 ** 30, MemoryReservation: 2 ** 31 }, 2), /Minimum memory limit can not be less than memory reservation limit/);
  assert.throws(() => checkResources({ OomScoreAdj: 1001 }, 2), /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
  checkResources({ CpusetCpus: '0-1', CpuQuota: 50000, CpuPeriod: 100000, OomScoreAdj: -1000 }, 2);
});

test('a Docker seccomp profile becomes an LXC allowlist, with caps and arches honoured', () => {
  const prof = parseSeccompProfile(
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
        { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
        { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['s390x'] } },
      ],
    }),
  );
  const plain = toLxcSeccomp(prof, ['chown']).split('\n');
  assert.deepEqual(plain.slice(0, 2), ['2', 'allowlist errno 1']);
  assert.ok(plain.includes('read allow') && plain.includes('write allow'));
  assert.ok(plain.includes('clone allow [0,0,SCMP_CMP_MASKED_EQ,2114060288]'), 'MASKED_EQ: LXC takes [index,datum,op,mask]');
  assert.ok(plain.includes('clone3 errno 38'));
  assert.ok(!plain.some((l) => l.startsWith('chmod')), 'a rule repeating the default action is left out (libseccomp refuses it)');
  assert.ok(!plain.some((l) => l.startsWith('mount')), 'CAP_SYS_ADMIN rules need the capability');
  if (process.arch === 'x64') assert.ok(!plain.some((l) => l.startsWith('arm_only')));
  assert.ok(toLxcSeccomp(prof, ['sys_admin']).split('\n').includes('mount allow'));
  assert.throws(() => parseSeccompProfile('{bad'), /invalid seccomp profile: not JSON/);
  assert.throws(() => parseSeccompProfile('{}'), /defaultAction is missing/);
  assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_NOTIFY"}'), /not supported/);
  assert.throws(() => parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x;y"],"action":"SCMP_ACT_ERRNO"}]}'), /bad name/);
  // The text is what --security-opt records, as Docker's SecurityOpt does.
  const opt = parseSecurityOpt('seccomp={"defaultAction":"SCMP_ACT_ALLOW"}');
  assert.equal(securityOf([opt]).seccompProfile, '{"defaultAction":"SCMP_ACT_ALLOW"}');
  assert.equal(securityOf([opt]).seccomp, true);
});

test('update: an empty update is refused; the flags map to HostConfig', () => {
  assert.throws(() => parseUpdate({}), /you must provide one or more flags when using this command/);
  assert.deepEqual(parseUpdate({ memory: '64m', memorySwap: '-1', restart: 'on-failure:3', cpuShares: '256' }), {
    Memory: 64 * 1024 * 1024,
    MemorySwap: -1,
    CpuShares: 256,
    RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
  });
});

test("boolean flags take Docker's =true and =false", () => {
  const defs = { 'sig-proxy': { type: 'boolean', help: '' }, rm: { type: 'boolean', help: '' } } as const;
  assert.deepEqual(
    { ...parseFlags('run', ['--sig-proxy=false', '--rm=true', 'img'], defs, { stopAtPositional: true }).flags },
    { 'sig-proxy': false, rm: true },
  );
});
