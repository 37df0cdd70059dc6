import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAddHost, renderHosts, renderResolv, checkDns } from '../../src/network/etcfiles.js';
import { InvalidArgument } from '../../src/errors.js';

test('hosts: localhost, own address, --add-host, then peers', () => {
  const t = renderHosts({
    hostname: 'box',
    ips: ['10.2.0.5', '10.3.0.5'],
    extra: [['db', '10.9.9.9']],
    peers: [{ ip: '10.2.0.6', names: ['web', 'www', 'abcdef012345'] }],
  });
  const lines = t.trim().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.ok(lines.includes('10.2.0.5\tbox'), 'own primary address under the hostname');
  assert.ok(!lines.some((l) => l.startsWith('10.3.0.5')), 'only the primary address carries the hostname');
  assert.ok(lines.includes('10.9.9.9\tdb'));
  assert.equal(lines.at(-1), '10.2.0.6\tweb www abcdef012345');
  const none = renderHosts({ hostname: 'box', ips: [], extra: [], peers: [] });
  assert.ok(!none.includes('box'), 'no address, no hostname line');
});

test('resolv.conf: host nameservers minus loopback, flags replace, fallback as Docker', () => {
  const host = 'search corp.example\nnameserver 127.0.0.53\nnameserver 10.255.255.53\noptions edns0\n';
  assert.equal(renderResolv({ host }), 'search corp.example\nnameserver 10.255.255.53\noptions edns0\n');
  assert.equal(renderResolv({ host, dns: ['127.0.0.1'], search: ['a.b'], options: ['ndots:2'] }), 'search a.b\nnameserver 127.0.0.1\noptions ndots:2\n');
  assert.equal(renderResolv({ host: 'nameserver 127.0.0.53\n' }), 'nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
});

test('--add-host and --dns are checked', () => {
  assert.deepEqual(parseAddHost('db:10.1.1.5'), ['db', '10.1.1.5']);
  assert.deepEqual(parseAddHost('db=10.1.1.5'), ['db', '10.1.1.5']);
  assert.deepEqual(parseAddHost('gw:host-gateway'), ['gw', 'host-gateway']);
  assert.deepEqual(parseAddHost('v6:[::1]'), ['v6', '::1']);
  for (const bad of ['db', 'db:', 'db:notanip', 'a b:1.2.3.4']) assert.throws(() => parseAddHost(bad), InvalidArgument, bad);
  assert.equal(checkDns('1.1.1.1'), '1.1.1.1');
  assert.throws(() => checkDns('dns.example'), /must be an IP address/);
});
