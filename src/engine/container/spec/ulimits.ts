// --ulimit NAME=SOFT[:HARD], with Docker's names and messages; LXC sets them
// on the container's first process (lxc.prlimit.*), and its children inherit them.
import { InvalidArgument } from '../../../errors.js';

export interface Ulimit {
  Name: string;
  Soft: number;
  Hard: number;
}

/** The names Docker (go-units) accepts; each is also an LXC prlimit name. */
export const ULIMIT_NAMES = [
  'core',
  'cpu',
  'data',
  'fsize',
  'locks',
  'memlock',
  'msgqueue',
  'nice',
  'nofile',
  'nproc',
  'rss',
  'rtprio',
  'rttime',
  'sigpending',
  'stack',
];

function int(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgument(`strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`);
  return Number(v);
}

/** Parse one --ulimit value, with Docker's errors. */
export function parseUlimit(s: string): Ulimit {
  const bad = (why: string) => new InvalidArgument(`invalid argument "${s}" for "--ulimit" flag: ${why}`);
  const eq = s.indexOf('=');
  if (eq === -1) throw bad(`invalid ulimit argument: ${s}`);
  const name = s.slice(0, eq);
  if (!ULIMIT_NAMES.includes(name)) throw bad(`invalid ulimit type: ${name}`);
  const parts = s.slice(eq + 1).split(':');
  if (parts.length > 2) throw bad(`too many limit value arguments - ${s.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``);
  let soft: number;
  let hard: number;
  try {
    soft = int(parts[0]);
    hard = parts.length === 2 ? int(parts[1]) : soft;
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (soft !== -1 && hard !== -1 && soft > hard) throw bad(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** LXC's prlimit value: soft:hard, with -1 as unlimited. */
export function prlimitValue(u: Ulimit): string {
  const v = (n: number) => (n < 0 ? 'unlimited' : String(n));
  return `${v(u.Soft)}:${v(u.Hard)}`;
}
