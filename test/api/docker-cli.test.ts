// The real docker CLI (DOCKER_HOST=unix://...) driving `dockerlite serve`: what
// a user types, with the outputs and exit codes dockerd gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { docker, servedStore } from './server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'docker', 'script'] });
const env = new TestEnv();
const api = servedStore(env, skip);

const ok = (args: string[], input?: string) => {
  const r = docker(api.s!, args, { input });
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('version, info and ps talk to dockerlite', { skip }, () => {
  const v = ok(['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}']);
  assert.equal(v.trim(), '1.51 1.24');
  assert.match(ok(['info', '--format', '{{.Driver}}']), /btrfs/);
  assert.match(ok(['ps', '-a']), /CONTAINER ID/);
});

test('run --rm: output, stderr apart, the exit status, and the container is gone', { skip }, () => {
  const r = docker(api.s!, ['run', '--rm', '--name', 'once', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, 'out\n');
  assert.match(r.stderr, /err/);
  assert.doesNotMatch(ok(['ps', '-a', '--format', '{{.Names}}']), /once/);
  assert.equal(ok(['run', '-i', '--rm', 'busybox', 'cat'], 'piped in\n'), 'piped in\n');
});

test('run -d, logs, exec, inspect, top, stop, rm -f', { skip }, () => {
  const id = ok(['run', '-d', '--name', 'bg', 'busybox', 'sh', '-c', 'echo started; sleep 300']).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(ok(['ps', '--format', '{{.Names}} {{.State}}']), /bg running/);
  assert.equal(ok(['exec', 'bg', 'sh', '-c', 'echo in-exec; exit 0']), 'in-exec\n');
  assert.equal(docker(api.s!, ['exec', 'bg', 'sh', '-c', 'exit 7']).status, 7);
  assert.equal(ok(['logs', 'bg']), 'started\n');
  assert.equal(ok(['inspect', '--format', '{{.State.Running}} {{.Name}}', 'bg']).trim(), 'true /bg');
  assert.match(ok(['top', 'bg']), /sleep 300/);
  ok(['stop', '-t', '1', 'bg']);
  assert.match(ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']), /bg exited/);
  ok(['rm', '-f', 'bg']);
  const gone = docker(api.s!, ['inspect', 'bg']);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /No such|no such/);
});

test('logs -f follows until the container exits', { skip }, () => {
  ok(['run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.3; done']);
  assert.equal(ok(['logs', '-f', 'counter']), '1\n2\n3\n');
  ok(['rm', '-f', 'counter']);
});

test('cp both ways', { skip }, () => {
  ok(['run', '-d', '--name', 'cpc', 'busybox', 'sleep', '300']);
  const dir = join(env.dir, 'cp');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'in.txt'), 'from the host\n');
  ok(['cp', join(dir, 'in.txt'), 'cpc:/tmp/']);
  assert.equal(ok(['exec', 'cpc', 'cat', '/tmp/in.txt']), 'from the host\n');
  ok(['exec', 'cpc', 'sh', '-c', 'echo from the container > /tmp/out.txt']);
  ok(['cp', 'cpc:/tmp/out.txt', join(dir, 'out.txt')]);
  assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'from the container\n');
  ok(['rm', '-f', 'cpc']);
});

test('run -it and exec -it get a terminal (under script(1) for a pty)', { skip }, () => {
  const pty = ptyRun;
  const r = pty(`docker run -it --rm busybox sh -c 'tty; exit 5'`);
  assert.equal(r.status, 5, r.out);
  assert.match(r.out, /\/dev\/(pts\/\d+|console)/);
  ok(['run', '-d', '--name', 'itx', 'busybox', 'sleep', '300']);
  const e = pty(`docker exec -it itx sh -c 'tty; stty size'`);
  assert.equal(e.status, 0, e.out);
  assert.match(e.out, /\/dev\/pts\/\d+/);
  ok(['rm', '-f', 'itx']);
});

function ptyRun(cmd: string): { status: number; out: string } {
  const r = spawnSync('script', ['-q', '-e', '-c', cmd, '/dev/null'], {
    env: { ...process.env, DOCKER_HOST: `unix://${api.s!.sock}` },
    encoding: 'utf8',
    input: '',
    timeout: 60_000,
  });
  return { status: r.status ?? -1, out: r.stdout + r.stderr };
}

test('the CLI and the server share the store, and containers outlive a server restart', { skip }, async () => {
  await env.ok(['run', '-d', '--name', 'fromcli', 'busybox', 'sleep', '300']);
  assert.match(ok(['ps', '--format', '{{.Names}}']), /fromcli/);
  ok(['run', '-d', '--name', 'fromapi', 'busybox', 'sleep', '300']);
  assert.match(await env.ok(['ps', '--format', '{{.Names}}']), /fromapi/);
  await api.restart();
  assert.match(ok(['ps', '--format', '{{.Names}} {{.State}}']), /fromapi running/);
  ok(['rm', '-f', 'fromcli', 'fromapi']);
});
