// Shared output helpers: Docker-like tables and command columns.
import { dockerCommand, ellipsis } from '../util/human.js';
import { tabwrite } from './format/tabwriter.js';
export { ago, humanDuration, humanSize, bytesSize } from '../util/human.js';

/** Columns as the docker CLI's tabwriter prints them: at least 10 wide, 3 spaces of padding. */
export function table(header: string[], rows: string[][]): string {
  return tabwrite([header, ...rows].map((r) => r.join('\t') + '\n').join(''));
}

/** The COMMAND column as docker ps shows it: the daemon's command line, cut to 20 characters, then quoted. */
export function commandColumn(argv: string[], trunc = true): string {
  const s = dockerCommand(argv[0] ?? '', argv.slice(1));
  return JSON.stringify(trunc ? ellipsis(s, 20) : s);
}
