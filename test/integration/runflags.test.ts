// The run/create flags that scripts use, and `update`: each flag's effect is
// read inside a real container. Expected values and messages come from the
// real Docker (docker.io 20.10 daemon, docker CLI 28, cgroup v1 host), run
// side by side on 2026-12-01; what Docker printed is quoted beside each check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'setpriv', 'nsenter'] });
const env = new TestEnv();
before(async () => {
  if (!skip) await env.ok(['init']);
});
after(() => env.cleanup());

const run = (...args: string[]) => env.dl(['run', '--rm', '--network', 'none', ...args]);
const out = async (...args: string[]) => {
  const r = await run(...args);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
};
/** A refusal: exit 125 and one `dockerlite: error:` line matching what Docker says. */
async function refused(args: string[], message: RegExp, status = 125): Promise<void> {
  const r = await env.dl(args);
  assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^dockerlite: error: /);
  assert.match(lines[0], message);
}
const inspect = async (name: string, tmpl: string) => env.ok(['inspect', '-f', tmpl, name]);
/** A cgroup file as the container sees it: v1 path, or the v2 one. */
const cg = (v1: string, v2: string) => `cat /sys/fs/cgroup/${v1} 2>/dev/null || cat /sys/fs/cgroup/${v2}`;

test('--ulimit sets soft and hard limits (docker: 1024 / 2048 / 50)', { skip }, async () => {
  assert.deepEqual(await out('--ulimit', 'nofile=1024:2048', '--ulimit', 'nproc=50', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn; ulimit -u'), [
    '1024',
    '2048',
    '50',
  ]);
  await env.ok(['create', '--name', 'ul', '--ulimit', 'nofile=1024:2048', 'busybox']);
  assert.equal(await inspect('ul', '{{json .HostConfig.Ulimits}}'), '[{"Name":"nofile","Soft":1024,"Hard":2048}]');
  await env.ok(['rm', 'ul']);
  // docker: invalid argument "nofile=2048:1024" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 2048 > 1024 (125)
  await refused(['run', '--ulimit', 'nofile=2048:1024', 'busybox', 'true'], /ulimit soft limit must be less than or equal to hard limit: 2048 > 1024/);
  await refused(['run', '--ulimit', 'bogus=1', 'busybox', 'true'], /invalid ulimit type: bogus/);
  await refused(['create', '--ulimit', 'nofile', 'busybox'], /invalid ulimit argument: nofile/);
  await refused(['run', '--ulimit', 'nofile=abc', 'busybox', 'true'], /strconv\.ParseInt: parsing "abc": invalid syntax/);
});

test('--device binds the node and allows it in the device cgroup with its permissions', { skip }, async () => {
  // docker: crw------- 10, 237 /dev/lc, and "c 10:237 r" in devices.list; a write open is refused.
  const lines = await out(
    '--device',
    '/dev/loop-control:/dev/lc:r',
    'busybox',
    'sh',
    '-c',
    'ls -l /dev/lc; cat /sys/fs/cgroup/devices/devices.list 2>/dev/null; echo x 2>/dev/null > /dev/lc && echo wrote || echo refused',
  );
  assert.match(lines[0], /^c[rw-]{9}\s+1\s+\S+\s+\S+\s+10,\s+237 .*\/dev\/lc$/);
  if (existsSync('/sys/fs/cgroup/devices')) assert.ok(lines.includes('c 10:237 r'), lines.join('\n'));
  assert.equal(lines.at(-1), 'refused');
  await env.ok(['create', '--name', 'dv', '--device', '/dev/loop-control', 'busybox']);
  assert.equal(
    await inspect('dv', '{{json .HostConfig.Devices}}'),
    '[{"PathOnHost":"/dev/loop-control","PathInContainer":"/dev/loop-control","CgroupPermissions":"rwm"}]',
  );
  await env.ok(['rm', 'dv']);
  // docker: bad mode specified: q (125)
  await refused(['run', '--device', '/dev/null:/dev/x:q', 'busybox', 'true'], /bad mode specified: q/);
  // docker: error gathering device information while adding custom device "/etc/passwd": not a device node (125)
  await refused(['run', '--rm', '--device', '/etc/passwd', 'busybox', 'true'], /adding custom device "\/etc\/passwd": not a device node/);
  // docker says "... "/dev/nonexist": no such file or directory" with exit 127 (its CLI maps that text to 127); dockerlite: 125.
  await refused(['run', '--rm', '--device', '/dev/nonexist', 'busybox', 'true'], /adding custom device "\/dev\/nonexist": no such file or directory/);
});

