import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTar, writeTar, emptyHeader, type TarHeader } from '../../src/oci/tar.js';
import { InvalidArgument } from '../../src/errors.js';

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

async function entries(buf: Buffer): Promise<Array<{ h: TarHeader; body: Buffer }>> {
  const out = [];
  for await (const e of readTar([buf])) out.push({ h: e.header, body: await collect(e.body) });
  return out;
}

test('round trip keeps names, long names, modes, owners, links, devices and binary xattrs', async () => {
  const cap = Buffer.from([0x01, 0x00, 0x00, 0x02, 0xff, 0xfe, 0x00, 0x80]); // not valid UTF-8
  const long = 'd/' + 'x'.repeat(150) + '/' + 'y'.repeat(120);
  const tar = await collect(
    writeTar([
      { header: emptyHeader('d', 'dir', { mode: 0o750, uid: 1000, gid: 1001, mtime: 1700000000 }) },
      { header: emptyHeader('d/f', 'file', { mode: 0o4755, size: 5, xattrs: new Map([['security.capability', cap]]) }), body: Buffer.from('hello') },
      { header: emptyHeader(long, 'file', { size: 3 }), body: Buffer.from('abc') },
      { header: emptyHeader('d/l', 'symlink', { linkname: '/etc/' + 'z'.repeat(120) }) },
      { header: emptyHeader('d/h', 'link', { linkname: 'd/f' }) },
      { header: emptyHeader('dev/null', 'char', { devmajor: 1, devminor: 3, mode: 0o666 }) },
      { header: emptyHeader('big-uid', 'file', { uid: 3_000_000, gid: 3_000_001 }), body: Buffer.alloc(0) },
    ]),
  );
  assert.equal(tar.length % 512, 0);
  const got = await entries(tar);
  assert.deepEqual(
    got.map((e) => e.h.name),
    ['d/', 'd/f', long, 'd/l', 'd/h', 'dev/null', 'big-uid'],
  );
  assert.equal(got[0].h.type, 'dir');
  assert.equal(got[0].h.mode, 0o750);
  assert.equal(got[0].h.uid, 1000);
  assert.equal(got[0].h.mtime, 1700000000);
  assert.equal(got[1].h.mode, 0o4755);
  assert.equal(got[1].body.toString(), 'hello');
  assert.deepEqual(got[1].h.xattrs.get('security.capability'), cap);
  assert.equal(got[2].body.toString(), 'abc');
  assert.equal(got[3].h.linkname, '/etc/' + 'z'.repeat(120));
  assert.equal(got[4].h.type, 'link');
  assert.equal(got[4].h.linkname, 'd/f');
  assert.equal(got[5].h.devminor, 3);
  assert.equal(got[6].h.uid, 3_000_000);
});

test('unread bodies are skipped', async () => {
  const tar = await collect(
    writeTar([
      { header: emptyHeader('a', 'file', { size: 1000 }), body: Buffer.alloc(1000, 1) },
      { header: emptyHeader('b', 'file', { size: 2 }), body: Buffer.from('ok') },
    ]),
  );
  const names: string[] = [];
  let b = '';
  for await (const e of readTar([tar.subarray(0, 700), tar.subarray(700)])) {
    names.push(e.header.name);
    if (e.header.name === 'b') b = (await collect(e.body)).toString();
  }
  assert.deepEqual(names, ['a', 'b']);
  assert.equal(b, 'ok');
});

test('garbage and truncation are InvalidArgument, not crashes', async () => {
  await assert.rejects(entries(Buffer.from('this is not a tar file at all'.repeat(40))), InvalidArgument);
  const tar = await collect(writeTar([{ header: emptyHeader('a', 'file', { size: 1000 }), body: Buffer.alloc(1000) }]));
  await assert.rejects(entries(tar.subarray(0, 900)), InvalidArgument);
  await assert.rejects(entries(Buffer.alloc(0)), InvalidArgument);
});

test('a body that changes size while being archived is an error', async () => {
  await assert.rejects(collect(writeTar([{ header: emptyHeader('a', 'file', { size: 10 }), body: Buffer.from('short') }])), /changed size/);
});
