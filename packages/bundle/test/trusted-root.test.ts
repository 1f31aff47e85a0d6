import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  BUNDLE_LIMITS, TRUSTED_ROOT_MEDIA_TYPES, parseTrustedRoot, serializeTrustedRoot, type BundleErrorCode,
} from '@signet/bundle';
import { PUBLIC_GOOD_ROOT, assertBundleError, del, get, set, type Json } from './helpers.js';

const rootJson = (): Json => JSON.parse(readFileSync(PUBLIC_GOOD_ROOT, 'utf8')) as Json;
function edited(edit: (j: Json) => unknown): () => unknown {
  return () => {
    const j = rootJson();
    edit(j);
    return j;
  };
}

interface Row { name: string; input: () => unknown; code: BundleErrorCode; path: string }

const rows: Row[] = [
  { name: 'invalid JSON', input: () => '{"tlogs": [', code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'non-object root', input: () => '[]', code: 'ERR_BUNDLE_TYPE', path: '$' },
  { name: 'unknown media type', input: edited((j) => set(j, 'mediaType', 'application/vnd.dev.sigstore.trustedroot.v0.9+json')), code: 'ERR_TRUSTROOT_VERSION', path: '$.mediaType' },
  { name: 'missing media type', input: edited((j) => del(j, 'mediaType')), code: 'ERR_TRUSTROOT_VERSION', path: '$.mediaType' },
  { name: 'a bundle media type', input: edited((j) => set(j, 'mediaType', 'application/vnd.dev.sigstore.bundle.v0.3+json')), code: 'ERR_TRUSTROOT_VERSION', path: '$.mediaType' },
  { name: 'tlog key validFor without start', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor', { end: '2030-01-01T00:00:00Z' })), code: 'ERR_TRUSTROOT_VALIDITY', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'empty validFor', input: edited((j) => set(j, 'ctlogs.1.publicKey.validFor', {})), code: 'ERR_TRUSTROOT_VALIDITY', path: '$.ctlogs[1].publicKey.validFor.start' },
  { name: 'CA without validFor', input: edited((j) => del(j, 'certificateAuthorities.0.validFor')), code: 'ERR_TRUSTROOT_VALIDITY', path: '$.certificateAuthorities[0].validFor' },
  { name: 'TSA validFor without start', input: edited((j) => set(j, 'timestampAuthorities.0.validFor', { start: null })), code: 'ERR_TRUSTROOT_VALIDITY', path: '$.timestampAuthorities[0].validFor.start' },
  { name: 'validFor ending before it starts', input: edited((j) => set(j, 'certificateAuthorities.0.validFor.end', '2020-01-01T00:00:00Z')), code: 'ERR_TRUSTROOT_VALIDITY', path: '$.certificateAuthorities[0].validFor.end' },
  { name: 'impossible date', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-02-29T00:00:00Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'date without time', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-02-01')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'date-time without offset', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-02-01T00:00:00')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'space instead of T', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-02-01 00:00:00Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'leap second', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2016-12-31T23:59:60Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'hour 24', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-01-01T24:00:00Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'year 0000', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '0000-01-01T00:00:00Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'ten fractional digits', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', '2021-01-01T00:00:00.1234567890Z')), code: 'ERR_BUNDLE_TIMESTAMP', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'timestamp as epoch number', input: edited((j) => set(j, 'tlogs.0.publicKey.validFor.start', 1610452407)), code: 'ERR_BUNDLE_TYPE', path: '$.tlogs[0].publicKey.validFor.start' },
  { name: 'tlogs is an object', input: edited((j) => set(j, 'tlogs', {})), code: 'ERR_BUNDLE_TYPE', path: '$.tlogs' },
  { name: 'missing baseUrl', input: edited((j) => del(j, 'tlogs.1.baseUrl')), code: 'ERR_BUNDLE_MISSING', path: '$.tlogs[1].baseUrl' },
  { name: 'missing publicKey', input: edited((j) => del(j, 'ctlogs.0.publicKey')), code: 'ERR_BUNDLE_MISSING', path: '$.ctlogs[0].publicKey' },
  { name: 'missing rawBytes', input: edited((j) => del(j, 'tlogs.0.publicKey.rawBytes')), code: 'ERR_BUNDLE_MISSING', path: '$.tlogs[0].publicKey.rawBytes' },
  { name: 'missing keyDetails', input: edited((j) => del(j, 'tlogs.0.publicKey.keyDetails')), code: 'ERR_BUNDLE_MISSING', path: '$.tlogs[0].publicKey.keyDetails' },
  { name: 'missing logId', input: edited((j) => del(j, 'tlogs.0.logId')), code: 'ERR_BUNDLE_MISSING', path: '$.tlogs[0].logId' },
  { name: 'missing hashAlgorithm', input: edited((j) => del(j, 'tlogs.0.hashAlgorithm')), code: 'ERR_BUNDLE_MISSING', path: '$.tlogs[0].hashAlgorithm' },
  { name: 'unknown hashAlgorithm', input: edited((j) => set(j, 'tlogs.0.hashAlgorithm', 'MD5')), code: 'ERR_BUNDLE_ENUM', path: '$.tlogs[0].hashAlgorithm' },
  { name: 'certChain of the wrong type', input: edited((j) => set(j, 'certificateAuthorities.1.certChain', 'x')), code: 'ERR_BUNDLE_TYPE', path: '$.certificateAuthorities[1].certChain' },
  { name: 'bad base64 certificate', input: edited((j) => set(j, 'certificateAuthorities.1.certChain.certificates.1.rawBytes', 'MII$')), code: 'ERR_BUNDLE_BASE64', path: '$.certificateAuthorities[1].certChain.certificates[1].rawBytes' },
  { name: '101 tlogs', input: edited((j) => set(j, 'tlogs', Array.from({ length: BUNDLE_LIMITS.maxTrustEntries + 1 }, () => get(j, 'tlogs.0')))), code: 'ERR_BUNDLE_LIMIT', path: '$.tlogs' },
  { name: '101 TSAs', input: edited((j) => set(j, 'timestampAuthorities', Array.from({ length: 101 }, () => get(j, 'timestampAuthorities.0')))), code: 'ERR_BUNDLE_LIMIT', path: '$.timestampAuthorities' },
];