test("--sysctl sets the container's namespaced values and refuses the rest as Docker does", { skip }, async () => {
  const hostShmmax = readFileSync('/proc/sys/kernel/shmmax', 'utf8');
  // docker: 1 / 1000000 / 20
  const seen = await out(
    ...['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=1000000', '--sysctl', 'fs.mqueue.msg_max=20', 'busybox'],
    ...['cat', '/proc/sys/net/ipv4/ip_forward', '/proc/sys/kernel/shmmax', '/proc/sys/fs/mqueue/msg_max'],
  );
  assert.deepEqual(seen, ['1', '1000000', '20']);
  assert.equal(readFileSync('/proc/sys/kernel/shmmax', 'utf8'), hostShmmax, "the host's value is untouched");
  // docker: invalid argument "kernel.hostname=x" for "--sysctl" flag: sysctl 'kernel.hostname=x' is not allowed (125)
  await refused(['run', '--sysctl', 'kernel.hostname=x', 'busybox', 'true'], /sysctl 'kernel\.hostname=x' is not allowed/);
  await refused(['run', '--sysctl', 'vm.swappiness=1', 'busybox', 'true'], /sysctl 'vm\.swappiness=1' is not allowed/);
  await refused(['create', '--sysctl', 'foo', 'busybox'], /sysctl 'foo' is not allowed/);
  // docker (from runc at start): sysctl "net.ipv4.ip_forward" not allowed in host network namespace (125)
  await refused(['run', '--rm', '--network', 'host', '--sysctl', 'net.ipv4.ip_forward=1', 'busybox', 'true'], /not allowed in host network namespace/);
  // docker: sysctl "kernel.shmmax" is not allowed in the hosts ipc namespace (125)
  await refused(
    ['run', '--rm', '--network', 'none', '--ipc', 'host', '--sysctl', 'kernel.shmmax=1', 'busybox', 'true'],
    /sysctl "kernel\.shmmax" is not allowed in the hosts ipc namespace/,
  );
});

test('--pid host and container:NAME share the pid namespace', { skip }, async () => {
  const hostInit = readFileSync('/proc/1/cmdline', 'utf8').split('\0')[0];
  const seen = await out('--pid', 'host', 'busybox', 'sh', '-c', 'tr "\\0" "\\n" < /proc/1/cmdline | head -1');
  assert.deepEqual(seen, [hostInit]);
  // shareable: Docker 20.10 lets only such an IPC namespace be joined (the --ipc test).
  await env.ok(['run', '-d', '--name', 'ptarget', '--ipc', 'shareable', '--network', 'none', 'busybox', 'sleep', '1000']);
  const ps = (await out('--pid', 'container:ptarget', 'busybox', 'ps', '-o', 'args')).join('\n');
  assert.match(ps, /sleep 1000/);
  // docker: --pid: invalid PID mode (125); Error response from daemon: No such container: nope (125)
  await refused(['run', '--pid', 'bogus', 'busybox', 'true'], /--pid: invalid PID mode/);
  await refused(['run', '--pid', 'container:nope', 'busybox', 'true'], /No such container: nope/);
});

