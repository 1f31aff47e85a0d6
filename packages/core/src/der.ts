import { CoreError } from './errors.js';

/**
 * A minimal, strict DER (X.690 §10) reader: one TLV at a time, definite minimal lengths,
 * low tag numbers only. Signet uses it on hot verification paths (SCTs, TSTInfo, CMS) where
 * slicing the original bytes beats decoding into objects and re-encoding.
 */
export interface DerNode {
  /** The identifier octet (class, constructed bit and tag number < 31). */
  readonly tag: number;
  /** The buffer this node was read from. */
  readonly buffer: Buffer;
  /** Offset of the identifier octet. */
  readonly start: number;
  /** Offset of the first content octet. */
  readonly contentStart: number;
  /** Offset just past the last content octet. */
  readonly end: number;
}

/** Common universal tags. */
export const DerTag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

function fail(message: string): never {
  throw new CoreError('ERR_CORE_DER', message);
}

/**
 * Reads the TLV starting at `offset`, which must end at or before `limit`.
 * @throws CoreError `ERR_CORE_DER` on truncation, indefinite or non-minimal lengths, high tags.
 */
export function readDer(buffer: Buffer, offset = 0, limit = buffer.length): DerNode {
  if (offset + 2 > limit) fail('truncated DER header');
  const tag = buffer[offset] as number;
  if ((tag & 0x1f) === 0x1f) fail('high-tag-number form is not supported');
  let pos = offset + 1;
  const first = buffer[pos++] as number;
  let length: number;
  if (first < 0x80) {
    length = first;
  } else {
    const n = first & 0x7f;
    if (n === 0) fail('indefinite length is not DER');
    if (n > 4) fail('DER length too large');
    if (pos + n > limit) fail('truncated DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (buffer[pos++] as number);
    if (buffer[offset + 2] === 0 || length < 0x80) fail('non-minimal DER length');
  }
  const end = pos + length;
  if (end > limit) fail('truncated DER value');
  return { tag, buffer, start: offset, contentStart: pos, end };
}

/** Parses `bytes` as exactly one DER TLV (no trailing data). */
export function parseDer(bytes: Uint8Array): DerNode {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const node = readDer(buffer, 0, buffer.length);
  if (node.end !== buffer.length) fail('trailing data after DER value');
  return node;
}

/** The direct children of a constructed node. */
export function derChildren(node: DerNode, max = 4096): DerNode[] {
  if ((node.tag & 0x20) === 0) fail(`expected a constructed value, got tag 0x${node.tag.toString(16)}`);
  const out: DerNode[] = [];
  let pos = node.contentStart;
  while (pos < node.end) {
    if (out.length >= max) fail(`more than ${max} elements`);
    const child = readDer(node.buffer, pos, node.end);
    out.push(child);
    pos = child.end;
  }
  return out;
}

/** Asserts the node's tag. */
export function expectTag(node: DerNode, tag: number, what: string): DerNode {
  if (node.tag !== tag) fail(`${what}: expected tag 0x${tag.toString(16)}, got 0x${node.tag.toString(16)}`);
  return node;
}

/** Children of a SEQUENCE (or other constructed tag), checked. */
export function derSequence(node: DerNode, what: string, tag: number = DerTag.SEQUENCE): DerNode[] {
  return derChildren(expectTag(node, tag, what));
}

/** Content octets (no copy). */
export function derValue(node: DerNode): Buffer {
  return node.buffer.subarray(node.contentStart, node.end);
}

/** The whole TLV encoding (no copy). */
export function derRaw(node: DerNode): Buffer {
  return node.buffer.subarray(node.start, node.end);
}

// Certificates repeat the same few dozen OIDs; decoding each once keeps parsing allocation-light.
const oidCache = new Map<string, string>();
const OID_CACHE_MAX = 4096;

/** Decodes an OBJECT IDENTIFIER to dotted form. */
export function derOid(node: DerNode): string {
  expectTag(node, DerTag.OID, 'OBJECT IDENTIFIER');
  const length = node.end - node.contentStart;
  if (length === 0 || length > 128) fail('bad OBJECT IDENTIFIER length');
  // The cache key is read straight from the buffer: no view object per OID.
  const key = node.buffer.toString('latin1', node.contentStart, node.end);
  const hit = oidCache.get(key);
  if (hit !== undefined) return hit;
  const dotted = decodeOid(derValue(node));
  if (oidCache.size < OID_CACHE_MAX) oidCache.set(key, dotted);
  return dotted;
}

function decodeOid(v: Buffer): string {
  const parts: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) {
    const b = v[i] as number;
    if (acc === 0 && b === 0x80) fail('non-minimal OBJECT IDENTIFIER arc');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER) fail('OBJECT IDENTIFIER arc too large');
    if ((b & 0x80) === 0) {
      parts.push(acc);
      acc = 0;
    } else if (i === v.length - 1) {
      fail('truncated OBJECT IDENTIFIER');
    }
  }
  const first = parts[0] as number;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...parts.slice(1)].join('.');
}

