import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DerTag, derChildren, derOid, derSmallInteger, derTime, derValue, encodeAlgorithmIdentifier, encodeBitString, encodeBoolean, encodeDer,
  encodeExplicit, encodeGeneralizedTime, encodeIA5String, encodeImplicit, encodeInteger, encodeNamedBitString, encodeNull, encodeOctetString,
  encodeOid, encodePrintableString, encodeSequence, encodeSetOf, encodeTime, encodeUnsignedInteger, encodeUtcTime, encodeUtf8String, isDottedOid,
  parseDer, retagImplicit,
} from '@signet/core';

const hex = (b: Buffer) => b.toString('hex');

describe('encodeDer', () => {
  it('writes minimal lengths at the 127/128/255/256/65535/65536 boundaries', () => {
    for (const [n, header] of [[0, '0400'], [127, '047f'], [128, '048180'], [255, '0481ff'], [256, '04820100'], [65535, '0482ffff'], [65536, '0483010000']] as const) {
      const out = encodeDer(DerTag.OCTET_STRING, Buffer.alloc(n));
      assert.equal(hex(out.subarray(0, header.length / 2)), header, `length ${n}`);
      assert.equal(out.length, header.length / 2 + n);
      assert.equal(parseDer(out).end - parseDer(out).contentStart, n);
    }
  });
  it('concatenates content pieces', () => {
    assert.equal(hex(encodeDer(DerTag.SEQUENCE, Buffer.of(1), Buffer.of(2, 3), new Uint8Array())), '3003010203');
  });
});

describe('encodeInteger', () => {
  const rows: readonly [bigint | number, string][] = [
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'],
    [255, '020200ff'],
    [256, '02020100'],
    [65535, '020300ffff'],
    [-1, '0201ff'],
    [-128, '020180'],
    [-129, '0202ff7f'],
    [-256, '0202ff00'],
    [Number.MAX_SAFE_INTEGER, '02071fffffffffffff'],
    [2n ** 64n, '0209010000000000000000'],
    [-(2n ** 63n), '02088000000000000000'],
  ];
  for (const [value, expected] of rows) {
    it(`encodes ${value} as ${expected}`, () => {
      assert.equal(hex(encodeInteger(value)), expected);
      if (typeof value !== 'bigint') assert.equal(hex(encodeInteger(BigInt(value))), expected);
    });
  }
  it('round-trips non-negative values through the reader', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 2 ** 32, Number.MAX_SAFE_INTEGER]) assert.equal(derSmallInteger(parseDer(encodeInteger(n))), n);
  });
  it('refuses numbers that are not safe integers (RangeError)', () => {
    for (const n of [1.5, NaN, Infinity, 2 ** 53]) assert.throws(() => encodeInteger(n), RangeError);
  });
});

describe('encodeUnsignedInteger', () => {
  const rows: readonly [string, string][] = [
    ['', '020100'],
    ['00', '020100'],
    ['0000', '020100'],
    ['7f', '02017f'],
    ['80', '02020080'],
    ['ff', '020200ff'],
    ['0001', '020101'],
    ['000080', '02020080'],
    ['0100', '02020100'],
  ];
  for (const [magnitude, expected] of rows) {
    it(`encodes magnitude "${magnitude}" as ${expected}`, () => assert.equal(hex(encodeUnsignedInteger(Buffer.from(magnitude, 'hex'))), expected));
  }
});

