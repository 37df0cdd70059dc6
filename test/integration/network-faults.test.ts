// Networking under load and under faults: 30 parallel starts get 30
// distinct addresses, rm gives everything back, and every bad input (a taken
// port, an overlapping subnet, a network in use, an unknown network, a full
// subnet, a container or its dockerlite killed hard) is one clear error that
// leaks nothing. Leaks are counted: this store's iptables rules, its bridges,
// its containers' veths and its address claims, before and after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { TestEnv, missingPrereq, eventually } from '../helpers/env.js';
import { networkTestEnv, background, httpGet, httpd, ipOf } from '../helpers/net.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'iptables', 'ip', 'nsenter'] });
const env = networkTestEnv(skip);

function cleanError(stderr: string, re: RegExp): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected, got:\n${stderr}`);
  assert.match(lines[0], /^dockerlite: error: /);
  assert.match(lines[0], re);
}

/** What this store holds on the host besides its bridge and base chains. */
async function footprint() {
  const { rules, links } = env.netFootprint();
  return {
    ctrRules: rules.filter((r) => r.includes(':ctr:')).length,
    veths: links.filter((l) => l.startsWith('vdl')).length,
    bridges: links.filter((l) => !l.startsWith('vdl')).sort(),
    addresses: (await env.ok(['lsa', '-q'])).split('\n').filter(Boolean).length,
    rules: rules.length,
  };
}

test('30 parallel runs get 30 distinct addresses; rm gives back addresses, veths and rules', { skip, timeout: 300_000 }, async () => {
  await env.ok(['run', '--rm', 'busybox', 'true']); // the bridge and base rules exist from here on
  const before = await footprint();
  const names = Array.from({ length: 30 }, (_, i) => `par${i}`);
  const runs = await Promise.all(names.map((n, i) => background(env, n, [...(i % 3 === 0 ? ['-p', '80'] : []), 'busybox', 'sleep', '600'], 180_000)));
  const ips = await Promise.all(names.map((n) => ipOf(env, n)));
  assert.equal(new Set(ips).size, 30, `distinct: ${ips.join(' ')}`);
  const lsa = (await env.ok(['lsa', '-q'])).split('\n');
  assert.deepEqual([...lsa].sort(), [...ips].sort(), 'lsa lists exactly them');
  const during = await footprint();
  assert.equal(during.veths, 30);
  assert.equal(during.ctrRules, 10, 'one DNAT rule per published port');
  await env.ok(['rm', '-f', ...names]);
  await Promise.all(runs.map((r) => r.exited));
  await eventually(async () => (await footprint()).veths === 0, 'the veths to go', 10_000);
  assert.deepEqual(await footprint(), before, 'everything back as it was');
});

test('a taken host port is refused before the container runs, whoever holds it', { skip }, async () => {
  const before = await footprint();
  // A process of this host listening on 127.0.0.1.
  const srv: Server = createServer(() => {});
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  try {
    for (const spec of [`127.0.0.1:${port}:80`, `${port}:80`]) {
      const r = await env.dl(['run', '--rm', '-p', spec, 'busybox', 'true']);
      assert.equal(r.status, 125, spec);
      cleanError(r.stderr, new RegExp(`host port ${port}/tcp is already in use by a process on this host`));
    }
  } finally {
    await new Promise((r) => srv.close(r));
  }
  // Another container publishing it.
  const first = await background(env, 'holder', ['-p', `${port}:80`, ...httpd('holder')]);
  const r = await env.dl(['run', '--name', 'second', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
  assert.equal(r.status, 125);
  cleanError(r.stderr, new RegExp(`host port ${port}/tcp is already published by container [0-9a-f]{12}`));
  assert.match(await env.ok(['ps', '-a']), /Created\s+second/, 'the refused container never ran');
  assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'holder\n', 'the holder is undisturbed');
  const bad = await env.dl(['run', '--rm', '-p', '1.2.3.4:8080:80', 'busybox', 'true']);
  assert.equal(bad.status, 125);
  cleanError(bad.stderr, /cannot publish on 1\.2\.3\.4: it is not an address of this host/);
  const badSpec = await env.dl(['run', '--rm', '-p', '80:99999', 'busybox', 'true']);
  assert.equal(badSpec.status, 125);
  cleanError(badSpec.stderr, /ports are 1 to 65535/);
  await env.ok(['rm', '-f', 'holder', 'second']);
  await first.exited;
  assert.deepEqual(await footprint(), before);
});

test('an exhausted subnet, a network in use, unknown networks', { skip }, async () => {
  const before = await footprint();
  const tiny = env.freeSubnet(30);
  await env.ok(['network', 'create', '--subnet', tiny, 'tiny']);
  const one = await background(env, 'only', ['--network', 'tiny', 'busybox', 'sleep', '600']);
  const full = await env.dl(['run', '--rm', '--network', 'tiny', 'busybox', 'true']);
  assert.equal(full.status, 125);
  cleanError(full.stderr, new RegExp(`no free address left in network tiny \\(${tiny.replace(/\./g, '\\.')}\\): all 1 are held`));
  const inUse = await env.dl(['network', 'rm', 'tiny']);
  assert.equal(inUse.status, 1);
  cleanError(inUse.stderr, /network tiny is in use by container only; disconnect or remove it first/);
  const stoppedUser = await env.ok(['create', '--network', 'tiny', 'busybox']);
  await env.ok(['rm', '-f', 'only']);
  await one.exited;
  const stillUsed = await env.dl(['network', 'rm', 'tiny']);
  cleanError(stillUsed.stderr, /is in use by container/);
  await env.ok(['rm', stoppedUser]);
  assert.equal(await env.ok(['network', 'rm', 'tiny']), 'tiny');

  const unknownRun = await env.dl(['run', '--rm', '--network', 'nosuch', 'busybox', 'true']);
  assert.equal(unknownRun.status, 125);
  cleanError(unknownRun.stderr, /network nosuch not found/);
  const c = await env.ok(['create', 'busybox']);
  const unknownConnect = await env.dl(['network', 'connect', 'nosuch', c]);
  assert.equal(unknownConnect.status, 1);
  cleanError(unknownConnect.stderr, /network nosuch not found/);
  const host = await env.dl(['network', 'connect', 'host', c]);
  cleanError(host.stderr, /cannot be connected to or disconnected from the host network/);
  const notOn = await env.dl(['network', 'disconnect', 'bridge', await env.ok(['create', '--network', 'none', 'busybox'])]);
  cleanError(notOn.stderr, /uses --network none/);
  assert.equal((await env.dl(['network', 'inspect', 'nosuch'])).status, 1);
  await env.ok(['rm', ...(await env.ok(['ps', '-aq'])).split('\n').filter(Boolean)]);
  assert.deepEqual(await footprint(), before);
});

test('a container killed hard, and its monitor killed hard: rules and addresses still come back', { skip }, async () => {
  const before = await footprint();
  const victim = await background(env, 'victim', ['-p', '127.0.0.1::80', ...httpd('victim')]);
  const port = Number((await env.ok(['port', 'victim', '80'])).split(':')[1]);
  assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'victim\n');
  await env.ok(['kill', '-s', 'KILL', 'victim']);
  assert.equal(await victim.exited, 137);
  assert.equal((await footprint()).ctrRules, 0, 'the rules went with it');

  // Now the monitor that owns the container dies with SIGKILL: the container goes with it,
  // and no process saw it stop. The next dockerlite that reads its record finds it stale,
  // records the exit and withdraws the rule.
  const orphan = await background(env, 'orphan', ['-p', `127.0.0.1:${port}:80`, ...httpd('orphan')]);
  assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'orphan\n');
  const id = await env.ok(['inspect', '-f', '{{.Id}}', 'orphan']);
  const { monitorPid } = JSON.parse(readFileSync(`${env.root}/containers/${id}/state.json`, 'utf8'));
  process.kill(monitorPid, 'SIGKILL');
  await orphan.exited;
  await eventually(async () => (await env.ok(['inspect', '-f', '{{.State.Status}}', 'orphan'])) === 'exited', 'the container to be seen ended');
  assert.equal((await footprint()).ctrRules, 0, 'the reader that found the record stale withdrew its rule');
  // The port is free again for the next container.
  const next = await background(env, 'next', ['-p', `127.0.0.1:${port}:80`, ...httpd('next')]);
  assert.equal(await httpGet(`http://127.0.0.1:${port}/`), 'next\n');
  assert.equal((await footprint()).ctrRules, 1);
  await env.ok(['rm', '-f', 'next', 'orphan', 'victim']);
  await next.exited;
  await eventually(async () => (await footprint()).veths === 0, 'the veths to go', 10_000);
  assert.deepEqual(await footprint(), before);
});

test('the default subnet may not overlap a route the host already has', { skip }, async () => {
  // A second store whose DOCKERLITE_SUBNET is the first store's, whose bridge route now exists.
  await env.ok(['run', '--rm', 'busybox', 'true']);
  const clash = new TestEnv({ DOCKERLITE_SUBNET: env.subnet });
  try {
    await clash.ok(['init']);
    const r = await clash.dl(['run', '--rm', 'busybox', 'true']);
    assert.equal(r.status, 125);
    cleanError(
      r.stderr,
      new RegExp(`DOCKERLITE_SUBNET\\) ${env.subnet.replace(/\./g, '\\.')} overlaps the host's route to ${env.subnet.replace(/\./g, '\\.')} on ${env.bridge}`),
    );
    assert.deepEqual(clash.netFootprint().links, [], 'no bridge was made');
    const net = await clash.dl(['network', 'create', '--subnet', env.subnet, 'x']);
    cleanError(net.stderr, /overlaps/);
  } finally {
    await clash.cleanup();
  }
  assert.deepEqual(clash.leaks(), []);
});
