// Networking with real containers: user networks where names resolve and
// follow containers, isolation between networks, published ports, the
// none/host/container modes, connect/disconnect, and the original's lsa/seta.
// Traffic goes only to loopback, to this store's bridge gateway and to the
// containers made here. Every container that looks up a name uses
// --dns 127.0.0.1, so a name that is (rightly) unknown never becomes a DNS
// query to the host's resolver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { missingPrereq } from '../helpers/env.js';
import { networkTestEnv, background, httpGet, httpd, ipOf } from '../helpers/net.js';

const skip = missingPrereq({ tools: ['lxc-execute', 'btrfs', 'iptables', 'ip', 'nsenter'] });
const env = networkTestEnv(skip);
const DNS = ['--dns', '127.0.0.1'];

/** Run a throwaway busybox command on a network; returns stdout (trimmed) and status. */
async function inside(network: string, script: string): Promise<{ status: number; out: string }> {
  const r = await env.dl(['run', '--rm', '--network', network, ...DNS, 'busybox', 'sh', '-c', script]);
  return { status: r.status, out: r.stdout.trim() };
}

test('on a user network containers fetch pages from each other by name and alias; names follow them', { skip }, async () => {
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'app']);
  const web = await background(env, 'web', ['--network', 'app', '--network-alias', 'www', ...DNS, ...httpd('from-web')]);
  const api = await background(env, 'api', ['--network', 'app', ...DNS, ...httpd('from-api')]);
  // Each reaches the other by name, through wget inside the container.
  assert.equal(await env.ok(['run', '--rm', '--network', 'app', ...DNS, 'busybox', 'wget', '-q', '-O-', 'http://api/']), 'from-api');
  const fromWeb = await env.dl(['run', '--rm', '--network', 'app', ...DNS, 'busybox', 'sh', '-c', 'wget -q -O- http://web/ && wget -q -O- http://www/']);
  assert.equal(fromWeb.stdout, 'from-web\nfrom-web\n', fromWeb.stderr);
  const webId = await env.ok(['inspect', '-f', '{{.Id}}', 'web']);
  assert.equal((await inside('app', `wget -q -O- http://${webId.slice(0, 12)}/`)).out, 'from-web', 'the short id resolves too');
  // The running api container sees web in its own /etc/hosts.
  const apiId = await env.ok(['inspect', '-f', '{{.Id}}', 'api']);
  const apiHosts = () => readFileSync(`${env.root}/containers/${apiId}/hosts`, 'utf8');
  assert.match(apiHosts(), new RegExp(`^${(await ipOf(env, 'web')).replace(/\./g, '\\.')}\\tweb www ${webId.slice(0, 12)}$`, 'm'));

  // web goes: its name disappears from api's hosts, and lookups fail.
  await env.ok(['rm', '-f', 'web']);
  await web.exited;
  assert.doesNotMatch(apiHosts(), /\bweb\b/);
  const gone = await inside('app', 'wget -q -O- http://web/ 2>&1; echo rc=$?');
  assert.match(gone.out, /bad address 'web'[\s\S]*rc=1/);
  // A newcomer with that name appears at once.
  const web2 = await background(env, 'web', ['--network', 'app', ...DNS, ...httpd('web-again')]);
  assert.match(apiHosts(), /\tweb /);
  assert.equal((await inside('app', 'wget -q -O- http://web/')).out, 'web-again');
  await env.ok(['rm', '-f', 'web', 'api']);
  await Promise.all([web2.exited, api.exited]);
});

