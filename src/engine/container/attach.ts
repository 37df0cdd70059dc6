// The client end of a container's attach socket: the caller's terminal (or
// pipes) on one side, the monitor on the other. A tty session puts the local
// terminal in raw mode, so Ctrl-C, Ctrl-Z and job control reach the shell in
// the container; the window size follows SIGWINCH; the detach keys (Docker's
// ctrl-p,ctrl-q by default) leave the container running.
import { openSync, closeSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Store } from '../../store/store.js';
import { InvalidArgument, Unavailable } from '../../errors.js';
import { decoder, encode, Frame, shortSocketPath } from '../../runtime/frames.js';
import { readContainer } from '../../store/containers.js';
import { containerEvent } from '../../store/events.js';
import { lazyBuiltin } from '../../util/lazy.js';

// Loaded when a session opens: `start` and `run -d` import this module and need neither.
const net = lazyBuiltin<typeof import('node:net')>('node:net');
const stream = lazyBuiltin<typeof import('node:stream')>('node:stream');

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** "ctrl-p,ctrl-q" -> [0x10, 0x11], as Docker parses --detach-keys. */
export function parseDetachKeys(spec: string): number[] {
  if (spec === '') return [];
  return spec.split(',').map((k) => {
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(k);
    if (m) return m[1].charCodeAt(0) & 0x1f;
    if (k.length === 1) return k.charCodeAt(0);
    throw new InvalidArgument(`invalid detach keys '${spec}': use a comma-separated list of a single character or ctrl-<value> (a-z, @, ^, [, \\, ], _)`);
  });
}

export interface Session {
  socket: Socket;
  /** Resolves with the container's exit status, or 'detached', or undefined if the monitor vanished. */
  done: Promise<number | 'detached' | undefined>;
  go(): void;
  close(): void;
}

export interface AttachOptions {
  stdin: boolean;
  tty: boolean;
  detachKeys?: string;
  /** Do the monitor's exit work here (exitwork.ts), saving it a node start-up: given the words, returns its answer. */
  finish?: (words: string[]) => Promise<string>;
}

/**
 * The caller's end of a session, passed in as podman passes AttachStreams:
 * the CLI gives its terminal (cli/terminal.ts), a server its connection.
 * The engine never reaches for process.stdin or stdout itself.
 */
export interface AttachStreams {
  stdin?: Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown; unref?(): unknown };
  stdout: Writable;
  stderr: Writable;
  /** The terminal's size, when the caller has one. */
  size?(): { rows: number; cols: number } | undefined;
  /** Call fn when the terminal's size changes; returns the undo. */
  onResize?(fn: () => void): () => void;
  /** Call fn with each signal the user sends to the front end (Docker's --sig-proxy); returns the undo. */
  onSignal?(fn: (sig: NodeJS.Signals) => void): () => void;
}

/** Set a running container's terminal size from outside a session: one Resize frame to its monitor (the API's resize endpoint). */
export async function resizeContainer(store: Store, id: string, rows: number, cols: number): Promise<void> {
  const s = await openSession(store, id, { stdin: false, tty: false }, { stdout: new (stream().PassThrough)(), stderr: new (stream().PassThrough)() });
  await new Promise<void>((resolve) => s.socket.end(encode(Frame.Resize, `${rows | 0} ${cols | 0}`), resolve));
  s.close();
}

/** Connect to a container's monitor. */
export async function openSession(store: Store, id: string, o: AttachOptions, io: AttachStreams): Promise<Session> {
  const dirFd = openSync(store.paths.container(id), 'r');
  const socket = net().connect(shortSocketPath(dirFd, 'attach.sock'));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', (e) =>
        reject(new Unavailable(`cannot attach to container ${id.slice(0, 12)}: its monitor is not answering (${(e as NodeJS.ErrnoException).code})`)),
      );
    });
  } finally {
    closeSync(dirFd);
  }
  const rec = await readContainer(store, id).catch(() => undefined);
  if (rec) containerEvent(store.paths.root, 'attach', rec);
  const keys = parseDetachKeys(o.detachKeys ?? DEFAULT_DETACH_KEYS);
  const stdin = io.stdin;
  const raw = o.tty && !!stdin?.isTTY && !!stdin.setRawMode;
  let restore = () => {};
  let finish: (v: number | 'detached' | undefined) => void = () => {};
  const done = new Promise<number | 'detached' | undefined>((r) => (finish = r));
  let result: number | 'detached' | undefined;

  socket.on(
    'data',
    decoder((type, payload) => {
      if (type === Frame.Stdout) io.stdout.write(payload);
      else if (type === Frame.Stderr) io.stderr.write(payload);
      else if (type === Frame.Exit) result = Number(payload.toString());
      else if (type === Frame.Exited && o.finish) {
        void o.finish(payload.toString().split(' ')).then(
          (answer) => socket.write(encode(Frame.Finished, answer)),
          () => socket.destroy(), // the monitor's own hook does it
        );
      }
    }),
  );
  if (o.finish) socket.write(encode(Frame.Finish));
  socket.on('error', () => {});
  // The caller's output closed (an API client went away): the session ends, the container runs on.
  io.stdout.once('close', () => socket.destroy());
  socket.on('close', () => {
    restore();
    finish(result);
  });

  const size = o.tty ? io.size?.() : undefined;
  if (size) {
    const sendSize = () => {
      const now = io.size?.();
      if (now) socket.write(encode(Frame.Resize, `${now.rows} ${now.cols}`));
    };
    sendSize();
    const off = io.onResize?.(sendSize) ?? (() => {});
    const prev = restore;
    restore = () => {
      prev();
      off();
    };
  }

  if (o.stdin && stdin) {
    if (raw) stdin.setRawMode!(true);
    // Detach keys: hold back a matching prefix until it is complete or broken.
    let matched = 0;
    const onData = (b: Buffer) => {
      const out: number[] = [];
      for (const byte of b) {
        if (keys.length && byte === keys[matched]) {
          if (++matched === keys.length) {
            result = 'detached';
            socket.end();
            socket.destroy();
            return;
          }
          continue;
        }
        if (matched) out.push(...keys.slice(0, matched));
        matched = 0;
        out.push(byte);
      }
      if (out.length) socket.write(encode(Frame.Stdin, Buffer.from(out)));
    };
    const onEnd = () => {
      if (!socket.destroyed) socket.write(encode(Frame.StdinEof));
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    const prev = restore;
    restore = () => {
      prev();
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (raw) stdin.setRawMode!(false);
      stdin.pause();
      stdin.unref?.();
    };
  }
  return {
    socket,
    done,
    go: () => socket.write(encode(Frame.Go)),
    close: () => socket.destroy(),
  };
}
