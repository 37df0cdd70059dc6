// setpriv(1) from util-linux: here only to tie a child's life to its parent.

/** setpriv --pdeathsig KILL -- ARGV...: the program is killed when the process that started it dies. */
export function withParentDeathSignal(argv: string[]): string[] {
  return ['setpriv', '--pdeathsig', 'KILL', '--', ...argv];
}
