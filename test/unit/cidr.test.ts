import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  broadcast,
  capacity,
  checkHostAddress,
  formatIp,
  formatSubnet,
  hosts,
  macForIp,
  overlaps,
  parseIp,
  parseMac,
  parseSubnet,
} from '../../src/network/cidr.js';
import { InvalidArgument } from '../../src/errors.js';

test('addresses and subnets round-trip; host bits and bad input are refused', () => {
  assert.equal(formatIp(parseIp('10.1.1.254')), '10.1.1.254');
  assert.equal(parseIp('255.255.255.255'), 0xffffffff);
  assert.equal(formatSubnet(parseSubnet('10.1.1.0/24')), '10.1.1.0/24');
  assert.equal(formatIp(broadcast(parseSubnet('10.1.0.0/16'))), '10.1.255.255');
  for (const bad of ['10.1.1', '10.1.1.256', '1.2.3.4.5', 'a.b.c.d', '']) assert.throws(() => parseIp(bad), InvalidArgument, bad);
  assert.throws(() => parseSubnet('10.1.1.5/24'), /host bits are set; did you mean 10\.1\.1\.0\/24/);
  assert.throws(() => parseSubnet('10.1.1.0/33'), InvalidArgument);
  assert.throws(() => parseSubnet('10.1.1.0'), /CIDR/);
});

test('overlap is symmetric and catches containment', () => {
  const a = parseSubnet('10.1.0.0/16');
  const b = parseSubnet('10.1.7.0/24');
  const c = parseSubnet('10.2.0.0/24');
  assert.ok(overlaps(a, b) && overlaps(b, a));
  assert.ok(!overlaps(a, c) && !overlaps(c, a));
  assert.ok(overlaps(parseSubnet('0.0.0.0/0'), c));
});

test('container addresses skip network, broadcast and gateway', () => {
  const n = parseSubnet('10.9.9.0/29');
  const gw = parseIp('10.9.9.1');
  assert.deepEqual([...hosts(n, gw)].map(formatIp), ['10.9.9.2', '10.9.9.3', '10.9.9.4', '10.9.9.5', '10.9.9.6']);
  assert.equal(capacity(n), 5);
  assert.equal(capacity(parseSubnet('10.9.9.0/30')), 1);
  assert.equal(capacity(parseSubnet('10.9.9.0/24')), 253);
  assert.throws(() => checkHostAddress(n, gw, '10.9.9.0'), /network address/);
  assert.throws(() => checkHostAddress(n, gw, '10.9.9.7'), /broadcast address/);
  assert.throws(() => checkHostAddress(n, gw, '10.9.9.1'), /gateway/);
  assert.throws(() => checkHostAddress(n, gw, '10.9.8.2'), /not in the subnet 10\.9\.9\.0\/29/);
  assert.equal(formatIp(checkHostAddress(n, gw, '10.9.9.3')), '10.9.9.3');
});

test("MACs: Docker's 02:42 + address, and user MACs must be unicast", () => {
  assert.equal(macForIp(parseIp('10.1.1.2')), '02:42:0a:01:01:02');
  assert.equal(parseMac('02-42-AC-11-00-02'), '02:42:ac:11:00:02');
  assert.throws(() => parseMac('01:00:5e:00:00:01'), /multicast/);
  assert.throws(() => parseMac('02:42:ac:11:00'), /invalid MAC/);
  assert.throws(() => parseMac('00:00:00:00:00:00'), /invalid MAC/);
});