describe('parseTrustedRoot rejects malformed trust material', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.code} at ${row.path}`, () => {
      const input = row.input();
      assertBundleError(() => parseTrustedRoot(input), row.code, row.path);
    });
  }
});

describe('parseTrustedRoot', () => {
  it('accepts every media type spelling in use', () => {
    assert.deepEqual([...TRUSTED_ROOT_MEDIA_TYPES].sort(), [
      'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      'application/vnd.dev.sigstore.trustedroot.v0.1+json',
      'application/vnd.dev.sigstore.trustedroot.v0.2+json',
    ]);
    for (const mt of TRUSTED_ROOT_MEDIA_TYPES) {
      assert.equal(parseTrustedRoot(set(rootJson(), 'mediaType', mt)).mediaType, mt);
    }
  });

  it('keeps unknown keyDetails names for the verifier to judge', () => {
    const root = parseTrustedRoot(set(rootJson(), 'tlogs.0.publicKey.keyDetails', 'PKIX_ML_DSA_65'));
    assert.equal(root.tlogs[0]!.publicKey.keyDetails, 'PKIX_ML_DSA_65');
  });

  it('reads checkpointKeyId and operator when present, and omits them when not', () => {
    const j = rootJson();
    set(j, 'tlogs.1.checkpointKeyId', { keyId: 'zxGZFQ==' });
    set(j, 'tlogs.1.operator', 'sigstore.dev');
    set(j, 'certificateAuthorities.0.operator', 'sigstore.dev');
    const root = parseTrustedRoot(j);
    assert.deepEqual(root.tlogs[1]!.checkpointKeyId, { keyId: Buffer.from('zxGZFQ==', 'base64') });
    assert.equal(root.tlogs[1]!.operator, 'sigstore.dev');
    assert.equal(root.certificateAuthorities[0]!.operator, 'sigstore.dev');
    assert.equal('checkpointKeyId' in root.tlogs[0]!, false);
    assert.equal('operator' in root.tlogs[0]!, false);
    assert.deepEqual(parseTrustedRoot(serializeTrustedRoot(root)), root);
  });

  it('reads RFC 3339 offsets, fractions and lowercase separators', () => {
    const at = (s: string): Date => parseTrustedRoot(set(rootJson(), 'tlogs.0.publicKey.validFor.start', s)).tlogs[0]!.publicKey.validFor.start;
    assert.equal(at('2021-01-01T01:30:00+01:30').toISOString(), '2021-01-01T00:00:00.000Z');
    assert.equal(at('2020-12-31T23:00:00-01:00').toISOString(), '2021-01-01T00:00:00.000Z');
    assert.equal(at('2021-01-01t00:00:00.123456789z').toISOString(), '2021-01-01T00:00:00.123Z');
    assert.equal(at('2024-02-29T00:00:00Z').toISOString(), '2024-02-29T00:00:00.000Z');
    assert.equal(at('0001-01-01T00:00:00Z').toISOString(), '0001-01-01T00:00:00.000Z');
  });

  it('serializes timestamps without a zero fraction, and with milliseconds otherwise', () => {
    const json = serializeTrustedRoot(parseTrustedRoot(rootJson()));
    assert.equal(json.certificateAuthorities[0]!.validFor.start, '2021-03-07T03:20:29Z');
    assert.equal(json.certificateAuthorities[0]!.validFor.end, '2022-12-31T23:59:59.999Z');
  });

  it('writes all four lists even when empty', () => {
    const empty = parseTrustedRoot({ mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.2+json' });
    assert.deepEqual(serializeTrustedRoot(empty), {
      mediaType: 'application/vnd.dev.sigstore.trustedroot.v0.2+json',
      tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
    });
  });

  it('ignores __proto__ keys without pollution', () => {
    const text = readFileSync(PUBLIC_GOOD_ROOT, 'utf8').replace('"tlogs": [', '"__proto__": {"polluted": 1}, "tlogs": [');
    assert.notEqual(text, readFileSync(PUBLIC_GOOD_ROOT, 'utf8'));
    parseTrustedRoot(text);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('authorities without certificates', () => {
  it('parse (legal protobuf, found in real roots); the verifier skips them', () => {
    for (const edit of [(j: Json) => del(j, 'certificateAuthorities.1.certChain'), (j: Json) => set(j, 'certificateAuthorities.1.certChain.certificates', [])]) {
      const root = parseTrustedRoot(edited(edit)());
      assert.equal(root.certificateAuthorities[1]?.certChain.certificates.length, 0);
    }
  });
});
