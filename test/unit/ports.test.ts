import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPortsColumn, parseExpose, parsePublish, portBindings, portLines } from '../../src/network/ports.js';
import { InvalidArgument } from '../../src/errors.js';

test('-p forms as Docker parses them', () => {
  assert.deepEqual(parsePublish('8080:80'), [['80/tcp', { HostIp: '', HostPort: '8080' }]]);
  assert.deepEqual(parsePublish('127.0.0.1:8080:80/udp'), [['80/udp', { HostIp: '127.0.0.1', HostPort: '8080' }]]);
  assert.deepEqual(parsePublish('127.0.0.1::80'), [['80/tcp', { HostIp: '127.0.0.1', HostPort: '' }]]);
  assert.deepEqual(parsePublish('80'), [['80/tcp', { HostIp: '', HostPort: '' }]]);
  assert.deepEqual(parsePublish('8000-8001:80-81'), [
    ['80/tcp', { HostIp: '', HostPort: '8000' }],
    ['81/tcp', { HostIp: '', HostPort: '8001' }],
  ]);
  assert.deepEqual(parsePublish('9000-9010:80'), [['80/tcp', { HostIp: '', HostPort: '9000-9010' }]], 'a host range for one port: any free one of it');
  assert.deepEqual(portBindings(['80', '8080:80']), {
    '80/tcp': [
      { HostIp: '', HostPort: '' },
      { HostIp: '', HostPort: '8080' },
    ],
  });
});

test('bad -p specs are refused with the reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['0:80', /ports are 1 to 65535/],
    ['8080:70000', /ports are 1 to 65535/],
    ['8080:80/icmp', /tcp, udp or sctp/],
    ['8000-8002:80-81', /same length/],
    ['1.2.3:80:80', /invalid host address/],
    ['[::1]:80:80', /IPv6/],
    ['a:b:c:d', /expected \[ip:\]\[hostPort:\]containerPort/],
    ['8080:', /expected/],
    ['90-80:80', /end is before the start/],
  ];
  for (const [spec, re] of cases)
    assert.throws(
      () => parsePublish(spec),
      (e: unknown) => e instanceof InvalidArgument && re.test((e as Error).message),
      spec,
    );
});

test('--expose takes ports and ranges', () => {
  assert.deepEqual(parseExpose('80'), ['80/tcp']);
  assert.deepEqual(parseExpose('53/udp'), ['53/udp']);
  assert.deepEqual(parseExpose('8000-8002'), ['8000/tcp', '8001/tcp', '8002/tcp']);
});

test('the PORTS column and port lines look like Docker', () => {
  const ports = {
    '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }],
    '443/tcp': null,
    '5000/udp': [{ HostIp: '127.0.0.1', HostPort: '5000' }],
    '7000/tcp': [{ HostIp: '0.0.0.0', HostPort: '9000' }],
    '7001/tcp': [{ HostIp: '0.0.0.0', HostPort: '9001' }],
  };
  assert.equal(formatPortsColumn(ports), '0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->7000-7001/tcp, 127.0.0.1:5000->5000/udp, 443/tcp');
  assert.deepEqual(portLines(ports), ['80/tcp -> 0.0.0.0:8080', '7000/tcp -> 0.0.0.0:9000', '7001/tcp -> 0.0.0.0:9001', '5000/udp -> 127.0.0.1:5000']);
  assert.deepEqual(portLines(ports, '80'), ['0.0.0.0:8080']);
  assert.deepEqual(portLines(ports, '5000/udp'), ['127.0.0.1:5000']);
  assert.deepEqual(portLines(ports, '443'), []);
  assert.equal(formatPortsColumn({}), '');
});
