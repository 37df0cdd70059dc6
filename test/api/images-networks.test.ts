// The docker CLI and the Python SDK against `dockerlite serve`: images (pull
// and push with the local registry, build with DOCKER_BUILDKIT=0, tag,
// inspect, history, rmi), networks, volumes, system df, events (API and CLI),
// and a client that goes away in the middle of a pull.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { request } from 'node:http';
import { join } from 'node:path';
import { TestEnv, missingPrereq, eventually, BIN } from '../helpers/env.js';
import { TestRegistry } from '../helpers/registry.js';

const skip = missingPrereq({ tools: ['docker', 'docker-registry', 'lxc-execute', 'btrfs', 'python3'] });
const env = new TestEnv();
const sock = join(env.dir, 'api.sock');
let server: ChildProcess | undefined;
let registry: TestRegistry | undefined;

const docker = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync('docker', args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: process.env.PATH, HOME: env.dir, DOCKER_CONFIG: join(env.dir, 'docker-config'), DOCKER_HOST: `unix://${sock}`, ...extra },
  });
const ok = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const r = docker(args, extra);
  assert.equal(r.status, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const canConnect = () =>
  new Promise<boolean>((resolve) => {
    const s = connect(sock);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  server = spawn(process.execPath, [BIN, 'serve', '-H', `unix://${sock}`], { env: env.env, stdio: 'ignore' });
  await eventually(canConnect, 'the API socket');
  registry = await TestRegistry.start(join(env.dir, 'registry'));
});
after(async () => {
  await registry?.stop();
  if (server?.pid && server.exitCode === null) {
    const gone = new Promise((r) => server!.once('exit', r));
    process.kill(server.pid, 'SIGTERM');
    await gone;
  }
  await env.cleanup();
});

test('images: list, inspect, history, tag, rmi through the docker CLI', { skip }, () => {
  assert.match(ok(['images']), /^busybox\s+latest\s+[0-9a-f]{12}/m);
  assert.match(ok(['image', 'inspect', '-f', '{{.Id}} {{.Os}}', 'busybox']), /^sha256:[0-9a-f]{64} linux\n$/);
  assert.match(ok(['history', 'busybox']), /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n[0-9a-f]{12}/);
  ok(['tag', 'busybox', 'mine:1']);
  // As dockerd: a reference filter lists only the matching tags of an image.
  assert.deepEqual(ok(['images', '--format', '{{.Repository}}:{{.Tag}}', 'mine']).trim().split('\n'), ['mine:1']);
  assert.equal(ok(['rmi', 'mine:1']), 'Untagged: mine:1\n');
  const missing = docker(['image', 'inspect', 'nothing-here']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /No such image|no such image|not found/i);
});

test('push and pull against the local registry, with progress', { skip }, () => {
  const ref = `${registry!.host}/api/bb:1`;
  ok(['tag', 'busybox', ref]);
  const push = ok(['push', ref]);
  assert.match(push, /The push refers to repository/);
  assert.match(push, /1: digest: sha256:[0-9a-f]{64} size: \d+/);
  ok(['rmi', ref]);
  const pull = ok(['pull', ref]);
  assert.match(pull, /1: Pulling from api\/bb/);
  assert.match(pull, /Digest: sha256:[0-9a-f]{64}/);
  assert.match(ok(['images', '--format', '{{.Repository}}:{{.Tag}}']), new RegExp(`${registry!.host}/api/bb:1`));
  const bad = docker(['pull', `${registry!.host}/api/missing:1`]);
  assert.notEqual(bad.status, 0);
});

test('build with the classic builder (DOCKER_BUILDKIT=0): steps stream, the image is tagged', { skip }, () => {
  const ctx = join(env.dir, 'ctx');
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\nLABEL api=yes\n');
  writeFileSync(join(ctx, 'hello.txt'), 'hello from the context\n');
  const out = ok(['build', '--network', 'none', '-t', 'built:1', ctx], { DOCKER_BUILDKIT: '0' });
  assert.match(out, /Step 1\/4 : FROM busybox/);
  assert.match(out, /hello from the context/);
  assert.match(out, /Successfully tagged built:1/);
  assert.equal(ok(['image', 'inspect', '-f', '{{index .Config.Labels "api"}}', 'built:1']).trim(), 'yes');
  const broken = docker(['build', '-t', 'broken', '-'], { DOCKER_BUILDKIT: '0' });
  assert.notEqual(broken.status, 0);
});

test('networks and volumes: create, list, inspect, remove; system df', { skip }, () => {
  const id = ok(['network', 'create', 'apinet']).trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.match(ok(['network', 'ls']), /apinet\s+bridge\s+local/);
  assert.equal(ok(['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'apinet']).trim(), 'apinet bridge');
  const dup = docker(['network', 'create', 'apinet']);
  assert.notEqual(dup.status, 0);
  assert.equal(ok(['network', 'rm', 'apinet']).trim(), 'apinet');
  assert.equal(ok(['volume', 'create', 'apivol']).trim(), 'apivol');
  assert.match(ok(['volume', 'ls']), /local\s+apivol/);
  assert.equal(ok(['volume', 'inspect', '-f', '{{.Driver}} {{.Name}}', 'apivol']).trim(), 'local apivol');
  assert.equal(ok(['volume', 'rm', 'apivol']).trim(), 'apivol');
  assert.match(ok(['system', 'df']), /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+\d+/);
});

test('events: docker events replays a window with filters; dockerlite events sees the same', { skip }, async () => {
  // A window that starts after every earlier event (since= is in whole seconds).
  await new Promise((r) => setTimeout(r, 1100));
  const t0 = Math.floor(Date.now() / 1000);
  ok(['volume', 'create', 'evvol']);
  ok(['volume', 'rm', 'evvol']);
  ok(['tag', 'busybox', 'evtag:1']);
  const until = Math.floor(Date.now() / 1000) + 1;
  await new Promise((r) => setTimeout(r, 1100)); // until must have passed for the stream to end
  // Named too: the window may reach back into the previous test's volume events.
  const lines = ok([
    'events',
    '--since',
    String(t0),
    '--until',
    String(until),
    '--filter',
    'type=volume',
    '--filter',
    'volume=evvol',
    '--format',
    '{{.Type}} {{.Action}} {{.Actor.ID}}',
  ]);
  assert.equal(lines, 'volume create evvol\nvolume destroy evvol\n');
  const img = ok(['events', '--since', String(t0), '--until', String(until), '--filter', 'event=tag']);
  assert.match(img, /^\S+ image tag sha256:[0-9a-f]{64} \(name=evtag:1\)\n$/);
  const cli = await env.ok(['events', '--since', String(t0), '--until', String(until), '--filter', 'type=volume', '--filter', 'volume=evvol']);
  assert.match(cli, /^\S+Z volume create evvol \(driver=local\)\n\S+Z volume destroy evvol \(driver=local\)$/);
  ok(['rmi', 'evtag:1']);
});

test('a live event stream sees a change made while it listens, and a client leaving does not hurt the server', { skip }, async () => {
  const got = await new Promise<string>((resolve, reject) => {
    const req = request({ socketPath: sock, path: '/v1.51/events?filters=' + encodeURIComponent('{"type":["volume"]}') }, (res) => {
      assert.equal(res.statusCode, 200);
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (d: string) => {
        buf += d;
        if (buf.includes('\n')) {
          req.destroy();
          resolve(buf);
        }
      });
      // The headers came at once: now make an event.
      ok(['volume', 'create', 'livevol']);
    });
    req.on('error', (e) => (e.message.includes('aborted') ? undefined : reject(e)));
    req.end();
  });
  const ev = JSON.parse(got.split('\n')[0]) as { Type: string; Action: string; Actor: { ID: string } };
  assert.deepEqual([ev.Type, ev.Action, ev.Actor.ID], ['volume', 'create', 'livevol']);
  ok(['volume', 'rm', 'livevol']);
  // A pull whose client disconnects as soon as the stream starts: the server keeps serving.
  await new Promise<void>((resolve) => {
    const req = request({ socketPath: sock, method: 'POST', path: `/v1.51/images/create?fromImage=${registry!.host}/api/bb&tag=1` }, (res) => {
      res.destroy();
      resolve();
    });
    req.on('error', () => resolve());
    req.end();
  });
  assert.match(ok(['version', '--format', '{{.Server.APIVersion}}']), /^1\.51/);
});

test('the Python docker SDK: images, networks, volumes', { skip }, () => {
  const script = `
import docker, sys
c = docker.DockerClient(base_url=sys.argv[1])
img = c.images.get('busybox')
assert 'busybox:latest' in img.tags, img.tags
c.images.get('busybox').tag('pyimg', 'v1')
assert any('pyimg:v1' in i.tags for i in c.images.list()), 'tagged image listed'
c.images.remove('pyimg:v1')
net = c.networks.create('pynet', labels={'k': 'v'})
assert c.networks.get(net.id).attrs['Labels'] == {'k': 'v'}
assert [n.name for n in c.networks.list(names=['pynet'])] == ['pynet']
net.remove()
vol = c.volumes.create('pyvol', labels={'a': 'b'})
assert c.volumes.get('pyvol').attrs['Labels'] == {'a': 'b'}
vol.remove()
assert c.df()['Images'], 'df lists images'
print('ok')
`;
  const r = spawnSync('python3', ['-c', script, `unix://${sock}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});

test('the Python docker SDK: container lifecycle, exec, logs', { skip }, () => {
  const script = `
import docker, sys
c = docker.DockerClient(base_url=sys.argv[1])
# run to completion: the output comes back, the container can go
out = c.containers.run('busybox', ['sh', '-c', 'echo from-run'], remove=True)
assert out == b'from-run\\n', out
k = c.containers.run('busybox', ['sh', '-c', 'echo started; echo warn >&2; sleep 300'], detach=True, name='pylife', labels={'app': 'py'})
k.reload()
assert k.status == 'running', k.status
assert [x.name for x in c.containers.list(filters={'label': 'app=py'})] == ['pylife']
code, out = k.exec_run(['sh', '-c', 'echo in-exec; exit 5'])
assert (code, out) == (5, b'in-exec\\n'), (code, out)
code, (o, e) = k.exec_run(['sh', '-c', 'echo o; echo e >&2'], demux=True)
assert (code, o, e) == (0, b'o\\n', b'e\\n'), (code, o, e)
assert k.logs(stdout=True, stderr=False) == b'started\\n', k.logs()
assert k.logs(stdout=False, stderr=True) == b'warn\\n'
k.stop(timeout=1)
assert k.wait()['StatusCode'] == 137
k.remove()
assert not c.containers.list(all=True, filters={'name': 'pylife'})
print('ok')
`;
  const r = spawnSync('python3', ['-c', script, `unix://${sock}`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'ok');
});
