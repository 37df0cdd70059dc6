// The unique part of temporary names (a state file's temp copy, a lock's
// private file, a scratch directory). Those names carry their writer's pid and
// start time already, so within one process a counter keeps them apart; the
// random start only matters for two processes with the same pid and start
// time (separate pid namespaces sharing a store). A counter needs no read of
// /dev/urandom (store/ids.ts) for each of a command's many writes.
let next = (Math.random() * 0x100000000) >>> 0;

/** 8 hex digits, different at each call in this process. */
export function tempTag(): string {
  next = (next + 1) >>> 0;
  return next.toString(16).padStart(8, '0');
}