describe('encodeOid', () => {
  const rows: readonly [string, string][] = [
    ['1.2.840.113549', '06062a864886f70d'],
    ['2.5.29.19', '0603551d13'],
    ['0.0', '060100'],
    ['0.39', '060127'],
    ['1.3.6.1.4.1.57264.1.1', '060a2b0601040183bf300101'],
    ['2.999.3', '0603883703'], // first subidentifier 999 + 80 = 1079 spans two octets
    ['1.2.4294967295', '06062a8fffffff7f'],
    [`1.2.${Number.MAX_SAFE_INTEGER}`, '06092a8fffffffffffff7f'],
  ];
  for (const [dotted, expected] of rows) {
    it(`encodes ${dotted}`, () => {
      assert.equal(hex(encodeOid(dotted)), expected);
      assert.equal(derOid(parseDer(encodeOid(dotted))), dotted);
    });
  }
  it('returns a fresh buffer each time (the cache holds content octets only)', () => {
    const a = encodeOid('2.5.29.19');
    a[2] = 0;
    assert.equal(hex(encodeOid('2.5.29.19')), '0603551d13');
  });
  for (const bad of ['', '1', '3.1', '1.40', '0.40', '1..2', '1.2.', 'a.b', '1.2.-3', ' 1.2', `1.2.${2 ** 53}`]) {
    it(`refuses ${JSON.stringify(bad)} (RangeError)`, () => {
      assert.throws(() => encodeOid(bad), RangeError);
      assert.equal(isDottedOid(bad), false);
    });
  }
  it('isDottedOid accepts encodable OIDs up to 200 characters', () => {
    assert.equal(isDottedOid('1.3.6.1.4.1.57264.2'), true);
    assert.equal(isDottedOid(`1.2${'.1'.repeat(99)}`), false);
  });
});

describe('strings, booleans, NULL, BIT STRING', () => {
  it('encodes the simple types', () => {
    assert.equal(hex(encodeBoolean(true)), '0101ff');
    assert.equal(hex(encodeBoolean(false)), '010100');
    assert.equal(hex(encodeNull()), '0500');
    assert.equal(hex(encodeOctetString(Buffer.of(1, 2))), '04020102');
    assert.equal(hex(encodeUtf8String('é')), '0c02c3a9');
    assert.equal(hex(encodePrintableString('Ab 1')), '130441622031');
    assert.equal(hex(encodeIA5String('a@b')), '1603614062');
  });
  it('refuses text outside PrintableString and IA5String (RangeError)', () => {
    assert.throws(() => encodePrintableString('a@b'), RangeError);
    assert.throws(() => encodeIA5String('é'), RangeError);
  });
  it('writes BIT STRING padding and refuses a bad one (RangeError)', () => {
    assert.equal(hex(encodeBitString(Buffer.of(0x80), 7)), '03020780');
    assert.equal(hex(encodeBitString(Buffer.alloc(0))), '030100');
    assert.throws(() => encodeBitString(Buffer.of(0), 8), RangeError);
    assert.throws(() => encodeBitString(Buffer.alloc(0), 1), RangeError);
  });
  const namedBits: readonly [number[], string][] = [
    [[], '030100'],
    [[0], '03020780'], // KeyUsage digitalSignature
    [[5, 6], '03020106'], // keyCertSign, cRLSign
    [[7], '03020001'],
    [[8], '0303070080'], // decipherOnly: second octet
    [[2, 16], '03040720008' + '0'],
  ];
  for (const [bits, expected] of namedBits) {
    it(`encodes named bits [${bits.join(',')}] without trailing zero bits`, () => assert.equal(hex(encodeNamedBitString(bits)), expected));
  }
});

describe('constructed and tagged values', () => {
  it('SEQUENCE keeps order, SET OF sorts by encoding (X.690 §11.6)', () => {
    assert.equal(hex(encodeSequence(encodeInteger(2), encodeInteger(1))), '3006020102020101');
    assert.equal(hex(encodeSetOf(encodeInteger(2), encodeInteger(1), encodeBoolean(true))), '31090101ff020101020102');
  });
  it('writes context-specific tags', () => {
    assert.equal(hex(encodeExplicit(0, encodeInteger(2))), 'a003020102');
    assert.equal(hex(encodeExplicit(3)), 'a300');
    assert.equal(hex(encodeImplicit(6, Buffer.from('a'))), '860161');
    assert.throws(() => encodeExplicit(31), RangeError);
    assert.throws(() => encodeImplicit(-1, Buffer.alloc(0)), RangeError);
  });
  it('re-tags a constructed value as [n] IMPLICIT, leaving the input alone', () => {
    const set = encodeSetOf(encodeInteger(1));
    assert.equal(hex(retagImplicit(0, set)), 'a003020101');
    assert.equal(set[0], DerTag.SET);
    assert.throws(() => retagImplicit(0, encodeInteger(1)), RangeError);
  });
  it('writes AlgorithmIdentifiers with absent or NULL parameters', () => {
    assert.equal(hex(encodeAlgorithmIdentifier('1.2.840.10045.4.3.2')), '300a06082a8648ce3d040302');
    assert.equal(hex(encodeAlgorithmIdentifier('1.2.840.113549.1.1.11', encodeNull())), '300d06092a864886f70d01010b0500');
  });
});

