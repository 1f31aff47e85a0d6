/*
 * The few TLS presentation-language (RFC 5246 §4) encoders RFC 6962 structures need: fixed-width
 * big-endian integers and length-prefixed opaque vectors.
 */

export function uint8(n: number): Buffer {
  return Buffer.of(n);
}

export function uint16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export function uint24(n: number): Buffer {
  const b = Buffer.allocUnsafe(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

export function uint64(n: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(n), 0);
  return b;
}

/** opaque<0..2^16-1> */
export function vector16(data: Uint8Array): Buffer {
  if (data.length > 0xffff) throw new RangeError('vector longer than 2^16-1');
  return Buffer.concat([uint16(data.length), data]);
}

/** opaque<0..2^24-1> */
export function vector24(data: Uint8Array): Buffer {
  if (data.length > 0xffffff) throw new RangeError('vector longer than 2^24-1');
  return Buffer.concat([uint24(data.length), data]);
}

/** A bounds-checked reader (for entries this log wrote itself). */
export class TLSReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos === this.buf.length;
  }
  bytes(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new RangeError('truncated TLS structure');
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
  u64(): number {
    return Number(this.bytes(8).readBigUInt64BE(0));
  }
  vector16(): Buffer {
    return this.bytes(this.u16());
  }
  vector24(): Buffer {
    return this.bytes(this.u24());
  }
}
