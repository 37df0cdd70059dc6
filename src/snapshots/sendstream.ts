// A reader for the btrfs send stream (protocol v1/v2). dockerlite only needs
// to know which paths a send names, so that `diff` and layer export can look
// at exactly those paths instead of walking whole trees.
//
// Layout: "btrfs-stream\0", u32 version, then commands. A command is
// u32 payload length, u16 command, u32 crc32c, then TLV attributes
// (u16 type, u16 length, value). All integers are little-endian.
import { InvalidArgument } from '../errors.js';

export const Cmd = {
  SUBVOL: 1,
  SNAPSHOT: 2,
  MKFILE: 3,
  MKDIR: 4,
  MKNOD: 5,
  MKFIFO: 6,
  MKSOCK: 7,
  SYMLINK: 8,
  RENAME: 9,
  LINK: 10,
  UNLINK: 11,
  RMDIR: 12,
  SET_XATTR: 13,
  REMOVE_XATTR: 14,
  WRITE: 15,
  CLONE: 16,
  TRUNCATE: 17,
  CHMOD: 18,
  CHOWN: 19,
  UTIMES: 20,
  END: 21,
  UPDATE_EXTENT: 22,
  FALLOCATE: 23,
  FILEATTR: 24,
  ENCODED_WRITE: 25,
  ENABLE_VERITY: 26,
} as const;

const Attr = { PATH: 15, PATH_TO: 16, PATH_LINK: 17, CLONE_PATH: 22 } as const;

export interface SendOp {
  cmd: number;
  path?: string;
  /** RENAME: the new name. */
  to?: string;
  /** LINK: the existing name the new link points at; SYMLINK: the target. */
  link?: string;
}

const MAGIC = Buffer.from('btrfs-stream\0', 'latin1');

/** Parse a whole send stream (as produced with --no-data it is small). */
export async function readSendStream(input: AsyncIterable<Buffer>): Promise<SendOp[]> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(c);
  return parseSendStream(Buffer.concat(chunks));
}

export function parseSendStream(buf: Buffer): SendOp[] {
  if (buf.length < 17 || !buf.subarray(0, 13).equals(MAGIC)) throw new InvalidArgument('not a btrfs send stream');
  const version = buf.readUInt32LE(13);
  if (version < 1 || version > 3) throw new InvalidArgument(`unsupported btrfs send stream version ${version}`);
  const ops: SendOp[] = [];
  let i = 17;
  let ended = false;
  while (i + 10 <= buf.length) {
    const len = buf.readUInt32LE(i);
    const cmd = buf.readUInt16LE(i + 4);
    const end = i + 10 + len;
    if (end > buf.length) throw new InvalidArgument('truncated btrfs send stream');
    const op: SendOp = { cmd };
    let j = i + 10;
    while (j + 4 <= end) {
      const type = buf.readUInt16LE(j);
      // v2 sends the data of ENCODED_WRITE/WRITE as a final attribute without a length.
      const alen = version >= 2 && type === 19 ? end - j - 2 : buf.readUInt16LE(j + 2);
      const vstart = version >= 2 && type === 19 ? j + 2 : j + 4;
      const value = buf.subarray(vstart, vstart + alen);
      if (type === Attr.PATH) op.path = value.toString('utf8');
      else if (type === Attr.PATH_TO) op.to = value.toString('utf8');
      else if (type === Attr.PATH_LINK) op.link = value.toString('utf8');
      j = vstart + alen;
    }
    ops.push(op);
    i = end;
    if (cmd === Cmd.END) {
      ended = true;
      break;
    }
  }
  if (!ended) throw new InvalidArgument('truncated btrfs send stream (no end command)');
  return ops;
}