test('--ipc host, private and container:NAME', { skip }, async () => {
  const ns = (...flags: string[]) => out(...flags, 'busybox', 'readlink', '/proc/self/ns/ipc');
  const host = readlinkSync('/proc/self/ns/ipc');
  assert.deepEqual(await ns('--ipc', 'host'), [host]);
  assert.notDeepEqual(await ns('--ipc', 'private'), [host]);
  assert.notDeepEqual(await ns('--ipc', 'shareable'), [host]);
  const target = (await env.ok(['exec', 'ptarget', 'readlink', '/proc/self/ns/ipc'])).trim();
  assert.deepEqual(await ns('--ipc', 'container:ptarget'), [target]);
  // docker: Error response from daemon: Invalid IPC mode: bogus (125)
  await refused(['run', '--ipc', 'bogus', 'busybox', 'true'], /Invalid IPC mode: bogus/);
  await refused(['run', '--ipc', 'container:nope', 'busybox', 'true'], /No such container: nope/);
  await env.ok(['rm', '-f', 'ptarget']);
});

test("--uts host gives the host's name and never renames the host", { skip }, async () => {
  const before = hostname();
  assert.deepEqual(await out('--uts', 'host', 'busybox', 'hostname'), [before]);
  assert.equal(hostname(), before);
  // docker: --uts: invalid UTS mode; conflicting options: hostname and the UTS mode (125)
  await refused(['run', '--uts', 'bogus', 'busybox', 'true'], /--uts: invalid UTS mode/);
  await refused(['run', '--uts', 'host', '-h', 'foo', 'busybox', 'true'], /conflicting options: hostname and the UTS mode/);
});

