// Ids: 64 hex digits, as Docker. Containers get random ones; images are named
// by the sha256 of their config where that is known.
import { createHash, randomBytes } from 'node:crypto';

export function randomId(): string {
  return randomBytes(32).toString('hex');
}

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export const HEX64 = /^[0-9a-f]{64}$/;
