// Ids: 64 hex digits, as Docker. Containers get random ones; images are named
// by the sha256 of their config where that is known.
import { createRequire } from 'node:module';

// node:crypto is loaded when first needed: reading the store needs none of it (~7 ms of every command).
const load = createRequire(import.meta.url);
let nodeCrypto: typeof import('node:crypto') | undefined;
const crypto = () => (nodeCrypto ??= load('node:crypto') as typeof import('node:crypto'));

export function randomId(): string {
  return randomHex(32);
}

/** n random bytes as hex: ids, and the unique part of temporary names. */
export function randomHex(n: number): string {
  return crypto().randomBytes(n).toString('hex');
}

export function sha256(data: string | Buffer): string {
  return crypto().createHash('sha256').update(data).digest('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export const HEX64 = /^[0-9a-f]{64}$/;
