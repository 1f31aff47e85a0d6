import { DerTag, encodeDer } from './der.js';

/*
 * DER (X.690 §10, §11) constructors: each function returns one complete TLV, built with
 * `encodeDer` in a single allocation. Together with the reader in der.ts they are all the ASN.1
 * Signet writes by hand (certificates, CMS SignedData, TSTInfo). Writers take `encode*` names so
 * they never clash with the reader's `der*` functions.
 *
 * Bad arguments are caller bugs, so they throw `RangeError`, not a `CoreError`.
 */

/** SEQUENCE of already-encoded elements, in order. */
export function encodeSequence(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SEQUENCE, ...items);
}

/** SET OF, elements in ascending order of their encodings, as DER requires (X.690 §11.6). */
export function encodeSetOf(...items: Uint8Array[]): Buffer {
  return encodeDer(DerTag.SET, ...[...items].sort(Buffer.compare));
}

// Certificates repeat the same few dozen OIDs: the content octets are computed once. Bounded
// like the reader's cache, so that untrusted dotted strings cannot grow it without limit.
const oidContentCache = new Map<string, Buffer>();
const OID_CACHE_MAX = 4096;

function oidContent(dotted: string): Buffer {
  const hit = oidContentCache.get(dotted);
  if (hit) return hit;
  const arcs = dotted.split('.').map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  const [first, second] = arcs;
  // X.690 §8.19.4: the first two arcs share one subidentifier, so arc 1 is 0..2 and, under 0
  // and 1, arc 2 is 0..39.
  if (first === undefined || second === undefined || arcs.some((a) => !Number.isSafeInteger(a)) || first > 2 || (first < 2 && second > 39)) {
    throw new RangeError(`not an OBJECT IDENTIFIER: ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...arcs.slice(2)]) {
    // Base 128, most significant group first, bit 8 set on all but the last (X.690 §8.19.2).
    const start = out.length;
    out.push(arc % 128);
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) out.splice(start, 0, (n % 128) | 0x80);
  }
  const content = Buffer.from(out);
  if (oidContentCache.size < OID_CACHE_MAX) oidContentCache.set(dotted, content);
  return content;
}

/**
 * OBJECT IDENTIFIER from dotted decimal (X.690 §8.19), arcs up to 2^53 − 1.
 * @throws RangeError for anything but a well-formed OID
 */
export function encodeOid(dotted: string): Buffer {
  return encodeDer(DerTag.OID, oidContent(dotted));
}

/** True for a dotted-decimal OID of at most 200 characters that {@link encodeOid} can encode. */
export function isDottedOid(text: string): boolean {
  if (text.length > 200) return false;
  try {
    oidContent(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * INTEGER (X.690 §8.3): minimal two's complement of a bigint or a safe integer, negative values
 * included.
 * @throws RangeError for a number that is not a safe integer
 */
export function encodeInteger(value: bigint | number): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
    // The common case (versions, path lengths): one content octet.
    if (value >= -128 && value <= 127) return encodeDer(DerTag.INTEGER, Buffer.of(value & 0xff));
    value = BigInt(value);
  }
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
    const top = bytes[0] as number;
    // Stop once the remaining bits are all sign bits and the top octet carries the right sign.
    if ((v === 0n && (top & 0x80) === 0) || (v === -1n && (top & 0x80) !== 0)) break;
  }
  return encodeDer(DerTag.INTEGER, Buffer.from(bytes));
}

/**
 * INTEGER from an unsigned big-endian magnitude (serial numbers, nonces): leading zero octets
 * are dropped and one 0x00 is prepended when the top bit is set, so the value stays positive and
 * minimal (X.690 §8.3.2). An empty magnitude is zero.
 */
export function encodeUnsignedInteger(magnitude: Uint8Array): Buffer {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const body = magnitude.subarray(i);
  if (body.length === 0) return encodeDer(DerTag.INTEGER, Buffer.of(0));
  return ((body[0] as number) & 0x80) !== 0 ? encodeDer(DerTag.INTEGER, Buffer.of(0), body) : encodeDer(DerTag.INTEGER, body);
}

/** BOOLEAN: DER writes TRUE as 0xFF (X.690 §11.1). */
export function encodeBoolean(value: boolean): Buffer {
  return encodeDer(DerTag.BOOLEAN, Buffer.of(value ? 0xff : 0x00));
}

/** NULL. */
export function encodeNull(): Buffer {
  return encodeDer(DerTag.NULL);
}

/** OCTET STRING. */
export function encodeOctetString(bytes: Uint8Array): Buffer {
  return encodeDer(DerTag.OCTET_STRING, bytes);
}

/**
 * BIT STRING with `unusedBits` (0..7) padding bits at the end of the last octet (X.690 §8.6).
 * @throws RangeError for a bad `unusedBits`
 */
export function encodeBitString(bytes: Uint8Array, unusedBits = 0): Buffer {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (unusedBits > 0 && bytes.length === 0)) {
    throw new RangeError(`bad BIT STRING padding: ${unusedBits}`);
  }
  return encodeDer(DerTag.BIT_STRING, Buffer.of(unusedBits), bytes);
}

/**
 * A named-bit-list BIT STRING (KeyUsage, PKIFailureInfo) with the given bits set; bit 0 is the
 * most significant bit of the first octet. Trailing zero bits are removed, as DER requires for
 * named bit lists (X.690 §11.2.2).
 */
export function encodeNamedBitString(bits: Iterable<number>): Buffer {
  const set = [...bits];
  if (set.some((b) => !Number.isInteger(b) || b < 0 || b > 0xffff)) throw new RangeError('bad bit number');
  if (set.length === 0) return encodeBitString(Buffer.alloc(0));
  const highest = Math.max(...set);
  const bytes = Buffer.alloc((highest >> 3) + 1);
  for (const b of set) bytes[b >> 3] = (bytes[b >> 3] as number) | (0x80 >> (b & 7));
  return encodeBitString(bytes, 7 - (highest & 7));
}

/** UTF8String. */
export function encodeUtf8String(text: string): Buffer {
  return encodeDer(DerTag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/**
 * PrintableString (X.680 §41.4: letters, digits, space and `'()+,-./:=?`).
 * @throws RangeError for other characters
 */
export function encodePrintableString(text: string): Buffer {
  if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text)) throw new RangeError(`not a PrintableString: ${JSON.stringify(text)}`);
  return encodeDer(DerTag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** IA5String (ASCII). @throws RangeError for non-ASCII text */
export function encodeIA5String(text: string): Buffer {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) throw new RangeError('not an IA5String');
  return encodeDer(DerTag.IA5_STRING, Buffer.from(text, 'latin1'));
}

function contextTag(n: number, constructed: boolean): number {
  // Low-tag-number form only (X.690 §8.1.2.3), like the reader.
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag number out of range: ${n}`);
  return (constructed ? 0xa0 : 0x80) | n;
}

/**
 * Context-specific constructed `[n]` around the given pieces: an EXPLICIT tag, or the IMPLICIT
 * tag of a constructed type written from its content (e.g. otherName `[0]`, RFC 5280 §4.2.1.6).
 */
export function encodeExplicit(n: number, ...content: Uint8Array[]): Buffer {
  return encodeDer(contextTag(n, true), ...content);
}

/** Context-specific primitive `[n] IMPLICIT` with the given content octets (e.g. rfc822Name `[1]`). */
export function encodeImplicit(n: number, content: Uint8Array): Buffer {
  return encodeDer(contextTag(n, false), content);
}

/**
 * An encoded constructed value re-tagged `[n] IMPLICIT` (a copy), e.g. CMS signedAttrs, which are
 * signed as a SET OF but stored as `[0]` (RFC 5652 §5.4).
 */
export function retagImplicit(n: number, encoded: Uint8Array): Buffer {
  if (encoded.length === 0 || ((encoded[0] as number) & 0x20) === 0) throw new RangeError('retagImplicit needs an encoded constructed value');
  const out = Buffer.from(encoded);
  out[0] = contextTag(n, true);
  return out;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function checkedYear(date: Date): number {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date');
  return date.getUTCFullYear();
}

function monthToSecond(date: Date): string {
  return `${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/**
 * UTCTime in whole seconds, Zulu (X.690 §11.8, RFC 5280 §4.1.2.5.1). Two-digit years only cover
 * 1950–2049 (the reader maps 50–99 to 19xx).
 * @throws RangeError for an invalid date or a year outside 1950–2049
 */
export function encodeUtcTime(date: Date): Buffer {
  const year = checkedYear(date);
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime covers 1950–2049, not ${year}`);
  return encodeDer(DerTag.UTC_TIME, Buffer.from(`${pad(year % 100)}${monthToSecond(date)}Z`, 'latin1'));
}

/**
 * GeneralizedTime, Zulu (X.690 §11.7): whole seconds, or with `fraction` the milliseconds as a
 * decimal fraction without trailing zeros (none at all when they are zero), as RFC 3161 §2.4.2
 * genTime allows. RFC 5280 §4.1.2.5.2 certificate times use whole seconds.
 * @throws RangeError for an invalid date or a year outside 0–9999
 */
export function encodeGeneralizedTime(date: Date, options: { fraction?: boolean } = {}): Buffer {
  const year = checkedYear(date);
  if (year < 0 || year > 9999) throw new RangeError(`GeneralizedTime covers years 0–9999, not ${year}`);
  const ms = date.getUTCMilliseconds();
  const fraction = options.fraction && ms !== 0 ? `.${pad(ms, 3).replace(/0+$/, '')}` : '';
  return encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(`${pad(year, 4)}${monthToSecond(date)}${fraction}Z`, 'latin1'));
}

/**
 * Time ::= CHOICE { utcTime, generalTime } in whole seconds: UTCTime for 1950 through 2049,
 * GeneralizedTime otherwise (RFC 5280 §4.1.2.5; the same rule for CMS signing-time, RFC 5652 §11.3).
 */
export function encodeTime(date: Date): Buffer {
  const year = checkedYear(date);
  return year >= 1950 && year < 2050 ? encodeUtcTime(date) : encodeGeneralizedTime(date);
}

/**
 * AlgorithmIdentifier ::= SEQUENCE { algorithm, parameters OPTIONAL } (RFC 5280 §4.1.1.2). Without
 * `parameters` the field is absent (ECDSA, SHA-2, Ed25519: RFC 5758 §3.2, RFC 5754 §2, RFC 8410
 * §3); RSA PKCS#1 v1.5 passes {@link encodeNull} (RFC 4055 §5).
 */
export function encodeAlgorithmIdentifier(dotted: string, parameters?: Uint8Array): Buffer {
  return parameters ? encodeSequence(encodeOid(dotted), parameters) : encodeSequence(encodeOid(dotted));
}
