import { encodeDer, DerTag } from '@signet/core';

/*
 * Small DER (X.690 §10) constructors over core's `encodeDer`: enough to write certificates,
 * CMS SignedData and TSTInfo byte for byte, so that tests control every field.
 */

/** SEQUENCE of already-encoded elements. */
export function sequence(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SEQUENCE, ...items);
}

/** SET OF, with elements sorted by their encodings as DER requires (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  const sorted = items.map((i) => Buffer.from(i)).sort(Buffer.compare);
  return encodeDer(DerTag.SET, ...sorted);
}

/** OBJECT IDENTIFIER from dotted form. */
export function oid(dotted: string): Buffer {
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
  return encodeDer(DerTag.OID, Buffer.from(bytes));
}

/** INTEGER from a non-negative number. */
export function integer(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`bad INTEGER ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Buffer.from(bytes));
}

/** INTEGER from big-endian unsigned magnitude bytes (minimal, with a 0x00 pad when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  let body = Buffer.from(magnitude.subarray(i));
  if (body.length === 0) body = Buffer.of(0);
  if (((body[0] as number) & 0x80) !== 0) body = Buffer.concat([Buffer.of(0), body]);
  return encodeDer(DerTag.INTEGER, body);
}

export function boolean(value: boolean): Buffer {
  return encodeDer(DerTag.BOOLEAN, Buffer.of(value ? 0xff : 0x00));
}

export function nullValue(): Buffer {
  return encodeDer(DerTag.NULL);
}

export function octetString(bytes: Uint8Array): Buffer {
  return encodeDer(DerTag.OCTET_STRING, bytes);
}

/** BIT STRING with `unusedBits` padding bits in the last octet. */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return encodeDer(DerTag.BIT_STRING, Buffer.of(unusedBits), bytes);
}

export function utf8String(text: string): Buffer {
  return encodeDer(DerTag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

export function printableString(text: string): Buffer {
  return encodeDer(DerTag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** Context-specific constructed tag [n] (EXPLICIT, or IMPLICIT for a constructed type). */
export function contextConstructed(n: number, ...content: Uint8Array[]): Buffer {
  return encodeDer(0xa0 | n, ...content);
}

/** Context-specific primitive tag [n] IMPLICIT. */
export function contextPrimitive(n: number, content: Uint8Array): Buffer {
  return encodeDer(0x80 | n, content);
}

function digits(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}Z`;
}

/** GeneralizedTime in whole seconds, Zulu (RFC 5280 §4.1.2.5.2). */
export function generalizedTime(date: Date): Buffer {
  return encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(`${date.getUTCFullYear()}${digits(date)}`, 'latin1'));
}

/** UTCTime in whole seconds (RFC 5280 §4.1.2.5.1). */
export function utcTime(date: Date): Buffer {
  return encodeDer(DerTag.UTC_TIME, Buffer.from(`${String(date.getUTCFullYear() % 100).padStart(2, '0')}${digits(date)}`, 'latin1'));
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
export function x509Time(date: Date): Buffer {
  return date.getUTCFullYear() < 2050 ? utcTime(date) : generalizedTime(date);
}

/** AlgorithmIdentifier without parameters (ECDSA and SHA-2 per RFC 5758 / RFC 5754). */
export function algorithm(dotted: string): Buffer {
  return sequence(oid(dotted));
}
