import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answer, parseQuery, RCODE_NOERROR, RCODE_NXDOMAIN, TYPE_A } from '../../src/network/dnswire.js';

/** A query as dig would send it: id, RD set, one question. */
function query(name: string, type = TYPE_A, id = 0xbeef): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const head = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([head, ...labels, Buffer.from([0, type >> 8, type & 0xff, 0, 1])]);
}

test('a query is read: id, name in lower case, type, class', () => {
  const q = parseQuery(query('Web.App', TYPE_A, 7))!;
  assert.equal(q.id, 7);
  assert.equal(q.name, 'web.app');
  assert.equal(q.type, TYPE_A);
  assert.equal(q.class, 1);
  assert.equal(q.rd, true);
});

test('an answer carries the question and one A record per address', () => {
  const q = parseQuery(query('db'))!;
  const a = answer(q, RCODE_NOERROR, ['10.2.0.5', '10.2.0.6']);
  assert.equal(a.readUInt16BE(0), 0xbeef);
  assert.equal(a.readUInt16BE(2) & 0x800f, 0x8000, 'a response, NOERROR');
  assert.equal(a.readUInt16BE(6), 2);
  // header 12 + question (2+1 label bytes + 1 + 4) = 20; then two 16-byte records
  assert.equal(a.length, 12 + 8 + 32);
  assert.deepEqual([...a.subarray(a.length - 4)], [10, 2, 0, 6]);
  const nx = answer(q, RCODE_NXDOMAIN);
  assert.equal(nx.readUInt16BE(2) & 0xf, RCODE_NXDOMAIN);
  assert.equal(nx.readUInt16BE(6), 0);
});

test('hostile or odd messages are refused, never thrown on', () => {
  const good = query('db');
  assert.equal(parseQuery(good.subarray(0, 11)), undefined, 'short header');
  assert.equal(parseQuery(good.subarray(0, good.length - 2)), undefined, 'truncated question');
  const ptr = Buffer.from(good);
  ptr[12] = 0xc0; // a compression pointer in the question
  assert.equal(parseQuery(ptr), undefined);
  const resp = Buffer.from(good);
  resp[2] |= 0x80; // a response, not a query
  assert.equal(parseQuery(resp), undefined);
  assert.equal(parseQuery(query(Array(10).fill('a'.repeat(60)).join('.'))), undefined, 'a name over 255 bytes');
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 5000; i++) {
    const b = Buffer.from(Array.from({ length: rnd() % 80 }, rnd));
    const q = parseQuery(b);
    if (q) assert.ok(answer(q, RCODE_NOERROR, ['1.2.3.4']).length > 12);
  }
});
