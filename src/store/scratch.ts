// Names for half-made things (layers, containers being created or removed).
// The name carries its creator's pid and start time, so any later process can
// tell a crash leftover (creator gone) from work still in progress.
import { tempTag } from './tags.js';
import { identify, isAlive } from '../sys/proc.js';

export const SCRATCH_PREFIX = '.tmp-';
const me = identify(process.pid);

export function scratchName(): string {
  return `${SCRATCH_PREFIX}${me?.pid}-${me?.start}-${tempTag()}`;
}

/** True for a scratch name whose creating process no longer exists. */
export function isAbandoned(name: string): boolean {
  const m = /^\.tmp-(\d+)-(\d+)-/.exec(name);
  if (!m) return false;
  return !isAlive({ pid: Number(m[1]), start: Number(m[2]) });
}