test('containers on different networks cannot reach each other; the same network can', { skip }, async () => {
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'red']);
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'blue']);
  const r = await background(env, 'red1', ['--network', 'red', ...DNS, ...httpd('red')]);
  const b = await background(env, 'blue1', ['--network', 'blue', ...DNS, ...httpd('blue')]);
  const redIp = await ipOf(env, 'red1');
  const blueIp = await ipOf(env, 'blue1');
  assert.equal((await inside('red', `wget -q -O- http://${redIp}/`)).out, 'red');
  assert.equal((await inside('blue', `wget -q -O- http://${blueIp}/`)).out, 'blue');
  // The same probe succeeds within a network, so its failure across networks means something.
  assert.match((await inside('red', `nc -w 2 ${redIp} 80 </dev/null; echo rc=$?`)).out, /rc=0/);
  const blocked = await inside('blue', `nc -w 2 ${redIp} 80 </dev/null; echo rc=$?`);
  assert.match(blocked.out, /rc=1/, `blue must not reach red: ${blocked.out}`);
  const blocked2 = await inside('red', `nc -w 2 ${blueIp} 80 </dev/null; echo rc=$?`);
  assert.match(blocked2.out, /rc=1/);
  assert.match((await inside('blue', 'wget -q -O- http://red1/ 2>&1; echo rc=$?')).out, /bad address/, 'nor see its names');
  // The default bridge is a network of its own, too.
  assert.match((await inside('bridge', `nc -w 2 ${redIp} 80 </dev/null; echo rc=$?`)).out, /rc=1/);
  await env.ok(['rm', '-f', 'red1', 'blue1']);
  await Promise.all([r.exited, b.exited]);
  await env.ok(['network', 'rm', 'red', 'blue']);
});

test('a published port answers on 127.0.0.1 and on the bridge gateway; ps and port show it; rules go when it stops', { skip }, async () => {
  const gw = JSON.parse(await env.ok(['network', 'inspect', 'bridge']))[0].IPAM.Config[0].Gateway;
  const web = await background(env, 'pub', ['-p', '127.0.0.1::80', '-p', '0.0.0.0::81', '--expose', '90', ...httpd('published')]);
  const lines = (await env.ok(['port', 'pub'])).split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^80\/tcp -> 127\.0\.0\.1:\d+$/);
  assert.match(lines[1], /^81\/tcp -> 0\.0\.0\.0:\d+$/);
  const p80 = Number(lines[0].split(':')[1]);
  const p81 = Number(lines[1].split(':')[1]);
  assert.equal(await env.ok(['port', 'pub', '80']), `127.0.0.1:${p80}`);
  const missing = await env.dl(['port', 'pub', '90']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /no public port '90\/tcp' published for pub/);
  assert.match(await env.ok(['ps']), new RegExp(`0\\.0\\.0\\.0:${p81}->81/tcp, 127\\.0\\.0\\.1:${p80}->80/tcp, 90/tcp\\s+pub`));
  const ps = JSON.parse((await env.ok(['ps', '--format', 'json'])).split('\n')[0]);
  assert.match(ps.Ports, new RegExp(`127\\.0\\.0\\.1:${p80}->80/tcp`));

  assert.equal(await httpGet(`http://127.0.0.1:${p80}/`), 'published\n', 'on 127.0.0.1');
  assert.equal(await httpGet(`http://${gw}:${p80}/`, 1500), undefined, 'a 127.0.0.1 binding is not on the gateway');
  // 81 listens nowhere inside, so the DNATed connection is refused by the container; publish the real server on the gateway instead.
  await env.ok(['rm', '-f', 'pub']);
  await web.exited;
  const web2 = await background(env, 'pub2', ['-p', '80', ...httpd('published2')]);
  const p = Number((await env.ok(['port', 'pub2', '80'])).split(':')[1]);
  assert.equal(await httpGet(`http://127.0.0.1:${p}/`), 'published2\n');
  assert.equal(await httpGet(`http://${gw}:${p}/`), 'published2\n', 'on the bridge gateway, an address of the host');
  // A container reaches another's published port through the gateway (hairpin through the host).
  assert.equal(await env.ok(['run', '--rm', 'busybox', 'wget', '-q', '-O-', `http://${gw}:${p}/`]), 'published2');
  const ruleCount = () => env.netFootprint().rules.filter((r) => r.includes(':ctr:')).length;
  assert.ok(ruleCount() > 0);
  await env.ok(['kill', 'pub2']);
  await web2.exited;
  assert.equal(ruleCount(), 0, 'the rules went when the container stopped');
  assert.equal(await env.ok(['port', 'pub2']), '', 'nothing is published by a stopped container');
  assert.equal(await httpGet(`http://127.0.0.1:${p}/`, 1500), undefined);
  // Started again: published again (a new host port for -p 80), same address.
  const ip1 = await ipOf(env, 'pub2');
  const again = await background(env, 'pub3', ['-P', '--expose', '80', ...httpd('exposed')]);
  const pAll = Number((await env.ok(['port', 'pub3', '80'])).split(':')[1]);
  assert.equal(await httpGet(`http://127.0.0.1:${pAll}/`), 'exposed\n', '-P publishes what is exposed');
  assert.equal(await ipOf(env, 'pub2'), ip1, 'a stopped container keeps its address');
  await env.ok(['rm', '-f', 'pub3', 'pub2']);
  await again.exited;
  assert.equal(ruleCount(), 0);
});

