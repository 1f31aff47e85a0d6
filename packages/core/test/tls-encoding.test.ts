import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoreError, TLSReader, decodeSCTList, encodeSCTList, encodeUint16, encodeUint24, encodeUint64, encodeUint8, encodeVector16, encodeVector24,
} from '@signet/core';

function assertTLSError(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_TLS');
}

describe('TLS encoders (RFC 5246 §4)', () => {
  it('writes big-endian integers', () => {
    assert.equal(encodeUint8(0xfe).toString('hex'), 'fe');
    assert.equal(encodeUint16(0x0102).toString('hex'), '0102');
    assert.equal(encodeUint24(0x010203).toString('hex'), '010203');
    assert.equal(encodeUint64(2 ** 40 + 1).toString('hex'), '0000010000000001');
  });
  it('writes length-prefixed vectors at their limits', () => {
    assert.equal(encodeVector16(Buffer.of(9)).toString('hex'), '000109');
    assert.equal(encodeVector24(Buffer.alloc(0)).toString('hex'), '000000');
    assert.equal(encodeVector16(Buffer.alloc(0xffff)).length, 0x10001);
    assert.throws(() => encodeVector16(Buffer.alloc(0x10000)), RangeError);
    assert.throws(() => encodeVector24(Buffer.alloc(0x1000000)), RangeError);
  });
});

describe('TLSReader', () => {
  it('reads what the encoders wrote', () => {
    const bytes = Buffer.concat([encodeUint8(7), encodeUint16(300), encodeUint24(70000), encodeUint64(1700000000000), encodeVector16(Buffer.from('ab')), encodeVector24(Buffer.from('c'))]);
    const r = new TLSReader(bytes);
    assert.deepEqual([r.u8(), r.u16(), r.u24(), r.u64()], [7, 300, 70000, 1700000000000]);
    assert.equal(r.vector16(1).toString(), 'ab');
    assert.equal(r.offset, bytes.length - 4);
    assert.equal(r.vector24().toString(), 'c');
    assert.equal(r.done, true);
  });
  it('stays within its limit', () => {
    const r = new TLSReader(Buffer.of(1, 2, 3, 4), 1, 3);
    assert.equal(r.u16(), 0x0203);
    assert.equal(r.done, true);
    assertTLSError(() => r.u8());
  });
  it('throws ERR_CORE_TLS on truncation, short vectors and uint64 beyond 2^53', () => {
    assertTLSError(() => new TLSReader(Buffer.of(0)).u16());
    assertTLSError(() => new TLSReader(Buffer.of(0, 5, 1)).vector16());
    assertTLSError(() => new TLSReader(Buffer.of(0, 0)).vector16(1));
    assertTLSError(() => new TLSReader(Buffer.alloc(8, 0xff)).u64());
  });
});

describe('SignedCertificateTimestampList (RFC 6962 §3.3)', () => {
  const a = Buffer.from('first');
  const b = Buffer.from('second sct');
  it('round-trips', () => {
    const list = encodeSCTList([a, b]);
    assert.equal(list.toString('hex'), '0013' + '0005' + a.toString('hex') + '000a' + b.toString('hex'));
    assert.deepEqual(decodeSCTList(list), [a, b]);
  });
  const bad: readonly [string, Buffer][] = [
    ['an empty list', Buffer.of(0, 0)],
    ['an empty entry', Buffer.of(0, 2, 0, 0)],
    ['a truncated entry', Buffer.of(0, 3, 0, 5, 1)],
    ['trailing data', Buffer.concat([encodeSCTList([a]), Buffer.of(0)])],
    ['a truncated list', encodeSCTList([a]).subarray(0, 4)],
  ];
  for (const [name, list] of bad) {
    it(`refuses ${name} (ERR_CORE_TLS)`, () => assertTLSError(() => decodeSCTList(list)));
  }
  it('refuses more than maxEntries SCTs (ERR_CORE_TLS)', () => {
    const list = encodeSCTList([a, a, a]);
    assert.equal(decodeSCTList(list, 3).length, 3);
    assertTLSError(() => decodeSCTList(list, 2));
  });
});
