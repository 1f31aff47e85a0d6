import { CoreError } from './errors.js';

/*
 * The TLS presentation language (RFC 5246 §4) as RFC 6962 uses it: fixed-width big-endian
 * integers and length-prefixed opaque vectors, and the SignedCertificateTimestampList (§3.3) that
 * the CA embeds, the CT log serves and the verifier reads.
 */

function fail(message: string): never {
  throw new CoreError('ERR_CORE_TLS', message);
}

/** uint8. */
export function encodeUint8(n: number): Buffer {
  return Buffer.of(n);
}

/** uint16, big-endian. */
export function encodeUint16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

/** uint24, big-endian. */
export function encodeUint24(n: number): Buffer {
  const b = Buffer.allocUnsafe(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

/** uint64, big-endian, from a non-negative safe integer (timestamps in ms, tree sizes). */
export function encodeUint64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
}

/** opaque<0..2^16-1>. @throws RangeError when `data` is longer */
export function encodeVector16(data: Uint8Array): Buffer {
  if (data.length > 0xffff) throw new RangeError('vector longer than 2^16-1');
  const out = Buffer.allocUnsafe(2 + data.length);
  out.writeUInt16BE(data.length, 0);
  out.set(data, 2);
  return out;
}

/** opaque<0..2^24-1>. @throws RangeError when `data` is longer */
export function encodeVector24(data: Uint8Array): Buffer {
  if (data.length > 0xffffff) throw new RangeError('vector longer than 2^24-1');
  const out = Buffer.allocUnsafe(3 + data.length);
  out.writeUIntBE(data.length, 0, 3);
  out.set(data, 3);
  return out;
}

/**
 * A bounds-checked reader over TLS-encoded bytes between `start` and `limit`; it slices, never
 * copies.
 * @throws CoreError `ERR_CORE_TLS` from every read past the limit or below a vector's minimum
 */
export class TLSReader {
  private pos: number;
  constructor(private readonly buf: Buffer, start = 0, private readonly limit = buf.length) {
    if (start < 0 || start > limit || limit > buf.length) throw new RangeError('TLSReader bounds outside the buffer');
    this.pos = start;
  }
  /** Offset of the next unread byte. */
  get offset(): number {
    return this.pos;
  }
  /** True when every byte up to the limit has been read. */
  get done(): boolean {
    return this.pos === this.limit;
  }
  bytes(n: number): Buffer {
    if (this.pos + n > this.limit) fail('truncated TLS structure');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.bytes(1)[0] as number;
  }
  u16(): number {
    return this.bytes(2).readUInt16BE(0);
  }
  u24(): number {
    return this.bytes(3).readUIntBE(0, 3);
  }
  /** uint64 as a number. @throws CoreError `ERR_CORE_TLS` above 2^53 − 1 */
  u64(): number {
    const v = this.bytes(8).readBigUInt64BE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('uint64 out of range');
    return Number(v);
  }
  /** opaque<min..2^16-1> */
  vector16(min = 0): Buffer {
    const n = this.u16();
    if (n < min) fail('TLS vector shorter than allowed');
    return this.bytes(n);
  }
  /** opaque<min..2^24-1> */
  vector24(min = 0): Buffer {
    const n = this.u24();
    if (n < min) fail('TLS vector shorter than allowed');
    return this.bytes(n);
  }
}

/**
 * SignedCertificateTimestampList (RFC 6962 §3.3): `SerializedSCT sct_list<1..2^16-1>` with each
 * `opaque SerializedSCT<1..2^16-1>`. The minimum sizes are not enforced, so that tests can
 * write the invalid lists a reader must refuse.
 * @throws RangeError when the list or an entry is longer than 2^16-1
 */
export function encodeSCTList(scts: readonly Uint8Array[]): Buffer {
  return encodeVector16(Buffer.concat(scts.map((s) => encodeVector16(s))));
}

/**
 * Splits a SignedCertificateTimestampList (RFC 6962 §3.3) into its serialized SCTs (slices of
 * `list`), strictly: exact lengths, a non-empty list of non-empty entries, at most `maxEntries`.
 * The SCTs themselves are not parsed.
 * @throws CoreError `ERR_CORE_TLS`
 */
export function decodeSCTList(list: Uint8Array, maxEntries = 32): Buffer[] {
  const buf = Buffer.isBuffer(list) ? list : Buffer.from(list.buffer, list.byteOffset, list.byteLength);
  const outer = new TLSReader(buf);
  const body = outer.vector16(1);
  if (!outer.done) fail('trailing data after the SCT list');
  const r = new TLSReader(body);
  const out: Buffer[] = [];
  while (!r.done) {
    if (out.length >= maxEntries) fail(`more than ${maxEntries} SCTs`);
    out.push(r.vector16(1));
  }
  return out;
}
