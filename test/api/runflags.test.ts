// The docker CLI's run flags through `dockerlite serve`: the HostConfig
// fields they fill reach the container, as the CLI's own flags do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { docker, servedStore } from './server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'docker'] });
const env = new TestEnv();
const api = servedStore(env, skip);

test('--ulimit, --init, --group-add, --shm-size, --mount, --device, --oom-score-adj and --cpu-shares reach the container', { skip }, () => {
  const script = [
    'ulimit -n',
    'cat /proc/1/cmdline | tr "\\0" " "; echo',
    'id -G',
    'df -k /dev/shm | tail -1 | awk "{print \\$2}"',
    'grep -c " /scratch tmpfs " /proc/mounts',
    'test -c /dev/mynull && echo dev',
    'cat /proc/self/oom_score_adj',
  ].join('; ');
  const flags = ['--ulimit', 'nofile=1024:2048', '--init', '--group-add', '29', '--shm-size', '128m', '--mount', 'type=tmpfs,target=/scratch'];
  flags.push('--device', '/dev/null:/dev/mynull', '--oom-score-adj', '100', '--cpu-shares', '512', '--name', 'flags');
  const r = docker(api.s!, ['run', ...flags, 'busybox', 'sh', '-c', script]);
  assert.equal(r.status, 0, r.stderr);
  const [nofile, pid1, groups, shm, scratch, dev, oom] = r.stdout.trim().split('\n');
  assert.equal(nofile, '1024');
  assert.match(pid1, /init/, 'with --init the command is not pid 1');
  assert.ok(groups.split(' ').includes('29'), groups);
  assert.equal(shm, '131072');
  assert.equal(scratch, '1');
  assert.equal(dev, 'dev');
  assert.equal(oom, '100');
  const hc = JSON.parse(docker(api.s!, ['inspect', '--format', '{{json .HostConfig}}', 'flags']).stdout) as Record<string, unknown>;
  assert.deepEqual(hc.Ulimits, [{ Name: 'nofile', Soft: 1024, Hard: 2048 }]);
  assert.equal(hc.Init, true);
  assert.equal(hc.CpuShares, 512);
  assert.equal(hc.ShmSize, 128 << 20);
  assert.equal(docker(api.s!, ['rm', 'flags']).status, 0);
});

test('a bad value is refused by the server with 400, as dockerd refuses it', { skip }, () => {
  const r = docker(api.s!, ['run', '--rm', '--mount', 'type=bind,source=/nonexistent-dl-src,target=/x', 'busybox', 'true']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /invalid mount config for type "bind": bind source path does not exist: \/nonexistent-dl-src/);
});
