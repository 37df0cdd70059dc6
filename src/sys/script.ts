// script(1) from util-linux, used as a pseudo-terminal adaptor: Node has no
// pty API, and LXC gives a container a real console pty (job control, Ctrl-C,
// window size) only when lxc-execute's stdin is a terminal. script makes that
// terminal and relays it to the pipes the monitor holds.

/** Quote one word for /bin/sh; script(1) only takes a command string. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * script -q -e -f -E never -c 'stty rows R cols C; exec ARGV...' /dev/null
 * The terminal gets its size before the program starts, so LXC copies it
 * into the container's console.
 */
export function inPty(argv: string[], size?: { rows: number; cols: number }): string[] {
  const stty = size && size.rows > 0 && size.cols > 0 ? `stty rows ${size.rows | 0} cols ${size.cols | 0} 2>/dev/null; ` : '';
  return ['script', '-q', '-e', '-f', '-E', 'never', '-c', `${stty}exec ${argv.map(shellQuote).join(' ')}`, '/dev/null'];
}
