// Ids: 64 hex digits, as Docker. Containers get random ones; images are named
// by the sha256 of their config where that is known.
import { lazyBuiltin } from '../util/lazy.js';

// Reading the store needs none of node:crypto.
const nodeCrypto = lazyBuiltin<typeof import('node:crypto')>('node:crypto');

export function randomId(): string {
  return randomHex(32);
}

/** n random bytes as hex: ids, and the unique part of temporary names. */
export function randomHex(n: number): string {
  return nodeCrypto().randomBytes(n).toString('hex');
}

export function sha256(data: string | Buffer): string {
  return nodeCrypto().createHash('sha256').update(data).digest('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export const HEX64 = /^[0-9a-f]{64}$/;
