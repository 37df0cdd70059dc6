// Questions on the terminal: a line, a secret (not echoed), or y/N.
import { createInterface } from 'node:readline';

export async function readLine(question: string, secret = false): Promise<string> {
  const input = process.stdin;
  const out = process.stderr;
  if (!secret || !input.isTTY) {
    const rl = createInterface({ input, output: out, terminal: !!input.isTTY });
    try {
      return await new Promise<string>((resolve) => {
        rl.question(question, resolve);
        rl.on('close', () => resolve(''));
      });
    } finally {
      rl.close();
    }
  }
  out.write(question);
  input.setRawMode(true);
  input.resume();
  let value = '';
  try {
    return await new Promise<string>((resolve, reject) => {
      const onData = (b: Buffer) => {
        for (const ch of b.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            input.off('data', onData);
            return resolve(value);
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            return reject(Object.assign(new Error('interrupted'), { code: 'EINTR' }));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    out.write('\n');
  }
}

/** Read all of stdin (for --password-stdin), without the final newline. */
export async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of process.stdin) parts.push(c as Buffer);
  return Buffer.concat(parts)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export async function confirm(question: string): Promise<boolean> {
  return /^y(es)?$/i.test((await readLine(`${question} [y/N] `)).trim());
}
