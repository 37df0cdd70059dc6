import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, cpSync, renameSync, chmodSync, unlinkSync, linkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseSendStream, Cmd, type SendOp } from '../../src/snapshots/sendstream.js';
import { changesBetween } from '../../src/snapshots/changes.js';
import { InvalidArgument } from '../../src/errors.js';

/** Encode a v1 send stream the way btrfs does (crc left zero: the reader does not check it). */
function encode(ops: SendOp[]): Buffer {
  const parts = [Buffer.from('btrfs-stream\0', 'latin1'), Buffer.from([1, 0, 0, 0])];
  for (const op of ops) {
    const attrs: Buffer[] = [];
    const add = (type: number, v?: string) => {
      if (v === undefined) return;
      const b = Buffer.from(v);
      const h = Buffer.alloc(4);
      h.writeUInt16LE(type, 0);
      h.writeUInt16LE(b.length, 2);
      attrs.push(h, b);
    };
    add(15, op.path);
    add(16, op.to);
    add(17, op.link);
    const payload = Buffer.concat(attrs);
    const h = Buffer.alloc(10);
    h.writeUInt32LE(payload.length, 0);
    h.writeUInt16LE(op.cmd, 4);
    parts.push(h, payload);
  }
  return Buffer.concat(parts);
}

test('the send stream reader returns commands and paths', () => {
  const ops = [
    { cmd: Cmd.SNAPSHOT, path: 'snap' },
    { cmd: Cmd.MKFILE, path: 'o257-5-0' },
    { cmd: Cmd.RENAME, path: 'o257-5-0', to: 'etc/new' },
    { cmd: Cmd.END },
  ];
  assert.deepEqual(parseSendStream(encode(ops)), ops);
  assert.throws(() => parseSendStream(Buffer.from('nope')), InvalidArgument);
  assert.throws(() => parseSendStream(encode(ops).subarray(0, 40)), InvalidArgument);
});

test('changes come from the named paths, judged by both trees', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const parent = join(dir, 'p');
  const child = join(dir, 'c');
  mkdirSync(join(parent, 'etc'), { recursive: true });
  mkdirSync(join(parent, 'old/deep'), { recursive: true });
  mkdirSync(join(parent, 'moveme'), { recursive: true });
  writeFileSync(join(parent, 'etc/keep'), 'k');
  writeFileSync(join(parent, 'etc/chmod'), 'c');
  writeFileSync(join(parent, 'old/deep/f'), 'f');
  writeFileSync(join(parent, 'moveme/inner'), 'i');
  cpSync(parent, child, { recursive: true, preserveTimestamps: true });
  // The child: a new file, a chmod, a deleted tree, a moved directory.
  writeFileSync(join(child, 'etc/new'), 'n');
  chmodSync(join(child, 'etc/chmod'), 0o600);
  unlinkSync(join(child, 'old/deep/f'));
  rmSync(join(child, 'old'), { recursive: true });
  renameSync(join(child, 'moveme'), join(child, 'moved'));
  const ops: SendOp[] = [
    { cmd: Cmd.SNAPSHOT, path: 'c' },
    { cmd: Cmd.MKFILE, path: 'o300-1-0' },
    { cmd: Cmd.RENAME, path: 'o300-1-0', to: 'etc/new' },
    { cmd: Cmd.CHMOD, path: 'etc/chmod' },
    { cmd: Cmd.UNLINK, path: 'old/deep/f' },
    { cmd: Cmd.RMDIR, path: 'old/deep' },
    { cmd: Cmd.RMDIR, path: 'old' },
    { cmd: Cmd.RENAME, path: 'moveme', to: 'moved' },
    { cmd: Cmd.UTIMES, path: 'moved' },
    { cmd: Cmd.END },
  ];
  const got = (await changesBetween(parent, child, ops)).map((c) => `${c.kind} ${c.path}`);
  assert.deepEqual(got, ['C /etc/chmod', 'A /etc/new', 'A /moved', 'A /moved/inner', 'D /moveme', 'D /old']);
});

test('a new link to a file does not hide an xattr change of that file (the stream says so)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'chg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const parent = join(dir, 'p');
  const child = join(dir, 'c');
  mkdirSync(join(parent, 'etc'), { recursive: true });
  writeFileSync(join(parent, 'etc/f'), 'f');
  writeFileSync(join(parent, 'etc/g'), 'g');
  execFileSync('cp', ['-a', parent, child]); // keeps nanosecond mtimes, so an unchanged file compares equal
  // Both files get a second name (new ctime, new link count); only f also had its xattrs set.
  linkSync(join(child, 'etc/f'), join(child, 'etc/f2'));
  linkSync(join(child, 'etc/g'), join(child, 'etc/g2'));
  const ops: SendOp[] = [
    { cmd: Cmd.SNAPSHOT, path: 'c' },
    { cmd: Cmd.LINK, path: 'etc/f2', link: 'etc/f' },
    { cmd: Cmd.SET_XATTR, path: 'etc/f' },
    { cmd: Cmd.UTIMES, path: 'etc/f' },
    { cmd: Cmd.LINK, path: 'etc/g2', link: 'etc/g' },
    { cmd: Cmd.UTIMES, path: 'etc/g' },
    { cmd: Cmd.END },
  ];
  const got = (await changesBetween(parent, child, ops)).map((c) => `${c.kind} ${c.path}`);
  assert.deepEqual(
    got.filter((g) => g !== 'C /etc'),
    ['C /etc/f', 'A /etc/f2', 'A /etc/g2'],
  );
});
