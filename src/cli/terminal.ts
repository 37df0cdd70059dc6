// The CLI's own terminal as the engine's AttachStreams: stdio, the window
// size and its changes, and the signals the user sends to dockerlite, which
// belong to the container (Docker's --sig-proxy).
import type { AttachStreams } from '../engine/container/attach.js';
import { InvalidArgument } from '../errors.js';

/** -it with a stdin that is no terminal: Docker's words, exit 1. */
export function notATty(): void {
  if (!process.stdin.isTTY) throw Object.assign(new InvalidArgument('the input device is not a TTY'), { exitCode: 1 });
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export function terminalStreams(): AttachStreams {
  return {
    // Getters: node makes each stream at first use (cli/stdio.ts), and a
    // container that prints nothing needs none.
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    size: () => (process.stdout.isTTY ? { rows: process.stdout.rows, cols: process.stdout.columns } : undefined),
    onResize: (fn) => {
      process.on('SIGWINCH', fn);
      return () => void process.off('SIGWINCH', fn);
    },
    onSignal: (fn) => {
      const handlers = FORWARDED.map((sig) => [sig, () => fn(sig)] as const);
      for (const [sig, h] of handlers) process.on(sig, h);
      return () => {
        for (const [sig, h] of handlers) process.off(sig, h);
      };
    },
  };
}
