import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CoreError, DerTag, derChildren, derOid, derSmallInteger, derTime, encodeDer, parseDer } from '@signet/core';

function rejects(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_DER');
}

describe('DER reader', () => {
  it('reads nested structures', () => {
    const der = encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.INTEGER, Buffer.from([5])), encodeDer(DerTag.OID, Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d])));
    const [i, o] = derChildren(parseDer(der));
    assert.equal(derSmallInteger(i!), 5);
    assert.equal(derOid(o!), '1.2.840.113549');
  });
  it('reads long-form lengths at the 127/128/255/256 boundaries', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65536]) {
      const node = parseDer(encodeDer(DerTag.OCTET_STRING, Buffer.alloc(n)));
      assert.equal(node.end - node.contentStart, n);
    }
  });
  it('rejects truncation, trailing data, indefinite and non-minimal lengths, high tags', () => {
    rejects(() => parseDer(Buffer.from([0x30])));
    rejects(() => parseDer(Buffer.from([0x04, 0x03, 1, 2])));
    rejects(() => parseDer(Buffer.from([0x04, 0x01, 1, 2])));
    rejects(() => parseDer(Buffer.from([0x30, 0x80, 0, 0])));
    rejects(() => parseDer(Buffer.from([0x04, 0x81, 0x05, 1, 2, 3, 4, 5])));
    rejects(() => parseDer(Buffer.from([0x1f, 0x81, 0x01, 0x00])));
    rejects(() => parseDer(Buffer.from([0x04, 0x85, 1, 1, 1, 1, 1])));
  });
  it('decodes UTCTime and GeneralizedTime with fractions, and rejects impossible dates', () => {
    const utc = (s: string) => parseDer(encodeDer(DerTag.UTC_TIME, Buffer.from(s)));
    const gen = (s: string) => parseDer(encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(s)));
    assert.equal(derTime(utc('250612120216Z')).toISOString(), '2025-06-12T12:02:16.000Z');
    assert.equal(derTime(utc('991231235959Z')).toISOString(), '1999-12-31T23:59:59.000Z');
    assert.equal(derTime(gen('20250612120220.123Z')).toISOString(), '2025-06-12T12:02:20.123Z');
    rejects(() => derTime(gen('20250230120000Z')));
    rejects(() => derTime(gen('20250612120220.120Z')));
    rejects(() => derTime(utc('2506121202Z')));
  });
  it('reads times exactly as the grammar YYMMDDHHMMSSZ / YYYYMMDDHHMMSS[.f*[1-9]]Z allows', () => {
    const utc = (s: string) => parseDer(encodeDer(DerTag.UTC_TIME, Buffer.from(s)));
    const gen = (s: string) => parseDer(encodeDer(DerTag.GENERALIZED_TIME, Buffer.from(s)));
    assert.equal(derTime(utc('500101000000Z')).toISOString(), '1950-01-01T00:00:00.000Z');
    assert.equal(derTime(utc('491231235959Z')).toISOString(), '2049-12-31T23:59:59.000Z');
    assert.equal(derTime(gen('20240229235959Z')).toISOString(), '2024-02-29T23:59:59.000Z');
    assert.equal(derTime(gen('20250612120220.5Z')).toISOString(), '2025-06-12T12:02:20.500Z');
    assert.equal(derTime(gen('20250612120220.0001Z')).toISOString(), '2025-06-12T12:02:20.000Z');
    assert.equal(derTime(gen('20250612120220.9999Z')).toISOString(), '2025-06-12T12:02:20.999Z');
    for (const bad of ['2506121202161Z', '250612120216', '250612120216z', '25061212021+Z', '2506121202 6Z', '25061212021aZ', '251312120216Z', '250612240216Z', '250612126016Z', '250612120260Z', '250631120216Z', '250612120216Z0']) {
      rejects(() => derTime(utc(bad)));
    }
    for (const bad of ['20250612120220', '2025061212022Z', '202506121202200Z', '20250612120220.Z', '20250612120220.0Z', '20250612120220,5Z', '20250612120220.5aZ', '20250612120220.-5Z', '2025061212022aZ', '20230229120000Z', '20250612120220+0000', '20250612120220.5']) {
      rejects(() => derTime(gen(bad)));
    }
    rejects(() => derTime(parseDer(encodeDer(DerTag.OCTET_STRING, Buffer.from('250612120216Z')))));
  });
  it('rejects negative and non-minimal integers', () => {
    rejects(() => derSmallInteger(parseDer(Buffer.from([0x02, 0x01, 0x80]))));
    rejects(() => derSmallInteger(parseDer(Buffer.from([0x02, 0x02, 0x00, 0x01]))));
  });
});
