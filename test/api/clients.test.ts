// SDK clients against `dockerlite serve`: dockerode (the Node SDK that
// Testcontainers and many tools are built on) and Testcontainers for Node,
// unchanged, with DOCKER_HOST pointing at the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { servedStore } from './server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'iptables'] });
const env = new TestEnv();
const api = servedStore(env, skip);

/** Everything a stream gives until it ends. */
function drain(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    stream.on('data', (d: Buffer) => (out += d.toString()));
    stream.on('end', () => resolve(out));
    stream.on('error', reject);
  });
}

test('dockerode: create, start, exec, logs, inspect, wait, remove', { skip }, async () => {
  const docker = new Docker({ socketPath: api.s!.sock });
  const c = await docker.createContainer({
    Image: 'busybox',
    name: 'sdk',
    Cmd: ['sh', '-c', 'echo hello-out; echo hello-err >&2; sleep 300'],
    Labels: { app: 'sdk' },
  });
  await c.start();
  const info = await c.inspect();
  assert.equal(info.State.Running, true);
  assert.equal(info.Config.Labels.app, 'sdk');
  assert.ok((await docker.listContainers({ filters: { label: ['app=sdk'] } })).some((x) => x.Id === c.id));

  // exec with the stdout/stderr frames taken apart by dockerode's demuxer
  const ex = await c.exec({ Cmd: ['sh', '-c', 'echo in-exec; echo exec-err >&2; exit 4'], AttachStdout: true, AttachStderr: true });
  const stream = await ex.start({ hijack: true, stdin: false });
  const out = new PassThrough();
  const err = new PassThrough();
  docker.modem.demuxStream(stream, out, err);
  await new Promise((r) => stream.on('end', r));
  out.end();
  err.end();
  assert.equal(await drain(out), 'in-exec\n');
  assert.equal(await drain(err), 'exec-err\n');
  assert.equal((await ex.inspect()).ExitCode, 4);

  const logs = await c.logs({ stdout: true, stderr: true });
  const lo = new PassThrough();
  const le = new PassThrough();
  const raw = new PassThrough();
  docker.modem.demuxStream(raw, lo, le);
  raw.end(logs);
  await new Promise((r) => setImmediate(r));
  lo.end();
  le.end();
  assert.equal(await drain(lo), 'hello-out\n');
  assert.equal(await drain(le), 'hello-err\n');

  // update: limits and the restart policy of the running container, as `docker update` sends them
  await c.update({ Memory: 64 * 1024 * 1024, MemorySwap: 128 * 1024 * 1024, CpuShares: 0, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } });
  const upd = await c.inspect();
  assert.equal(upd.HostConfig.Memory, 64 * 1024 * 1024);
  assert.deepEqual(upd.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  await assert.rejects(
    c.update({ Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] }),
    (e: { statusCode?: number }) => e.statusCode === 400,
  );

  await c.stop({ t: 1 });
  const waited = await c.wait();
  assert.equal(waited.StatusCode, 137, 'sleep as pid 1 ignores TERM: killed after the timeout, as Docker');
  await c.remove();
  await assert.rejects(c.inspect(), (e: { statusCode?: number }) => e.statusCode === 404);
});

/** GET http://127.0.0.1:PORT/ from the host. */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/' }, (res) => {
      let d = '';
      res.on('data', (c: Buffer) => (d += c.toString()));
      res.on('end', () => resolve(d));
    })
      .on('error', reject)
      .end();
  });
}

test('Testcontainers: a container with a wait strategy, exec, its mapped port, stop', { skip }, async () => {
  process.env.DOCKER_HOST = `unix://${api.s!.sock}`;
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  const { GenericContainer, Wait } = await import('testcontainers');
  const started = await new GenericContainer('busybox')
    .withCommand(['sh', '-c', 'mkdir -p /www && echo served-by-busybox > /www/index.html && echo ready && exec httpd -f -p 8080 -h /www'])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forLogMessage('ready'))
    .start();
  try {
    const r = await started.exec(['cat', '/www/index.html']);
    assert.equal(r.exitCode, 0);
    assert.equal(r.output, 'served-by-busybox\n');
    const port = started.getMappedPort(8080);
    assert.ok(port > 0);
    let body = '';
    for (let i = 0; i < 50 && !body; i++) {
      body = await get(port).catch(() => '');
      if (!body) await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(body, 'served-by-busybox\n');
  } finally {
    await started.stop({ timeout: 1 });
  }
  const left = JSON.parse(await env.ok(['ps', '-a', '--format', 'json']).then((o) => `[${o.trim().split('\n').filter(Boolean).join(',')}]`));
  assert.deepEqual(left, [], 'stop removed the container, as Testcontainers expects');
});