test('--network none has only lo; host shares the host; container:<id> shares another', { skip }, async () => {
  assert.equal(await env.ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']), 'lo');
  const none = JSON.parse(await env.ok(['inspect', await env.ok(['create', '--network', 'none', 'busybox'])]))[0];
  assert.deepEqual(Object.keys(none.NetworkSettings.Networks), ['none']);
  await env.ok(['rm', none.Id]);
  const srv = await background(env, 'ns-owner', httpd('shared-ns'));
  const ip = await ipOf(env, 'ns-owner');
  // host: the host's own interfaces, this store's bridge among them.
  assert.match(await env.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']), new RegExp(`^${env.bridge}$`, 'm'));
  const joined = await env.ok([
    'run',
    '--rm',
    '--network',
    'container:ns-owner',
    'busybox',
    'sh',
    '-c',
    'ip -o -4 addr show eth0; wget -q -O- http://127.0.0.1/',
  ]);
  assert.match(joined, new RegExp(`inet ${ip.replace(/\./g, '\\.')}/`), 'the same eth0');
  assert.match(joined, /shared-ns$/, "the other's server is on our loopback");
  const stopped = await env.ok(['create', '--name', 'idle', 'busybox']);
  const refused = await env.dl(['run', '--rm', '--network', 'container:idle', 'busybox', 'true']);
  assert.equal(refused.status, 125);
  assert.match(refused.stderr, /cannot join the network of container idle: it is not running/);
  const conflict = await env.dl(['run', '--rm', '--network', 'container:ns-owner', '-p', '80', 'busybox', 'true']);
  assert.equal(conflict.status, 125);
  assert.match(conflict.stderr, /conflicting options: port publishing and --network container:/);
  await env.ok(['rm', '-f', 'ns-owner', stopped]);
  await srv.exited;
});

test('--ip, --mac-address, --dns, --add-host, --dns-search', { skip }, async () => {
  const sub = env.freeSubnet();
  await env.ok(['network', 'create', '--subnet', sub, 'fixed']);
  const want = sub.replace(/0\/24$/, '77');
  const out = await env.ok([
    'run',
    '--rm',
    '--network',
    'fixed',
    '--ip',
    want,
    '--mac-address',
    '02:42:c0:ff:ee:01',
    '--dns',
    '127.0.0.1',
    '--dns-search',
    'corp.test',
    '--add-host',
    'db:10.9.8.7',
    '--add-host',
    'gw:host-gateway',
    'busybox',
    'sh',
    '-c',
    'ip -o -4 addr show eth0; cat /sys/class/net/eth0/address; cat /etc/resolv.conf; grep -E "db|gw" /etc/hosts',
  ]);
  assert.match(out, new RegExp(`inet ${want.replace(/\./g, '\\.')}/24`));
  assert.match(out, /^02:42:c0:ff:ee:01$/m);
  // As Docker on a user network (which writes 127.0.0.11 there): the embedded resolver is the nameserver, and --dns is where it forwards.
  const gwIp = sub.replace(/0\/24$/, '1').replace(/\./g, '\\.');
  assert.match(out, new RegExp(`^search corp\\.test\\nnameserver ${gwIp}\\noptions ndots:0$`, 'm'));
  assert.match(out, /^10\.9\.8\.7\tdb$/m);
  assert.match(out, new RegExp(`^${sub.replace(/0\/24$/, '1').replace(/\./g, '\\.')}\\tgw$`, 'm'), 'host-gateway is the network gateway');
  const outside = await env.dl(['run', '--rm', '--network', 'fixed', '--ip', '10.0.0.5', 'busybox', 'true']);
  assert.equal(outside.status, 125);
  assert.match(outside.stderr, /--ip 10\.0\.0\.5 is not in the subnet/);
  const alias = await env.dl(['run', '--rm', '--network-alias', 'x', 'busybox', 'true']);
  assert.equal(alias.status, 125);
  assert.match(alias.stderr, /only supported on user-defined networks/);
  await env.ok(['network', 'rm', 'fixed']);
});

test('connect and disconnect a running container: names and reachability follow', { skip }, async () => {
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'front']);
  await env.ok(['network', 'create', '--subnet', env.freeSubnet(), 'back']);
  const db = await background(env, 'db', ['--network', 'back', ...DNS, ...httpd('db-page')]);
  assert.match((await inside('front', 'wget -q -O- http://db/ 2>&1; echo rc=$?')).out, /bad address/);
  await env.ok(['network', 'connect', '--alias', 'database', 'front', 'db']);
  assert.equal((await inside('front', 'wget -q -O- http://database/')).out, 'db-page', 'reachable on the new network, by alias');
  const nets = JSON.parse(await env.ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'db']));
  assert.deepEqual(Object.keys(nets), ['back', 'front']);
  const inspect = JSON.parse(await env.ok(['network', 'inspect', 'front']))[0];
  assert.equal(Object.values<any>(inspect.Containers)[0].Name, 'db');
  const again = await env.dl(['network', 'connect', 'front', 'db']);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already connected to network front/);
  await env.ok(['network', 'disconnect', 'back', 'db']);
  assert.equal((await inside('front', 'wget -q -O- http://db/')).out, 'db-page', 'still on front, now its first network');
  assert.match((await inside('back', 'wget -q -O- http://db/ 2>&1; echo rc=$?')).out, /bad address/);
  const lsa = await env.ok(['lsa']);
  assert.match(lsa, /\sfront\s+[0-9a-f]{12}\s+db$/m);
  assert.doesNotMatch(lsa, /\sback\s/, 'the address on back was released');
  await env.ok(['rm', '-f', 'db']);
  await db.exited;
  await env.ok(['network', 'rm', 'front', 'back']);
});