test('--cidfile, --label-file and --platform', { skip }, async () => {
  const dir = join(env.dir, 'files');
  mkdirSync(dir, { recursive: true });
  const cid = join(dir, 'cid');
  const id = await env.ok(['run', '-d', '--network', 'none', '--cidfile', cid, 'busybox', 'true']);
  assert.equal(readFileSync(cid, 'utf8'), id);
  // docker: container ID file found, make sure the other container isn't running or delete /tmp/rfdk/cid1 (125)
  await refused(['run', '--cidfile', cid, 'busybox', 'true'], /container ID file found, make sure the other container isn't running or delete /);
  await env.ok(['rm', '-f', id]);
  // docker: {"A":"1","B":"2"} from "A=1\n# c\nB=2\n"; --label wins over the file.
  writeFileSync(join(dir, 'labels'), 'A=1\n# c\n\nB=2\n');
  await env.ok(['create', '--name', 'lf', '--label-file', join(dir, 'labels'), '--label', 'B=3', 'busybox']);
  assert.equal(await inspect('lf', '{{json .Config.Labels}}'), '{"A":"1","B":"3"}');
  await env.ok(['rm', 'lf']);
  // docker: open /nonexist: no such file or directory (125)
  await refused(['run', '--label-file', '/nonexist', 'busybox', 'true'], /open \/nonexist: no such file or directory/);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  assert.deepEqual(await out('--platform', `linux/${arch}`, 'busybox', 'echo', 'ok'), ['ok']);
  await refused(
    ['run', '--platform', arch === 'amd64' ? 'linux/arm64' : 'linux/amd64', 'busybox', 'true'],
    /cannot run here: this host runs linux\/\S+ containers only/,
  );
  // docker: error parsing specified platform: "bogus/x/y/z" ... (125)
  await refused(['run', '--platform', 'bogus/x/y/z', 'busybox', 'true'], /invalid platform 'bogus\/x\/y\/z'/);
});

test('CPU and memory-reservation limits and --oom-score-adj reach the cgroup and the process', { skip }, async () => {
  // docker: 512 / 50000 / 100000 / 0 / 67108864 / 500
  const lines = await out(
    ...['--cpu-shares', '512', '--cpu-quota', '50000', '--cpu-period', '100000', '--cpuset-cpus', '0', '--memory-reservation', '64m'],
    ...['--oom-score-adj', '500', 'busybox', 'sh', '-c'],
    [
      cg('cpu/cpu.shares', 'cpu.weight'),
      cg('cpu/cpu.cfs_quota_us', 'cpu.max'),
      cg('cpu/cpu.cfs_period_us', 'cpu.max'),
      cg('cpuset/cpuset.cpus', 'cpuset.cpus'),
      cg('memory/memory.soft_limit_in_bytes', 'memory.low'),
      'cat /proc/self/oom_score_adj',
    ].join('; '),
  );
  if (existsSync('/sys/fs/cgroup/cpu')) assert.deepEqual(lines, ['512', '50000', '100000', '0', '67108864', '500']);
  else assert.equal(lines.at(-1), '500');
  // docker's messages (125 each)
  await refused(['run', '--oom-score-adj', '1001', 'busybox', 'true'], /Invalid value 1001, range for oom score adj is \[-1000, 1000\]/);
  await refused(['run', '--cpuset-cpus', 'abc', 'busybox', 'true'], /Invalid value abc for cpuset cpus: invalid format: abc/);
  await refused(['run', '--cpuset-cpus', '4096', 'busybox', 'true'], /Requested CPUs are not available - requested 4096, available: /);
  await refused(['run', '--cpu-quota', '500', 'busybox', 'true'], /CPU cfs quota can not be less than 1ms \(i\.e\. 1000\)/);
  await refused(['run', '--cpu-period', '500', 'busybox', 'true'], /CPU cfs period can not be less than 1ms/);
  await refused(['run', '--memory-reservation', '2g', '-m', '1g', 'busybox', 'true'], /Minimum memory limit can not be less than memory reservation limit/);
  await refused(['run', '--cpus', '1', '--cpu-quota', '50000', 'busybox', 'true'], /Conflicting options: Nano CPUs and CPU Quota cannot both be set/);
});

test('--security-opt seccomp=PROFILE.json runs under that profile', { skip }, async () => {
  const dir = join(env.dir, 'seccomp');
  mkdirSync(dir, { recursive: true });
  const prof = join(dir, 'p.json');
  writeFileSync(
    prof,
    JSON.stringify({
      defaultAction: 'SCMP_ACT_ALLOW',
      syscalls: [
        { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
        { names: ['chmod', 'fchmodat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      ],
    }),
  );
  // docker: mkdir: ... Operation not permitted; chmod fails (errnoRet 13: Permission denied); touch works.
  const r = await run(
    '--security-opt',
    `seccomp=${prof}`,
    'busybox',
    'sh',
    '-c',
    'mkdir /x; echo mkdir=$?; chmod 600 /etc/passwd; echo chmod=$?; touch /y; echo touch=$?',
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /mkdir: can't create directory '\/x': Operation not permitted/);
  assert.match(r.stderr, /chmod: \/etc\/passwd: Permission denied/);
  assert.deepEqual(r.stdout.trim().split('\n'), ['mkdir=1', 'chmod=1', 'touch=0']);
  // docker: opening seccomp profile (/nonexist.json) failed: open /nonexist.json: no such file or directory (125)
  await refused(
    ['run', '--security-opt', 'seccomp=/nonexist.json', 'busybox', 'true'],
    /opening seccomp profile \(\/nonexist\.json\) failed: open \/nonexist\.json: no such file or directory/,
  );
  writeFileSync(join(dir, 'bad.json'), '{bad');
  // docker: compacting json for seccomp profile (...) failed: invalid character 'b' looking for beginning of object key string (125)
  await refused(['run', '--security-opt', `seccomp=${join(dir, 'bad.json')}`, 'busybox', 'true'], /compacting json for seccomp profile/);
});

test('--sig-proxy: attached runs forward signals, --sig-proxy=false does not', { skip }, async () => {
  const script = 'trap "echo got-TERM; exit 3" TERM; while :; do sleep 0.1; done';
  const attached = (name: string, ...flags: string[]) => {
    const child = spawn(process.execPath, ['--', BIN, 'run', '--network', 'none', '--name', name, ...flags, 'busybox', 'sh', '-c', script], {
      env: env.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (b) => (stdout += b));
    const done = new Promise<{ code: number | null; signal: string | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
    return { child, done, stdout: () => stdout };
  };
  const running = (name: string) =>
    eventually(async () => (await env.dl(['inspect', '-f', '{{.State.Running}}', name])).stdout.trim() === 'true', `${name} running`, 30_000);
  const a = attached('proxied');
  await running('proxied');
  a.child.kill('SIGTERM');
  const ra = await a.done;
  assert.equal(ra.code, 3, 'the container got TERM and its status is the run status');
  assert.match(a.stdout(), /got-TERM/);
  const b = attached('unproxied', '--sig-proxy=false');
  await running('unproxied');
  b.child.kill('SIGTERM');
  await b.done;
  assert.doesNotMatch(b.stdout(), /got-TERM/);
  assert.equal(await inspect('unproxied', '{{.State.Running}}'), 'true', 'the container did not get the signal');
  await env.ok(['rm', '-f', 'proxied', 'unproxied']);
});

test('flags that cannot work here, unknown flags, -q, --env-file and -w', { skip }, async () => {
  // docker: could not select device driver "" with capabilities: [[gpu]] (125); dockerlite says why.
  await refused(['run', '--gpus', 'all', 'busybox', 'true'], /--gpus is not supported: dockerlite has no GPU support/);
  await refused(['create', '--runtime', 'runc', 'busybox'], /--runtime is not supported/);
  // docker: --userns: invalid USER mode (125); --userns host is the default and works.
  await refused(['run', '--userns', 'foo', 'busybox', 'true'], /--userns: invalid USER mode/);
  assert.deepEqual(await out('--userns', 'host', 'busybox', 'echo', 'ok'), ['ok']);
  // docker: unknown flag: --bogusflag (125, run and create)
  await refused(['run', '--bogusflag', 'busybox', 'true'], /bogusflag/);
  await refused(['create', '--bogusflag', 'busybox'], /bogusflag/);
  // docker: open /nonexist: no such file or directory (125)
  await refused(['run', '--env-file', '/nonexist', 'busybox', 'true'], /open \/nonexist: no such file or directory/);
  await refused(['create', '--env-file', '/nonexist', 'busybox'], /open \/nonexist: no such file or directory/);
  // docker: the working directory 'rel' is invalid, it needs to be an absolute path (125)
  await refused(['run', '-w', 'rel', 'busybox', 'true'], /the working directory 'rel' is invalid, it needs to be an absolute path/);
  const q = await run('-q', 'busybox', 'echo', 'quiet');
  assert.equal(q.status, 0);
  assert.equal(q.stdout, 'quiet\n');
  assert.equal(q.stderr, '');
});

test('--log-driver none: logs says what Docker says', { skip }, async () => {
  await env.ok(['run', '--name', 'nolog', '--network', 'none', '--log-driver', 'none', 'busybox', 'echo', 'hi']);
  // docker: Error response from daemon: configured logging driver does not support reading (exit 1)
  await refused(['logs', 'nolog'], /configured logging driver does not support reading/, 1);
  assert.equal(await inspect('nolog', '{{.HostConfig.LogConfig.Type}}'), 'none');
  await env.ok(['rm', 'nolog']);
});

test('update changes a live container at once and a stopped one for its next start', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'up', '--network', 'none', 'busybox', 'sleep', '1000']);
  // docker: prints the name, exit 0
  const printed = await env.ok([
    ...['update', '--memory', '64m', '--memory-swap', '128m', '--cpus', '0.5', '--cpu-shares', '256', '--pids-limit', '50'],
    ...['--memory-reservation', '32m', '--cpuset-cpus', '0', '--restart', 'on-failure:3', 'up'],
  ]);
  assert.equal(printed, 'up');
  const files = [
    cg('memory/memory.limit_in_bytes', 'memory.max'),
    cg('cpu/cpu.cfs_quota_us', 'cpu.max'),
    cg('cpu/cpu.shares', 'cpu.weight'),
    cg('pids/pids.max', 'pids.max'),
    cg('memory/memory.soft_limit_in_bytes', 'memory.low'),
    cg('cpuset/cpuset.cpus', 'cpuset.cpus'),
  ].join('; ');
  const seen = (await env.ok(['exec', 'up', 'sh', '-c', files])).split('\n');
  // docker: 67108864 50000 256 50 33554432 0
  if (existsSync('/sys/fs/cgroup/cpu')) assert.deepEqual(seen, ['67108864', '50000', '256', '50', '33554432', '0']);
  assert.equal(
    await inspect('up', '{{json .HostConfig.RestartPolicy}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}}'),
    '{"Name":"on-failure","MaximumRetryCount":3} 67108864 500000000 256',
  );
  // Docker's errors (exit 1)
  await refused(['update', '--memory', '1m', 'up'], /Minimum memory limit allowed is 6MB/, 1);
  await refused(
    ['update', '--memory', '200m', 'up'],
    /Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/,
    1,
  );
  await refused(['update', '--cpu-quota', '20000', 'up'], /Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set/, 1);
  await refused(['update', 'up'], /you must provide one or more flags when using this command/, 1);
  await refused(['update', '--memory', '64m', 'nope'], /no such container: nope/i, 1);
  await refused(['update', '--bogus', 'up'], /bogus/, 125);
  await env.ok(['rm', '-f', 'up']);

  // Memory below what is in use: the kernel refuses, nothing is recorded.
  // docker: Cannot update container <id>: ... unable to set memory limit to 10485760 (current usage: 19640320, peak usage: 20172800)
  await env.ok([
    ...['run', '-d', '--name', 'hold', '--network', 'none', '-m', '200m', '--memory-swap', '200m', 'busybox', 'sh', '-c'],
    // The trailing use of $x keeps the shell (and its 40 MB) alive: ash would exec a last sleep.
    'x=$(head -c 40000000 /dev/zero | tr "\\0" a); touch /ready; sleep 1000; echo ${#x}',
  ]);
  await eventually(async () => (await env.dl(['exec', 'hold', 'test', '-e', '/ready'])).status === 0, 'memory held', 60_000);
  await refused(
    ['update', '--memory', '10m', '--memory-swap', '10m', 'hold'],
    /unable to set memory limit to 10485760 \(current usage: \d+, peak usage: \d+\)/,
    1,
  );
  assert.equal(await inspect('hold', '{{.HostConfig.Memory}}'), String(200 * 1024 * 1024));
  await env.ok(['rm', '-f', 'hold']);

  // docker: Restart policy cannot be updated because AutoRemove is enabled for the container (1)
  await env.ok(['run', '-d', '--rm', '--name', 'auto', '--network', 'none', 'busybox', 'sleep', '1000']);
  await refused(['update', '--restart', 'always', 'auto'], /Restart policy cannot be updated because AutoRemove is enabled for the container/, 1);
  // Not env.ok: `rm -f` of an --rm container can race its monitor's own removal (a separate, known issue).
  await env.dl(['rm', '-f', 'auto']);
  await eventually(async () => !(await env.ok(['ps', '-a', '--format', '{{.Names}}'])).split('\n').includes('auto'), 'auto removed', 30_000);

  // A stopped container: recorded now, applied at its next start.
  await env.ok(['create', '--name', 'later', '--network', 'none', 'busybox', 'sh', '-c', cg('pids/pids.max', 'pids.max')]);
  assert.equal(await env.ok(['container', 'update', '--pids-limit', '42', 'later']), 'later');
  assert.equal(await inspect('later', '{{.HostConfig.PidsLimit}}'), '42');
  await env.ok(['start', 'later']);
  await env.ok(['wait', 'later']);
  assert.equal(await env.ok(['logs', 'later']), '42');
  await env.ok(['rm', 'later']);
});

test('update --restart on a running container governs its exit', { skip }, async () => {
  const dir = join(env.dir, 'go');
  mkdirSync(dir, { recursive: true });
  await env.ok([
    ...['run', '-d', '--name', 'rs', '--network', 'none', '-v', `${dir}:/t`, 'busybox', 'sh', '-c'],
    'while [ ! -e /t/go ]; do sleep 0.1; done; exit 3',
  ]);
  await env.ok(['update', '--restart', 'on-failure:1', 'rs']);
  writeFileSync(join(dir, 'go'), '');
  // on-failure:1: one restart, then it stays exited with 3.
  await eventually(async () => (await inspect('rs', '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}')) === '1 exited 3', 'one restart', 60_000);
  await env.ok(['rm', '-f', 'rs']);
});
