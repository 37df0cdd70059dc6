// Shared output helpers: Docker-like tables and command columns.
export { ago, humanDuration, humanSize } from '../util/human.js';

/** Left-aligned columns separated by at least three spaces, as docker prints. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/** The COMMAND column as docker ps shows it: argv joined, cut to 20 characters, then quoted. */
export function commandColumn(argv: string[], trunc = true): string {
  const s = argv.join(' ');
  return JSON.stringify(trunc && s.length > 20 ? `${s.slice(0, 19)}…` : s);
}
