// The little of the DNS wire format (RFC 1035) the embedded resolver needs:
// read the question of a query, and write an answer with A records or an
// empty one with a response code. Everything else is forwarded byte for byte.
import { isIp } from './cidr.js';

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const CLASS_IN = 1;
export const RCODE_NOERROR = 0;
export const RCODE_SERVFAIL = 2;
export const RCODE_NXDOMAIN = 3;
export const RCODE_NOTIMP = 4;

export interface Query {
  id: number;
  /** Recursion desired, echoed in the answer. */
  rd: boolean;
  /** Lower case, without the final dot. */
  name: string;
  type: number;
  class: number;
  /** The question section as received, copied into the answer. */
  question: Buffer;
}

const MAX_NAME = 255;

/** The query's single question, or undefined for anything that is not a plain standard query. */
export function parseQuery(msg: Buffer): Query | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  const qr = flags >> 15;
  const opcode = (flags >> 11) & 0xf;
  if (qr !== 0 || opcode !== 0 || msg.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  let len = 0;
  for (;;) {
    if (at >= msg.length) return undefined;
    const n = msg[at];
    if (n === 0) break;
    if (n > 63) return undefined; // no compression pointers in a question we accept
    if (at + 1 + n > msg.length) return undefined;
    len += n + 1;
    if (len > MAX_NAME) return undefined;
    labels.push(msg.subarray(at + 1, at + 1 + n).toString('latin1'));
    at += 1 + n;
  }
  at += 1;
  if (at + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    rd: (flags & 0x0100) !== 0,
    name: labels.join('.').toLowerCase(),
    type: msg.readUInt16BE(at),
    class: msg.readUInt16BE(at + 2),
    question: msg.subarray(12, at + 4),
  };
}

/** An answer to q: A records for ips (none: just the rcode), authoritative, recursion available. */
export function answer(q: Query, rcode: number, ips: string[] = [], ttl = 600): Buffer {
  const v4 = ips.filter((ip) => isIp(ip));
  const head = Buffer.alloc(12);
  head.writeUInt16BE(q.id, 0);
  head.writeUInt16BE(0x8000 | 0x0400 | (q.rd ? 0x0100 : 0) | 0x0080 | (rcode & 0xf), 2);
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(v4.length, 6);
  const records = v4.map((ip) => {
    const r = Buffer.alloc(16);
    r.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    r.writeUInt16BE(TYPE_A, 2);
    r.writeUInt16BE(CLASS_IN, 4);
    r.writeUInt32BE(ttl, 6);
    r.writeUInt16BE(4, 10);
    ip.split('.').forEach((o, i) => (r[12 + i] = Number(o)));
    return r;
  });
  return Buffer.concat([head, q.question, ...records]);
}
