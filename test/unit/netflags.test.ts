import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags } from '../../src/cli/args.js';
import { CREATE_FLAGS, toCreateOptions } from '../../src/cli/runflags.js';
import { parseNetworkFlag } from '../../src/cli/netflags.js';
import { splitWords } from '../../src/sys/iptables.js';
import { vethName, bridgeNameFor, parseMode } from '../../src/network/model.js';
import { InvalidArgument } from '../../src/errors.js';

function opts(argv: string[]) {
  const p = parseFlags('run', argv, CREATE_FLAGS, { stopAtPositional: true });
  return toCreateOptions(p.flags, p.positionals[0], p.positionals.slice(1));
}

test('run flags land in HostConfig and NetworkingConfig with Docker field names', () => {
  const o = opts([
    '-p',
    '8080:80',
    '-P',
    '--expose',
    '53/udp',
    '--network',
    'app',
    '--network-alias',
    'www',
    '--ip',
    '10.2.0.9',
    '--mac-address',
    '02:42:0A:02:00:09',
    '--dns',
    '127.0.0.1',
    '--dns-search',
    'x.y',
    '--dns-option',
    'ndots:1',
    '--add-host',
    'db:10.2.0.3',
    'busybox',
    'true',
  ]);
  assert.equal(o.hostConfig!.NetworkMode, 'app');
  assert.deepEqual(o.hostConfig!.PortBindings, { '80/tcp': [{ HostIp: '', HostPort: '8080' }] });
  assert.equal(o.hostConfig!.PublishAllPorts, true);
  assert.deepEqual(o.hostConfig!.Dns, ['127.0.0.1']);
  assert.deepEqual(o.hostConfig!.DnsSearch, ['x.y']);
  assert.deepEqual(o.hostConfig!.DnsOptions, ['ndots:1']);
  assert.deepEqual(o.hostConfig!.ExtraHosts, ['db:10.2.0.3']);
  assert.deepEqual(o.exposedPorts, ['53/udp']);
  assert.deepEqual(o.networkingConfig, {
    EndpointsConfig: { app: { Aliases: ['www'], IPAMConfig: { IPv4Address: '10.2.0.9' }, MacAddress: '02:42:0a:02:00:09' } },
  });
  const plain = opts(['busybox']);
  assert.equal(plain.hostConfig!.NetworkMode, 'bridge');
  assert.equal(plain.networkingConfig, undefined);
});

test('several --network flags, and the long form', () => {
  const o = opts(['--network', 'a', '--network', 'name=b,alias=x,alias=y,ip=10.3.0.4', 'busybox']);
  assert.equal(o.hostConfig!.NetworkMode, 'a');
  assert.deepEqual(o.networkingConfig!.EndpointsConfig, { a: {}, b: { Aliases: ['x', 'y'], IPAMConfig: { IPv4Address: '10.3.0.4' } } });
  assert.throws(() => parseNetworkFlag('name=a,colour=red'), /unknown option 'colour'/);
  assert.throws(() => parseNetworkFlag('alias=x'), /name=NETWORK is required/);
  assert.throws(() => opts(['--network', 'a', '--network', 'a', 'busybox']), /given twice/);
});

test('bad network flags fail at parse time', () => {
  for (const argv of [
    ['-p', '80:99999'],
    ['--ip', '10.2.0'],
    ['--mac-address', 'zz'],
    ['--dns', 'resolver'],
    ['--add-host', 'nocolon'],
    ['--expose', 'http'],
  ]) {
    assert.throws(() => opts([...argv, 'busybox']), InvalidArgument, argv.join(' '));
  }
});

test('network modes, and names that stay within IFNAMSIZ', () => {
  assert.deepEqual(parseMode(undefined), { kind: 'bridge', network: 'bridge' });
  assert.deepEqual(parseMode('default'), { kind: 'bridge', network: 'bridge' });
  assert.deepEqual(parseMode('container:web'), { kind: 'container', target: 'web' });
  assert.deepEqual(parseMode('none'), { kind: 'none' });
  assert.deepEqual(parseMode('mynet'), { kind: 'bridge', network: 'mynet' });
  assert.throws(() => parseMode('container:'), InvalidArgument);
  const id = 'abcdef0123456789'.repeat(4);
  assert.equal(vethName(id, 0), 'vdlabcdef012340');
  assert.equal(vethName(id, 11), 'vdlabcdef01234b');
  assert.ok(vethName(id, 0).length <= 15 && bridgeNameFor(id).length <= 15);
});

test('iptables -S lines split back into arguments', () => {
  assert.deepEqual(splitWords('-A DL-x -p tcp -m comment --comment "dockerlite:x:ctr:abc" -j DNAT --to-destination 10.1.1.2:80'), [
    '-A',
    'DL-x',
    '-p',
    'tcp',
    '-m',
    'comment',
    '--comment',
    'dockerlite:x:ctr:abc',
    '-j',
    'DNAT',
    '--to-destination',
    '10.1.1.2:80',
  ]);
  assert.deepEqual(splitWords('-A X -m comment --comment "two words \\"q\\"" -j RETURN'), [
    '-A',
    'X',
    '-m',
    'comment',
    '--comment',
    'two words "q"',
    '-j',
    'RETURN',
  ]);
});
