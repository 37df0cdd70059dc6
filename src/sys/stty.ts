// stty(1): set a terminal's window size; the kernel then sends SIGWINCH to
// its foreground process group (LXC's terminal proxy, which passes it on).
import { run } from './exec.js';

/** stty -F TTY rows R cols C */
export async function setSize(tty: string, rows: number, cols: number): Promise<void> {
  await run('stty', ['-F', tty, 'rows', String(rows | 0), 'cols', String(cols | 0)], { allowFail: true });
}
