import { DerTag, encodeDer } from '@signet/core';

/*
 * DER (X.690 §10) constructors over core's `encodeDer`: what a TSA writes (TSTInfo, CMS
 * SignedData, X.509 certificates). Every function returns one complete TLV.
 */

/** SEQUENCE of encoded elements. */
export function sequence(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SEQUENCE, ...items);
}

/** SET OF, elements in ascending order of their encodings (X.690 §11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SET, ...items.map((i) => Buffer.from(i)).sort(Buffer.compare));
}

/** OBJECT IDENTIFIER from dotted decimal (X.690 §8.19). */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  const [first, second] = arcs;
  if (first === undefined || second === undefined || arcs.some((a) => !Number.isSafeInteger(a)) || first > 2 || (first < 2 && second > 39)) {
    throw new RangeError(`not an OBJECT IDENTIFIER: ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...arcs.slice(2)]) {
    const base128: number[] = [arc % 128];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n % 128) | 0x80);
    out.push(...base128);
  }
  return encodeDer(DerTag.OID, Buffer.from(out));
}

/** True for a dotted-decimal OID that {@link oid} can encode. */
export function isDottedOid(text: string): boolean {
  try {
    oid(text);
    return text.length <= 200;
  } catch {
    return false;
  }
}

/** INTEGER from a non-negative safe integer. */
export function smallInteger(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative integer: ${n}`);
  return integer(BigInt(n));
}

/** INTEGER from a bigint, minimal two's complement (X.690 §8.3). */
export function integer(n: bigint): Buffer {
  const bytes: number[] = [];
  let v = n;
  for (;;) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
    const top = bytes[0] as number;
    if ((v === 0n && (top & 0x80) === 0) || (v === -1n && (top & 0x80) !== 0)) break;
  }
  return encodeDer(DerTag.INTEGER, Buffer.from(bytes));
}

/** INTEGER from an unsigned big-endian magnitude (a 0x00 is prepended when the top bit is set). */
export function unsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const body = Buffer.from(magnitude.subarray(i));
  if (body.length === 0) return encodeDer(DerTag.INTEGER, Buffer.of(0));
  return encodeDer(DerTag.INTEGER, ((body[0] as number) & 0x80) !== 0 ? Buffer.concat([Buffer.of(0), body]) : body);
}

/** INTEGER from content octets that are already a minimal two's complement encoding. */
export function integerFromContent(content: Uint8Array): Buffer {
  return encodeDer(DerTag.INTEGER, content);
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

/** BIT STRING with `unusedBits` padding bits at the end of the last octet (X.690 §8.6). */
export function bitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  return encodeDer(DerTag.BIT_STRING, Buffer.of(unusedBits), bytes);
}

/**
 * A named-bit BIT STRING with the given bits set, trailing zero bits removed as DER requires
 * for named bit lists (X.690 §11.2.2). Bit 0 is the most significant bit of the first octet.
 */
export function namedBits(bits: readonly number[]): Buffer {
  if (bits.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (const b of bits) bytes[b >> 3] = (bytes[b >> 3] as number) | (0x80 >> (b & 7));
  return bitString(bytes, 7 - (highest & 7));
}

export function utf8String(text: string): Buffer {
  return encodeDer(DerTag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** Context-specific constructed [n]: EXPLICIT wrapping, or IMPLICIT for a constructed type. */
export function explicit(n: number, ...content: Uint8Array[]): Buffer {
  return encodeDer(0xa0 | n, ...content);
}

/** Context-specific primitive [n] IMPLICIT. */
export function implicitPrimitive(n: number, content: Uint8Array): Buffer {
  return encodeDer(0x80 | n, content);
}

/** Re-tags an encoded constructed value as [n] IMPLICIT (e.g. a SET OF stored as [0]). */
export function retagImplicit(n: number, encoded: Buffer): Buffer {
  const out = Buffer.from(encoded);
  out[0] = 0xa0 | n;
  return out;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function clock(date: Date): string {
  return `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/**
 * GeneralizedTime, Zulu (X.690 §11.7): whole seconds, or with the milliseconds as a fraction
 * without trailing zeros (and no fraction at all when they are zero).
 */
export function generalizedTime(date: Date, withMillis = false): Buffer {
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() > 9999 || date.getUTCFullYear() < 0) throw new RangeError('date out of GeneralizedTime range');
  const ms = date.getUTCMilliseconds();
  const fraction = withMillis && ms !== 0 ? `.${pad(ms, 3).replace(/0+$/, '')}` : '';
  return encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(`${pad(date.getUTCFullYear(), 4)}${clock(date)}${fraction}Z`, 'latin1'));
}

/** UTCTime, whole seconds (RFC 5280 §4.1.2.5.1). */
export function utcTime(date: Date): Buffer {
  return encodeDer(DerTag.UTC_TIME, Buffer.from(`${pad(date.getUTCFullYear() % 100)}${clock(date)}Z`, 'latin1'));
}

/** RFC 5280 §4.1.2.5 and RFC 5652 §11.3: UTCTime for 1950–2049, GeneralizedTime otherwise. */
export function choiceOfTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? utcTime(date) : generalizedTime(date);
}

/** AlgorithmIdentifier with absent parameters (ECDSA, SHA-2: RFC 5758 §3.2, RFC 5754 §2). */
export function algorithm(dotted: string): Buffer {
  return sequence(oid(dotted));
}

/** AlgorithmIdentifier with NULL parameters (RSA PKCS#1 v1.5: RFC 4055 §5). */
export function algorithmWithNull(dotted: string): Buffer {
  return sequence(oid(dotted), nullValue());
}