describe('times', () => {
  it('writes UTCTime and GeneralizedTime in whole seconds, Zulu', () => {
    assert.equal(encodeUtcTime(at('2024-03-05T06:07:08.999Z')).toString('latin1', 2), '240305060708Z');
    assert.equal(encodeGeneralizedTime(at('2024-03-05T06:07:08.999Z')).toString('latin1', 2), '20240305060708Z');
    assert.equal(encodeGeneralizedTime(at('0999-01-01T00:00:00Z')).toString('latin1', 2), '09990101000000Z');
  });
  it('writes a GeneralizedTime fraction without trailing zeros, and none for .000', () => {
    for (const [iso, text] of [['2024-01-01T00:00:00.500Z', '20240101000000.5Z'], ['2024-01-01T00:00:00.120Z', '20240101000000.12Z'], ['2024-01-01T00:00:00.001Z', '20240101000000.001Z'], ['2024-01-01T00:00:00.000Z', '20240101000000Z']] as const) {
      const der = encodeGeneralizedTime(at(iso), { fraction: true });
      assert.equal(der.toString('latin1', 2), text);
      assert.equal(derTime(parseDer(der)).toISOString(), iso);
    }
  });
  const choice: readonly [string, number][] = [
    ['1949-12-31T23:59:59Z', DerTag.GENERALIZED_TIME],
    ['1950-01-01T00:00:00Z', DerTag.UTC_TIME],
    ['2049-12-31T23:59:59Z', DerTag.UTC_TIME],
    ['2050-01-01T00:00:00Z', DerTag.GENERALIZED_TIME],
    ['9999-12-31T23:59:59Z', DerTag.GENERALIZED_TIME],
  ];
  for (const [iso, tag] of choice) {
    it(`encodeTime(${iso}) is ${tag === DerTag.UTC_TIME ? 'UTCTime' : 'GeneralizedTime'} and reads back (RFC 5280 §4.1.2.5)`, () => {
      const der = encodeTime(at(iso));
      assert.equal(der[0], tag);
      assert.equal(derTime(parseDer(der)).toISOString(), at(iso).toISOString());
    });
  }
  it('refuses dates a type cannot carry (RangeError)', () => {
    assert.throws(() => encodeUtcTime(at('2050-01-01T00:00:00Z')), RangeError);
    assert.throws(() => encodeUtcTime(at('1949-12-31T23:59:59Z')), RangeError);
    assert.throws(() => encodeGeneralizedTime(new Date(Date.UTC(10000, 0, 1))), RangeError);
    assert.throws(() => encodeTime(new Date(NaN)), RangeError);
  });
});

describe('round trip through the reader', () => {
  it('reads back a nested structure', () => {
    const der = encodeSequence(
      encodeOid('1.3.6.1.4.1.57264.1.8'),
      encodeExplicit(0, encodeSetOf(encodeUtf8String('b'), encodeUtf8String('a'))),
      encodeTime(at('2030-06-01T12:00:00Z')),
      encodeUnsignedInteger(Buffer.alloc(300, 0xff)),
    );
    const [oid, tagged, time, big] = derChildren(parseDer(der));
    assert.equal(derOid(oid!), '1.3.6.1.4.1.57264.1.8');
    const [set] = derChildren(tagged!);
    assert.deepEqual(derChildren(set!).map((n) => derValue(n).toString()), ['a', 'b']);
    assert.equal(derTime(time!).toISOString(), '2030-06-01T12:00:00.000Z');
    assert.equal(derValue(big!).length, 301);
  });
});

function at(iso: string): Date {
  return new Date(iso);
}
