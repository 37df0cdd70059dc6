// The same requests to a real dockerd (started here under the test's
// directory, --bridge=none --iptables=false, stopped by pid) and to
// `dockerlite serve`: missing objects, conflicts, bad bodies and parameters,
// unknown routes. The statuses must be dockerd's; for the key cases the
// message too (ids and names made neutral). Under CI dockerd is installed
// by install.sh, so this runs there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestEnv, missingPrereq } from '../helpers/env.js';
import { Dockerd, removeTree, busyboxTar } from '../helpers/dockerd.js';
import { httpRaw, serve, stop, type Served } from './server.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'dockerd', 'docker'] });
const env = new TestEnv();
const ddir = join(env.dir, 'dockerd');
const dockerd = new Dockerd(ddir);
let s: Served | undefined;

before(async () => {
  if (skip) return;
  await env.ok(['init']);
  s = await serve(env);
  await dockerd.start();
  const r = spawnSync('docker', ['import', busyboxTar(env.dir), 'busybox:latest'], { env: { ...process.env, DOCKER_HOST: dockerd.sock }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(async () => {
  if (dockerd.child) {
    const ids = spawnSync('docker', ['ps', '-aq'], { env: { ...process.env, DOCKER_HOST: dockerd.sock }, encoding: 'utf8' }).stdout ?? '';
    if (ids.trim()) spawnSync('docker', ['rm', '-f', ...ids.trim().split('\n')], { env: { ...process.env, DOCKER_HOST: dockerd.sock }, stdio: 'ignore' });
  }
  await dockerd.stop();
  removeTree(ddir);
  await stop(s);
  await env.cleanup();
});

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string;
  /** Compare the message too (after neutral ids). */
  message?: boolean;
}

type Call = (method: string, path: string, body?: string) => Promise<{ status: number; body: string }>;

/** The objects the cases need, made the same way on both servers. */
async function fixture(call: Call): Promise<void> {
  const mk = async (name: string, cmd: string[]) => {
    const r = await call('POST', `/containers/create?name=${name}`, JSON.stringify({ Image: 'busybox', Cmd: cmd }));
    assert.equal(r.status, 201, `create ${name}: ${r.body}`);
  };
  await mk('st-run', ['sleep', '300']);
  await mk('st-stopped', ['true']);
  await mk('st-paused', ['sleep', '300']);
  for (const n of ['st-run', 'st-paused']) assert.equal((await call('POST', `/containers/${n}/start`)).status, 204);
  assert.equal((await call('POST', '/containers/st-paused/pause')).status, 204);
  assert.equal((await call('POST', '/networks/create', JSON.stringify({ Name: 'st-net' }))).status, 201);
  assert.equal((await call('POST', '/volumes/create', JSON.stringify({ Name: 'st-vol' }))).status, 201);
}

const CASES: Case[] = [
  { name: 'inspect a missing container', method: 'GET', path: '/containers/st-nope/json', message: true },
  { name: 'start a missing container', method: 'POST', path: '/containers/st-nope/start', message: true },
  { name: 'remove a missing container', method: 'DELETE', path: '/containers/st-nope', message: true },
  { name: 'logs of a missing container', method: 'GET', path: '/containers/st-nope/logs?stdout=1' },
  // dockerd 20.10 says "no such image: X: No such image: X" here, later ones "No such image: X".
  { name: 'inspect a missing image', method: 'GET', path: '/images/st-nope:latest/json' },
  { name: 'remove a missing image', method: 'DELETE', path: '/images/st-nope:latest', message: true },
  { name: 'create from a missing image', method: 'POST', path: '/containers/create', body: '{"Image":"st-nope:latest"}', message: true },
  { name: 'inspect a missing network', method: 'GET', path: '/networks/st-nope' },
  { name: 'remove a missing network', method: 'DELETE', path: '/networks/st-nope' },
  { name: 'inspect a missing volume', method: 'GET', path: '/volumes/st-nope', message: true },
  { name: 'remove a missing volume', method: 'DELETE', path: '/volumes/st-nope' },
  { name: 'inspect a missing exec', method: 'GET', path: '/exec/st-nope/json', message: true },
  { name: 'malformed JSON', method: 'POST', path: '/containers/create', body: '{"Image": ' },
  { name: 'create without an image', method: 'POST', path: '/containers/create', body: '{}' },
  { name: 'create with an invalid name', method: 'POST', path: '/containers/create?name=a%20b', body: '{"Image":"busybox","Cmd":["true"]}' },
  { name: 'create with a name in use', method: 'POST', path: '/containers/create?name=st-run', body: '{"Image":"busybox","Cmd":["true"]}' },
  {
    name: 'create with a bad restart policy',
    method: 'POST',
    path: '/containers/create',
    body: '{"Image":"busybox","HostConfig":{"RestartPolicy":{"Name":"bogus"}}}',
  },
  { name: 'start a running container', method: 'POST', path: '/containers/st-run/start' },
  { name: 'stop a stopped container', method: 'POST', path: '/containers/st-stopped/stop' },
  { name: 'remove a running container without force', method: 'DELETE', path: '/containers/st-run' },
  { name: 'kill a stopped container', method: 'POST', path: '/containers/st-stopped/kill' },
  { name: 'kill with a bad signal', method: 'POST', path: '/containers/st-run/kill?signal=SIGBOGUS' },
  { name: 'exec in a stopped container', method: 'POST', path: '/containers/st-stopped/exec', body: '{"Cmd":["true"]}' },
  { name: 'exec in a paused container', method: 'POST', path: '/containers/st-paused/exec', body: '{"Cmd":["true"]}' },
  { name: 'exec without a command', method: 'POST', path: '/containers/st-run/exec', body: '{}' },
  { name: 'pause a paused container', method: 'POST', path: '/containers/st-paused/pause' },
  { name: 'pause a stopped container', method: 'POST', path: '/containers/st-stopped/pause' },
  { name: 'unpause a running container', method: 'POST', path: '/containers/st-run/unpause' },
  { name: 'rename to a name in use', method: 'POST', path: '/containers/st-stopped/rename?name=st-run' },
  { name: 'top of a stopped container', method: 'GET', path: '/containers/st-stopped/top' },
  { name: 'resize a stopped container', method: 'POST', path: '/containers/st-stopped/resize?h=10&w=10' },
  { name: 'wait with a bad condition', method: 'POST', path: '/containers/st-stopped/wait?condition=bogus' },
  { name: 'logs without a stream', method: 'GET', path: '/containers/st-run/logs' },
  { name: 'list with bad filters', method: 'GET', path: '/containers/json?filters=notjson' },
  { name: 'list with an unknown filter', method: 'GET', path: '/containers/json?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D' },
  // CheckDuplicate, as the docker CLI sends it (dockerd 25 and later refuse a duplicate always).
  { name: 'a network name in use', method: 'POST', path: '/networks/create', body: '{"Name":"st-net","CheckDuplicate":true}' },
  { name: 'an unknown route', method: 'GET', path: '/st-nope', message: true },
  { name: 'an unknown version', method: 'GET', path: '/v9.99/version' },
  { name: 'the image of a running container, removed', method: 'DELETE', path: '/images/busybox:latest?noprune=1' },
];

/**
 * Where dockerd 20.10 (Debian's) answers 500 and later dockerd (the API 1.51
 * that dockerlite serves) answers 4xx, dockerlite gives the later status.
 */
const LATER_DOCKERD: Record<string, number> = {
  'malformed JSON': 400, // moby 23: invalid JSON is an InvalidParameter
  'list with bad filters': 400, // moby 23: filters that are not JSON are an InvalidParameter
  'unpause a running container': 409, // "Container X is not paused" is a Conflict in later moby
};

/** Ids, hex prefixes and the server's name made neutral, so messages compare. */
const neutral = (m: string) => m.replace(/[0-9a-f]{64}/g, '<id>').replace(/\b[0-9a-f]{12}\b/g, '<id>');

async function table(call: Call): Promise<Array<{ name: string; status: number; message: string }>> {
  const out = [];
  for (const c of CASES) {
    const r = await call(c.method, c.path, c.body);
    let message: string;
    try {
      message = (JSON.parse(r.body) as { message?: string }).message ?? '';
    } catch {
      message = r.body;
    }
    out.push({ name: c.name, status: r.status, message });
  }
  return out;
}

test("statuses (and key messages) are dockerd's for the same requests", { skip, timeout: 300_000 }, async () => {
  const onDockerd: Call = (m, p, b) => httpRaw(dockerd.path, m, p, b);
  const onDl: Call = (m, p, b) => httpRaw(s!.sock, m, p, b);
  await fixture(onDockerd);
  await fixture(onDl);
  const want = await table(onDockerd);
  const got = await table(onDl);
  const diffs: string[] = [];
  for (let i = 0; i < CASES.length; i++) {
    const w = want[i];
    const g = got[i];
    if (LATER_DOCKERD[w.name] !== undefined) {
      if (g.status !== LATER_DOCKERD[w.name] || (w.status !== 500 && w.status !== g.status))
        diffs.push(`${w.name}: dockerd ${w.status}, dockerlite ${g.status}, expected ${LATER_DOCKERD[w.name]}`);
    } else if (w.status !== g.status) diffs.push(`${w.name}: dockerd ${w.status} (${w.message}), dockerlite ${g.status} (${g.message})`);
    else if (CASES[i].message && neutral(w.message) !== neutral(g.message)) diffs.push(`${w.name}: dockerd says "${w.message}", dockerlite "${g.message}"`);
    if (g.status >= 400 && !g.message) diffs.push(`${w.name}: dockerlite's ${g.status} has no message`);
  }
  assert.deepEqual(diffs, []);
  // And the server goes on serving.
  assert.equal((await httpRaw(s!.sock, 'GET', '/_ping')).body, 'OK');
});
