// The attach protocol between a container's monitor and its clients, over a
// unix socket: frames of [type:1][length:4, big-endian][payload]. Like
// Docker's stdcopy, it keeps stdout and stderr apart on one connection.
export const enum Frame {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  /** The client's stdin ended. */
  StdinEof = 3,
  /** "ROWS COLS": the client's terminal size. */
  Resize = 4,
  /** The container's exit status, as decimal text; the monitor closes after it. */
  Exit = 5,
  /** The client is ready: an attached run starts the container now. */
  Go = 6,
  /** Client: I will do the exit work (the attached client of `run`); the monitor then sends me Exited instead of running its hook. */
  Finish = 7,
  /** Monitor to its finisher: "STATUS OOMKILLS DROPPED STARTED LASTWAIT", the words its exit hook would get. */
  Exited = 8,
  /** Finisher to the monitor: the exit hook's answer ("done [ERROR]" or "restart MS"). */
  Finished = 9,
}

export function encode(type: Frame, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Feed it chunks; it calls onFrame for each whole frame. */
export function decoder(onFrame: (type: Frame, payload: Buffer) => void): (chunk: Buffer) => void {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      const type = buf[0] as Frame;
      const payload = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      onFrame(type, payload);
    }
  };
}

/**
 * A unix socket path short enough for sun_path (108 bytes) however deep the
 * store is: the directory is opened and named through /proc/self/fd.
 */
export function shortSocketPath(dirFd: number, name: string): string {
  return `/proc/self/fd/${dirFd}/${name}`;
}
