// The CLI's writes to stdout and stderr, without process.stdout/stderr where
// it can. Node makes those streams on first use, and making one loads
// node:stream (about twenty modules; node:net too when the fd is a pipe): a
// few ms that a `ps` or a `create` would spend only to print one line. So
// plain text goes straight to the fd with writeSync, and the streams are made
// only by what needs a stream (container output, a tar on stdout, progress).
// Once a stream exists, all text for its fd goes through it, behind anything
// the stream still holds.
import { writeSync } from 'node:fs';

type Fd = 1 | 2;
const made: Record<Fd, boolean> = { 1: false, 2: false };

/** A reader that went away (`dockerlite logs -f x | head -1`) ends us quietly, as SIGPIPE ends docker: status 141. */
function onEpipe(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
}

// Learn when process.stdout/stderr is made (its getter is configurable), and
// give the new stream the EPIPE handler above.
for (const [name, fd] of [
  ['stdout', 1],
  ['stderr', 2],
] as const) {
  const d = Object.getOwnPropertyDescriptor(process, name);
  if (!d?.get || !d.configurable) {
    made[fd] = true; // not node's lazy getter: use the stream as it is
    continue;
  }
  const get = d.get.bind(process) as () => NodeJS.WriteStream;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const s = get();
      if (!made[fd]) {
        made[fd] = true;
        s.on('error', onEpipe);
      }
      return s;
    },
  });
}

const stream = (fd: Fd) => (fd === 1 ? process.stdout : process.stderr);

/** Write text to fd 1 or 2: directly while no stream owns the fd, else through the stream. */
export function write(fd: Fd, text: string): void {
  if (made[fd]) return void stream(fd).write(text);
  const buf = Buffer.from(text);
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') process.exit(141);
    // A non-blocking fd that is full: the stream waits for it to drain.
    if (code === 'EAGAIN') return void stream(fd).write(buf.subarray(off));
    throw e;
  }
}

/** Exit once what the stdout stream holds has gone out (on a pipe, process.exit would cut it short). */
export function exitAfterOutput(code: number): void {
  if (!made[1]) process.exit(code);
  process.stdout.write('', () => process.exit(code));
}
