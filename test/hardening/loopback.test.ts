// Containers must not reach what the host binds to 127.0.0.1 (the class of
// CVE-2020-8558). route_localnet is 1 on our bridges, so that ports published
// on 127.0.0.1 work; without a rule, a container that sends a packet for
// 127.0.0.1 to the gateway's MAC gets it delivered to the host's loopback
// services, or DNATed to a port published on 127.0.0.1 only.
//
// Traffic: raw SYNs to 127.0.0.1 through this store's gateway MAC, SYNs to
// containers made here, and HTTP to 127.0.0.1. Nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { missingPrereq } from '../helpers/env.js';
import { networkTestEnv, background, httpGet, httpd, ipOf } from '../helpers/net.js';
import { rawSyn, SYN_ACK } from '../helpers/rawsyn.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'iptables', 'ip', 'nsenter', 'python3'] });
const env = networkTestEnv(skip);

/** A TCP listener on 127.0.0.1 only, at an ephemeral port, counting the connections it accepts. */
async function loopbackListener(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let n = 0;
  const server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const addr = server.address();
  if (!addr || typeof addr === 'string') throw new Error('listener has no port');
  return { server, port: addr.port, accepted: () => n };
}

/** A host port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const l = await loopbackListener();
  await new Promise((r) => l.server.close(r));
  return l.port;
}

const macOf = (dev: string) => readFileSync(`/sys/class/net/${dev}/address`, 'utf8').trim();
const synAcks = (r: { answers: Array<{ flags: number }> }) => r.answers.filter((a) => (a.flags & SYN_ACK) === SYN_ACK);

/**
 * The host learns a container's MAC, as it does as soon as the container
 * talks to anything through the gateway: a TCP connect from the host to it
 * (refused, or accepted and closed). Without a neighbour entry the host would
 * ask for the container's MAC from 127.0.0.1, which the container's kernel
 * ignores; that is no protection (a container can answer ARP itself), so the
 * probes below must not depend on it.
 */
async function introduce(ip: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const s = connect({ host: ip, port: 9 });
    s.setTimeout(3000, () => s.destroy());
    s.on('connect', () => s.destroy());
    s.on('close', () => resolve());
    s.on('error', () => undefined);
  });
}

/** What a container (by name) gets back for a SYN to dstIp:port through the gateway of its first network. */
async function probe(name: string, bridge: string, dstIp: string, dport: number) {
  const pid = Number(await env.ok(['findpid', name]));
  const srcIp = await ipOf(env, name);
  await introduce(srcIp);
  return rawSyn(pid, { srcIp, dstMac: macOf(bridge), dstIp, dport });
}

test('a raw SYN to 127.0.0.1 through the gateway gets no answer from a host socket bound to loopback', { skip, timeout: 120_000 }, async () => {
  const listener = await loopbackListener();
  try {
    const web = await background(env, 'web', httpd('web'));
    const attacker = await background(env, 'attacker', ['busybox', 'sleep', '600']);
    // The probe works: the same frame, for a container of ours, is routed by the host and answered.
    const control = await probe('attacker', env.bridge, await ipOf(env, 'web'), 80);
    assert.equal(control.sent, 2);
    assert.ok(synAcks(control).length > 0, `the control SYN to web:80 is answered: ${JSON.stringify(control)}`);

    const r = await probe('attacker', env.bridge, '127.0.0.1', listener.port);
    assert.equal(r.sent, 2);
    assert.deepEqual(r.answers, [], `nothing may answer a SYN for 127.0.0.1:${listener.port} from a container`);
    assert.equal(listener.accepted(), 0, 'the loopback listener never saw a connection');
    await env.ok(['rm', '-f', 'web', 'attacker']);
    await Promise.all([web.exited, attacker.exited]);
  } finally {
    await new Promise((r) => listener.server.close(r));
  }
});

