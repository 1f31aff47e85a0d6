import { DerTag } from '@signet/core';

/*
 * DER (X.690 §10) constructors for the certificates the CA writes. `tlv` is core's `encodeDer`
 * in one allocation (a leaf is ~80 TLVs, written twice per certificate).
 */

/** One TLV: tag, minimal definite length (X.690 §10.1), the content pieces in order. */
export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  let length = 0;
  for (const c of content) length += c.length;
  const lengthBytes = length < 0x80 ? 0 : length < 0x100 ? 1 : length < 0x10000 ? 2 : length < 0x1000000 ? 3 : 4;
  const out = Buffer.allocUnsafe(2 + lengthBytes + length);
  out[0] = tag;
  let at = 1;
  if (lengthBytes === 0) {
    out[at++] = length;
  } else {
    out[at++] = 0x80 | lengthBytes;
    for (let i = lengthBytes - 1; i >= 0; i--) out[at++] = Math.floor(length / 2 ** (8 * i)) & 0xff;
  }
  for (const c of content) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

const encodeDer = tlv;

export function sequence(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SEQUENCE, ...items);
}

/** SET OF with elements sorted by encoding (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SET, ...items.map((i) => Buffer.from(i)).sort(Buffer.compare));
}

const oidCache = new Map<string, Buffer>();

/** OBJECT IDENTIFIER from dotted form (cached: the CA writes the same few dozen OIDs). */
export function oid(dotted: string): Buffer {
  const hit = oidCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new RangeError(`bad OID ${dotted}`);
  const bytes: number[] = [];
  const push = (n: number): void => {
    const chunk: number[] = [n & 0x7f];
    for (n = Math.floor(n / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  };
  push((arcs[0] as number) * 40 + (arcs[1] as number));
  for (const a of arcs.slice(2)) push(a);
  const out = encodeDer(DerTag.OID, Buffer.from(bytes));
  oidCache.set(dotted, out);
  return out;
}

/** INTEGER from unsigned big-endian magnitude: minimal, 0x00-padded when the top bit is set. */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let body = Buffer.from(magnitude.subarray(i));
  if (body.length === 0) body = Buffer.of(0);
  if (((body[0] as number) & 0x80) !== 0) body = Buffer.concat([Buffer.of(0), body]);
  return encodeDer(DerTag.INTEGER, body);
}

export function smallInteger(n: number): Buffer {
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Buffer.from(bytes));
}

export function boolean(value: boolean): Buffer {
  return encodeDer(DerTag.BOOLEAN, Buffer.of(value ? 0xff : 0));
}

export function nullValue(): Buffer {
  return encodeDer(DerTag.NULL);
}

export function octetString(bytes: Uint8Array): Buffer {
  return encodeDer(DerTag.OCTET_STRING, bytes);
}

export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return encodeDer(DerTag.BIT_STRING, Buffer.of(unusedBits), bytes);
}

export function utf8String(text: string): Buffer {
  return encodeDer(DerTag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** [n] IMPLICIT primitive. */
export function contextPrimitive(n: number, content: Uint8Array): Buffer {
  return encodeDer(0x80 | n, content);
}

/** [n] constructed (EXPLICIT, or IMPLICIT of a constructed type). */
export function contextConstructed(n: number, ...content: Uint8Array[]): Buffer {
  return encodeDer(0xa0 | n, ...content);
}

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; whole seconds, Zulu. */
export function x509Time(date: Date): Buffer {
  const y = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return y < 2050
    ? encodeDer(DerTag.UTC_TIME, Buffer.from(`${two(y % 100)}${rest}`, 'latin1'))
    : encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(`${y}${rest}`, 'latin1'));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function extension(dotted: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(dotted), boolean(true), octetString(value)) : sequence(oid(dotted), octetString(value));
}

/** Name with O and CN (UTF8String), RFC 5280 §4.1.2.4. */
export function distinguishedName(organization: string, commonName: string): Buffer {
  const rdn = (type: string, value: string) => setOf(sequence(oid(type), utf8String(value)));
  return sequence(rdn('2.5.4.10', organization), rdn('2.5.4.3', commonName));
}