/** Decodes a non-negative INTEGER up to 2^53 (serials, versions). */
export function derSmallInteger(node: DerNode): number {
  expectTag(node, DerTag.INTEGER, 'INTEGER');
  const v = derValue(node);
  if (v.length === 0) fail('empty INTEGER');
  if (v.length > 1 && v[0] === 0 && ((v[1] as number) & 0x80) === 0) fail('non-minimal INTEGER');
  if (((v[0] as number) & 0x80) !== 0) fail('negative INTEGER');
  if (v.length > 7) fail('INTEGER too large');
  let n = 0;
  for (const b of v) n = n * 256 + b;
  if (n > Number.MAX_SAFE_INTEGER) fail('INTEGER too large');
  return n;
}

/** INTEGER content bytes (two's complement, as encoded). */
export function derIntegerBytes(node: DerNode): Buffer {
  expectTag(node, DerTag.INTEGER, 'INTEGER');
  const v = derValue(node);
  if (v.length === 0) fail('empty INTEGER');
  return v;
}

/** The decimal value of `count` ASCII digits at `at`, or -1 when any of them is not a digit. */
function digits(b: Buffer, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Decodes UTCTime (RFC 5280 §4.1.2.5.1) or GeneralizedTime (with optional fraction), Zulu only.
 * Read digit by digit from the buffer: the same grammar as `YYMMDDHHMMSSZ` and
 * `YYYYMMDDHHMMSS[.f*[1-9]]Z`, without a string, a regexp or a match array per time.
 */
export function derTime(node: DerNode): Date {
  const b = node.buffer;
  const start = node.contentStart;
  const length = node.end - start;
  if (node.tag === DerTag.UTC_TIME) {
    if (length !== 13 || b[start + 12] !== 0x5a /* Z */) fail('bad UTCTime');
    const yy = digits(b, start, 2);
    if (yy < 0) fail('bad UTCTime');
    return checkedDate(yy >= 50 ? 1900 + yy : 2000 + yy, b, start + 2, 0, 'bad UTCTime');
  }
  if (node.tag === DerTag.GENERALIZED_TIME) {
    if (length < 15 || b[node.end - 1] !== 0x5a /* Z */) fail('bad GeneralizedTime');
    const year = digits(b, start, 4);
    if (year < 0) fail('bad GeneralizedTime');
    let ms = 0;
    if (length > 15) {
      // A fraction: '.', at least one digit, no trailing zero (DER, X.690 §11.7.3).
      const dot = start + 14;
      const fracDigits = length - 16;
      if (b[dot] !== 0x2e /* . */ || fracDigits < 1 || b[node.end - 2] === 0x30) fail('bad GeneralizedTime');
      for (let i = dot + 1; i < node.end - 1; i++) {
        const d = (b[i] as number) - 0x30;
        if (d < 0 || d > 9) fail('bad GeneralizedTime');
      }
      ms = Math.floor(Number(`0.${b.toString('latin1', dot + 1, node.end - 1)}`) * 1000);
    }
    return checkedDate(year, b, start + 4, ms, 'bad GeneralizedTime');
  }
  fail(`expected a time, got tag 0x${node.tag.toString(16)}`);
}

/** MMDDHHMMSS at `at` (all digits), checked as a real UTC date and time. */
function checkedDate(year: number, b: Buffer, at: number, ms: number, what: string): Date {
  const mo = digits(b, at, 2);
  const d = digits(b, at + 2, 2);
  const h = digits(b, at + 4, 2);
  const mi = digits(b, at + 6, 2);
  const se = digits(b, at + 8, 2);
  if (mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) fail(what);
  const t = Date.UTC(year, mo - 1, d, h, mi, se, ms);
  const date = new Date(t);
  if (Number.isNaN(t) || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    fail('time value out of range');
  }
  return date;
}

/** Encodes a DER length (X.690 §10.1: definite form, minimal octets). */
export function encodeDerLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/**
 * Encodes one TLV from a tag and content pieces, in one allocation: writers build certificates of
 * ~80 TLVs each, so concatenating header and body separately would double the copying.
 */
export function encodeDer(tag: number, ...content: Uint8Array[]): Buffer {
  let length = 0;
  for (const c of content) length += c.length;
  if (length > 0xffffffff) throw new RangeError('DER value too long');
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