test('-p 127.0.0.1:HOSTPORT:80 answers on the host, not to a container sending to 127.0.0.1 through the gateway', { skip, timeout: 120_000 }, async () => {
  const hostPort = await freePort();
  const pub = await background(env, 'pub', ['-p', `127.0.0.1:${hostPort}:80`, ...httpd('loopback-only')]);
  const attacker = await background(env, 'attacker2', ['busybox', 'sleep', '600']);
  assert.equal(await env.ok(['port', 'pub', '80']), `127.0.0.1:${hostPort}`);
  assert.equal(await httpGet(`http://127.0.0.1:${hostPort}/`), 'loopback-only\n', 'reached from the host at 127.0.0.1');
  const r = await probe('attacker2', env.bridge, '127.0.0.1', hostPort);
  assert.deepEqual(r.answers, [], 'a port published on 127.0.0.1 is not reached from a container through the gateway');
  assert.equal(await httpGet(`http://127.0.0.1:${hostPort}/`), 'loopback-only\n', 'still reached from the host');
  await env.ok(['rm', '-f', 'pub', 'attacker2']);
  await Promise.all([pub.exited, attacker.exited]);
});

test('on a user network too; its rules go with the network', { skip, timeout: 120_000 }, async () => {
  const listener = await loopbackListener();
  try {
    await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'lonet']);
    const net = JSON.parse(await env.ok(['network', 'inspect', 'lonet']))[0];
    const bridge = `dl-${net.Id.slice(0, 12)}`;
    const tag = `dockerlite:${env.bridge}:net:${net.Id.slice(0, 12)}`;
    const attacker = await background(env, 'attacker3', ['--network', 'lonet', 'busybox', 'sleep', '600']);
    const r = await probe('attacker3', bridge, '127.0.0.1', listener.port);
    assert.equal(r.sent, 2);
    assert.deepEqual(r.answers, [], `nothing may answer a SYN for 127.0.0.1:${listener.port} from a user network`);
    assert.equal(listener.accepted(), 0);
    const tagged = () =>
      (spawnSync('iptables', ['-w', '-t', 'raw', '-S'], { encoding: 'utf8' }).stdout ?? '').split('\n').filter((l) => l.includes(`"${tag}"`));
    const drops = tagged()
      .map((l) =>
        l
          .match(/ -([sd]) 127\.0\.0\.0\/8 -i (\S+) .* -j DROP$/)
          ?.slice(1)
          .join(' '),
      )
      .sort();
    assert.deepEqual(drops, [`d ${bridge}`, `s ${bridge}`], "the network's raw drops are there while it exists (to and from 127.0.0.0/8)");
    await env.ok(['rm', '-f', 'attacker3']);
    await attacker.exited;
    await env.ok(['network', 'rm', 'lonet']);
    assert.deepEqual(tagged(), [], "the network's raw rules went with it");
  } finally {
    await new Promise((r) => listener.server.close(r));
  }
});

test('a bridge left up by an older dockerlite, without the drops, gets them at the next start', { skip, timeout: 120_000 }, async () => {
  await env.ok(['run', '--rm', 'busybox', 'true']); // the default bridge is up, with its rules
  const id = JSON.parse(await env.ok(['network', 'inspect', 'bridge']))[0].Id as string;
  const chain = `DL-${env.bridge}-RAW`;
  const drops = () =>
    (spawnSync('iptables', ['-w', '-t', 'raw', '-S', chain], { encoding: 'utf8' }).stdout ?? '')
      .split('\n')
      .filter((l) => l.startsWith('-A ') && l.includes(`-i ${env.bridge} `));
  assert.equal(drops().length, 2);
  // What an older version left: the same bridge, up, with no raw drops and no record of its rules' version.
  for (const l of drops()) {
    const args = l
      .replace(/^-A /, '-D ')
      .match(/"[^"]*"|\S+/g)!
      .map((w) => w.replace(/^"(.*)"$/, '$1'));
    assert.equal(spawnSync('iptables', ['-w', '-t', 'raw', ...args]).status, 0);
  }
  rmSync(`${env.root}/networks/${id}/firewall`);
  assert.equal(drops().length, 0);
  await env.ok(['run', '--rm', 'busybox', 'true']);
  assert.equal(drops().length, 2, 'the next start put them back');
  assert.equal(readFileSync(`${env.root}/networks/${id}/firewall`, 'utf8'), '2\n');
});
