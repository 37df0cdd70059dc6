// Ids: 64 hex digits, as Docker. Containers get random ones; images are named
// by the sha256 of their config where that is known.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Hash } from 'node:crypto';
import { lazyBuiltin } from '../util/lazy.js';

// node:crypto takes 5 to 10 ms to load, and most commands need no hash:
// it loads at the first one. Random bytes come from /dev/urandom.
const nodeCrypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

let pool = Buffer.alloc(0);
let used = 0;
function randomBytes(n: number): Buffer {
  if (used + n > pool.length) {
    pool = Buffer.alloc(Math.max(256, n));
    const fd = openSync('/dev/urandom', 'r');
    try {
      for (let got = 0; got < pool.length;) got += readSync(fd, pool, got, pool.length - got, null);
    } finally {
      closeSync(fd);
    }
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

export function randomId(): string {
  return randomHex(32);
}

/** n random bytes as hex: ids and exec ids (temporary names take store/tags.ts's counter). */
export function randomHex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** A uniform random integer in [0, max), max at most 2^32. */
export function randomInt(max: number): number {
  const limit = 2 ** 32 - (2 ** 32 % max); // reject the tail that would favour small values
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v < limit) return v % max;
  }
}

export function sha256(data: string | Buffer): string {
  return sha256Hash().update(data).digest('hex');
}

/** A SHA-256 hash to feed piecewise. */
export function sha256Hash(): Hash {
  return nodeCrypto().createHash('sha256');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export const HEX64 = /^[0-9a-f]{64}$/;