test("the original's seta and lsa: set or allocate, list, release on rm", { skip }, async () => {
  const id = await env.ok(['create', '--name', 'addr', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
  env.containerIds.add(id);
  const want = env.subnet.replace(/0\/24$/, '200');
  assert.equal(await env.ok(['seta', 'addr', want]), want);
  assert.equal(await env.ok(['seta', 'addr']), want, 'seta without an address keeps the one it has');
  assert.match(await env.ok(['lsa']), new RegExp(`^${want.replace(/\./g, '\\.')}\\s+bridge\\s+${id.slice(0, 12)}\\s+addr$`, 'm'));
  assert.match(await env.ok(['start', '-a', 'addr']), new RegExp(`inet ${want.replace(/\./g, '\\.')}/24`), 'the container runs with it');
  const other = await env.ok(['create', 'busybox']);
  const taken = await env.dl(['seta', other, want]);
  assert.equal(taken.status, 1);
  assert.match(taken.stderr, /address .* is already in use in network bridge/);
  const next = await env.ok(['seta', other]);
  assert.notEqual(next, want);
  assert.equal((await env.ok(['lsa', '-q'])).split('\n').length, 2);
  await env.ok(['rm', 'addr', other]);
  assert.equal(await env.ok(['lsa', '-q']), '', 'rm released both');
});

test('network ls/inspect, and create refuses bad and overlapping subnets', { skip }, async () => {
  const sub = env.freeSubnet();
  const id = await env.ok(['network', 'create', '--subnet', sub, '--label', 'team=a', 'listed']);
  const ls = await env.ok(['network', 'ls']);
  assert.match(ls, /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE$/m);
  assert.match(ls, new RegExp(`^${id.slice(0, 12)}\\s+listed\\s+bridge\\s+local$`, 'm'));
  assert.match(ls, /\sbridge\s+bridge\s+local$/m);
  assert.match(ls, /\shost\s+host\s+local$/m);
  assert.match(ls, /\snone\s+null\s+local$/m);
  const doc = JSON.parse(await env.ok(['network', 'inspect', 'listed']))[0];
  assert.equal(doc.Id, id);
  assert.deepEqual(doc.IPAM.Config, [{ Subnet: sub, Gateway: sub.replace(/0\/24$/, '1') }]);
  assert.equal(doc.Labels.team, 'a');
  const dev = doc.Options['com.docker.network.bridge.name'];
  assert.ok(env.netFootprint().links.includes(dev), 'its bridge exists from create on');
  const cases: Array<[string[], RegExp]> = [
    [['--subnet', sub, 'dup-subnet'], /overlaps network listed/],
    [['--subnet', sub.replace(/\/24$/, '/16').replace(/\.\d+\.0\//, '.0.0/'), 'wider'], /overlaps network \w+/],
    [['--subnet', env.subnet, 'on-default'], /overlaps network bridge/],
    [['--subnet', '10.1.2.3/24', 'hostbits'], /host bits are set/],
    [['--subnet', env.freeSubnet(), '--gateway', '10.0.0.1', 'gw-outside'], /gateway 10\.0\.0\.1 is not in the subnet/],
    [['listed'], /network with name listed already exists/],
    [['--driver', 'overlay', 'ov'], /driver "overlay" is not supported/],
    [['bad name!'], /invalid network name/],
  ];
  for (const [args, re] of cases) {
    const r = await env.dl(['network', 'create', ...args]);
    assert.equal(r.status, 1, args.join(' '));
    assert.match(r.stderr, re, args.join(' '));
  }
  await env.ok(['network', 'rm', 'listed']);
  assert.ok(!env.netFootprint().links.includes(dev), 'network rm removes its bridge');
  assert.equal(env.netFootprint().rules.filter((r) => r.includes(id.slice(0, 12))).length, 0, 'and its rules');
  const pre = await env.dl(['network', 'rm', 'bridge']);
  assert.match(pre.stderr, /bridge is a pre-defined network and cannot be removed/);
});

test('names follow a rename: peers see the new name at once', { skip }, async () => {
  await env.ok(['network', 'create', 'renames']);
  await env.ok(['run', '-d', '--name', 'oldname', '--network', 'renames', 'busybox', 'sleep', '600']);
  await env.ok(['run', '-d', '--name', 'peer', '--network', 'renames', 'busybox', 'sleep', '600']);
  assert.match(await env.ok(['exec', 'peer', 'cat', '/etc/hosts']), /\toldname\b/);
  await env.ok(['rename', 'oldname', 'newname']);
  const hosts = await env.ok(['exec', 'peer', 'cat', '/etc/hosts']);
  assert.match(hosts, /\tnewname\b/);
  assert.doesNotMatch(hosts, /\boldname\b/);
  await env.ok(['rm', '-f', 'newname', 'peer']);
  await env.ok(['network', 'rm', 'renames']);
});
