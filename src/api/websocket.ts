// A WebSocket (RFC 6455) server side, just enough for /containers/{id}/attach/ws:
// the handshake, and a duplex whose readable side is the payload of the
// client's text and binary messages and whose writable side sends each chunk
// as one message. Pings are answered, a close is echoed, masks are removed.
import { createHash } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A client message larger than this closes the connection (1009), as a runaway frame length must not buffer forever. */
const MAX_FRAME = 16 << 20;

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** One frame as a server sends it: FIN set, never masked. */
export function wsFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  if (n < 126) head[1] = n;
  else if (n < 65536) {
    head[1] = 126;
    head.writeUInt16BE(n, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  return Buffer.concat([head, payload]);
}

/**
 * Answer the handshake on sock (101 Switching Protocols) and return the
 * message stream. binary: send binary messages (API 1.28 and later, as
 * dockerd), else text.
 */
export function acceptWebSocket(sock: Socket, key: string, binary: boolean, extraHeaders: Record<string, string> = {}): Duplex {
  const head = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`];
  for (const [k, v] of Object.entries(extraHeaders)) head.push(`${k}: ${v}`);
  sock.write(head.join('\r\n') + '\r\n\r\n');
  sock.setNoDelay(true);

  let buf: Buffer = Buffer.alloc(0);
  let closeSent = false;
  let peerClosed = false;
  let onPeerClose: (() => void) | undefined;
  const sendClose = (code: number) => {
    if (closeSent || !sock.writable) return;
    closeSent = true;
    const p = Buffer.alloc(2);
    p.writeUInt16BE(code);
    sock.write(wsFrame(0x8, p));
  };

  const ws = new Duplex({
    read() {
      sock.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (closeSent || !sock.writable) return cb();
      sock.write(wsFrame(binary ? 0x2 : 0x1, chunk), () => cb());
    },
    final(cb) {
      // Our close, then the client's answer before the socket ends: a client
      // that answers a close into a reset connection reports an error.
      sendClose(1000);
      if (peerClosed || sock.destroyed) return cb();
      const t = setTimeout(() => onPeerClose?.(), 2000);
      onPeerClose = () => {
        onPeerClose = undefined;
        clearTimeout(t);
        sock.end();
        cb();
      };
    },
    destroy(err, cb) {
      sock.destroy();
      cb(err);
    },
  });

  const parse = () => {
    for (;;) {
      if (buf.length < 2) return;
      const opcode = buf[0] & 0x0f;
      const masked = (buf[1] & 0x80) !== 0;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) return;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) return;
        const big = buf.readBigUInt64BE(2);
        if (big > BigInt(MAX_FRAME)) {
          sendClose(1009);
          return void sock.end();
        }
        len = Number(big);
        off = 10;
      }
      if (len > MAX_FRAME) {
        sendClose(1009);
        return void sock.end();
      }
      const maskOff = off;
      if (masked) off += 4;
      if (buf.length < off + len) return;
      const payload = Buffer.from(buf.subarray(off, off + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOff + (i & 3)];
      buf = buf.subarray(off + len);
      if (opcode === 0x8) {
        // The client closes, or answers our close: echo it if needed, end its input.
        peerClosed = true;
        sendClose(1000);
        ws.push(null);
        if (onPeerClose) onPeerClose();
        else if (sock.writable) sock.end();
        return;
      }
      if (opcode === 0x9) {
        if (sock.writable && !closeSent) sock.write(wsFrame(0xa, payload));
        continue;
      }
      if (opcode === 0xa) continue;
      // text (1), binary (2) and continuation (0) frames: their bytes are the input
      if (payload.length && !ws.push(payload)) sock.pause();
    }
  };
  sock.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    parse();
  });
  sock.on('end', () => ws.push(null));
  sock.on('close', () => {
    onPeerClose?.();
    ws.destroy();
  });
  sock.on('error', () => {});
  return ws;
}
