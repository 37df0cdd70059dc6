// Docker's stream formats on a hijacked or streamed connection: stdcopy frames
// ([stream:1][0 0 0][length:4 BE][payload]) without a TTY, raw bytes with one.
import { Writable, type Duplex } from 'node:stream';
import type { AttachStreams } from '../engine/container/attach.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MUX_STREAM = 'application/vnd.docker.multiplexed-stream';

export function stdcopyFrame(stream: 1 | 2, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(payload.length, 4);
  return Buffer.concat([head, payload]);
}

/** A writable that puts what it gets onto out, framed for stream 1 or 2 (or raw); it closes when out does. */
export function framedWriter(
  out: NodeJS.WritableStream & { destroyed?: boolean; once(e: string, f: () => void): unknown },
  stream: 1 | 2,
  tty: boolean,
): Writable {
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (out.destroyed) return cb();
      out.write(tty ? chunk : stdcopyFrame(stream, chunk));
      cb();
    },
  });
  out.once('close', () => w.destroy());
  return w;
}

/** A connection as the engine's AttachStreams: stdin from the client, stdout and stderr framed onto it. */
export function connectionStreams(conn: Duplex, tty: boolean, withStdin: boolean): AttachStreams {
  conn.on('error', () => {});
  return {
    stdin: withStdin ? conn : undefined,
    stdout: framedWriter(conn, 1, tty),
    stderr: framedWriter(conn, 2, tty),
  };
}
