import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE, BUNDLE_LIMITS, bundleVersionOf, parseBundle,
  type BundleErrorCode,
} from '@signet/bundle';
import { assertBundleError, caseJson, del, get, readCase, set, type Json } from './helpers.js';

const V3 = 'happy-path-v0.3'; // messageSignature + certificate, one entry with promise and proof
const V1 = 'happy-path-v0.1'; // messageSignature + x509CertificateChain
const DSSE = 'happy-path-intoto-in-dsse-v3';
const KEY = 'managed-key-happy-path'; // publicKey + RFC 3161 timestamp

const VM = '$.verificationMaterial';
const E0 = `${VM}.tlogEntries[0]`;
const E0_ = 'verificationMaterial.tlogEntries.0';

interface Row {
  name: string;
  input: () => unknown;
  code: BundleErrorCode;
  path: string;
}

function from(dir: string, edit: (j: Json) => unknown): () => unknown {
  return () => {
    const j = caseJson(dir);
    edit(j);
    return j;
  };
}

const manyCopies = (n: number, v: unknown): unknown[] => Array.from({ length: n }, () => structuredClone(v));

const rows: Row[] = [
  // Not JSON at all
  { name: 'invalid JSON', input: () => '{"mediaType": ', code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'truncated document', input: () => readCase(V3).slice(0, 900), code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'truncated bytes', input: () => Buffer.from(readCase(V3)).subarray(0, 500), code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'invalid UTF-8 bytes', input: () => Buffer.from([0x7b, 0xff, 0x7d]), code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'empty string', input: () => '', code: 'ERR_BUNDLE_JSON', path: '$' },
  { name: 'input over the total cap', input: () => ' '.repeat(BUNDLE_LIMITS.maxInputBytes + 1), code: 'ERR_BUNDLE_LIMIT', path: '$' },
  { name: 'input bytes over the total cap', input: () => new Uint8Array(BUNDLE_LIMITS.maxInputBytes + 1), code: 'ERR_BUNDLE_LIMIT', path: '$' },
  // Non-object roots
  { name: 'root is an array (text)', input: () => '[]', code: 'ERR_BUNDLE_TYPE', path: '$' },
  { name: 'root is a string (text)', input: () => '"bundle"', code: 'ERR_BUNDLE_TYPE', path: '$' },
  { name: 'root is null (text)', input: () => 'null', code: 'ERR_BUNDLE_TYPE', path: '$' },
  { name: 'root is a number (value)', input: () => 42, code: 'ERR_BUNDLE_TYPE', path: '$' },
  { name: 'root is undefined', input: () => undefined, code: 'ERR_BUNDLE_TYPE', path: '$' },
  // Media type
  { name: 'unknown media type', input: from(V3, (j) => set(j, 'mediaType', 'application/vnd.dev.sigstore.bundle+json;version=0.4')), code: 'ERR_BUNDLE_VERSION', path: '$.mediaType' },
  { name: 'media type with a suffix', input: from(V3, (j) => set(j, 'mediaType', `${BUNDLE_V03_MEDIA_TYPE};x=1`)), code: 'ERR_BUNDLE_VERSION', path: '$.mediaType' },
  { name: 'missing media type', input: from(V3, (j) => del(j, 'mediaType')), code: 'ERR_BUNDLE_VERSION', path: '$.mediaType' },
  { name: 'empty media type', input: from(V3, (j) => set(j, 'mediaType', '')), code: 'ERR_BUNDLE_VERSION', path: '$.mediaType' },
  { name: 'media type is a number', input: from(V3, (j) => set(j, 'mediaType', 3)), code: 'ERR_BUNDLE_TYPE', path: '$.mediaType' },
  // Required fields
  { name: 'missing verificationMaterial', input: from(V3, (j) => del(j, 'verificationMaterial')), code: 'ERR_BUNDLE_MISSING', path: VM },
  { name: 'null verificationMaterial', input: from(V3, (j) => set(j, 'verificationMaterial', null)), code: 'ERR_BUNDLE_MISSING', path: VM },
  { name: 'missing messageDigest', input: from(V3, (j) => del(j, 'messageSignature.messageDigest')), code: 'ERR_BUNDLE_MISSING', path: '$.messageSignature.messageDigest' },
  { name: 'missing digest algorithm', input: from(V3, (j) => del(j, 'messageSignature.messageDigest.algorithm')), code: 'ERR_BUNDLE_MISSING', path: '$.messageSignature.messageDigest.algorithm' },
  { name: 'missing digest', input: from(V3, (j) => del(j, 'messageSignature.messageDigest.digest')), code: 'ERR_BUNDLE_MISSING', path: '$.messageSignature.messageDigest.digest' },
  { name: 'missing signature', input: from(V3, (j) => del(j, 'messageSignature.signature')), code: 'ERR_BUNDLE_MISSING', path: '$.messageSignature.signature' },
  { name: 'empty signature', input: from(V3, (j) => set(j, 'messageSignature.signature', '')), code: 'ERR_BUNDLE_MISSING', path: '$.messageSignature.signature' },
  { name: 'missing certificate rawBytes', input: from(V3, (j) => del(j, 'verificationMaterial.certificate.rawBytes')), code: 'ERR_BUNDLE_MISSING', path: `${VM}.certificate.rawBytes` },
  { name: 'empty certificate chain', input: from(V1, (j) => set(j, 'verificationMaterial.x509CertificateChain.certificates', [])), code: 'ERR_BUNDLE_MISSING', path: `${VM}.x509CertificateChain.certificates` },
  { name: 'missing logId', input: from(V3, (j) => del(j, `${E0_}.logId`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.logId` },
  { name: 'missing logId.keyId', input: from(V3, (j) => del(j, `${E0_}.logId.keyId`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.logId.keyId` },
  { name: 'missing kindVersion', input: from(V3, (j) => del(j, `${E0_}.kindVersion`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.kindVersion` },
  { name: 'missing kind', input: from(V3, (j) => del(j, `${E0_}.kindVersion.kind`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.kindVersion.kind` },
  { name: 'missing kind version', input: from(V3, (j) => del(j, `${E0_}.kindVersion.version`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.kindVersion.version` },
  { name: 'missing signedEntryTimestamp', input: from(V3, (j) => set(j, `${E0_}.inclusionPromise`, {})), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionPromise.signedEntryTimestamp` },
  { name: 'missing rootHash', input: from(V3, (j) => del(j, `${E0_}.inclusionProof.rootHash`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof.rootHash` },
  { name: 'missing checkpoint envelope', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.checkpoint`, {})), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof.checkpoint.envelope` },
  { name: 'empty proof hash', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.hashes.1`, '')), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof.hashes[1]` },
  { name: 'missing signedTimestamp', input: from(KEY, (j) => set(j, 'verificationMaterial.timestampVerificationData.rfc3161Timestamps.0', {})), code: 'ERR_BUNDLE_MISSING', path: `${VM}.timestampVerificationData.rfc3161Timestamps[0].signedTimestamp` },
  { name: 'missing DSSE payload', input: from(DSSE, (j) => del(j, 'dsseEnvelope.payload')), code: 'ERR_BUNDLE_MISSING', path: '$.dsseEnvelope.payload' },
  { name: 'missing DSSE payloadType', input: from(DSSE, (j) => del(j, 'dsseEnvelope.payloadType')), code: 'ERR_BUNDLE_MISSING', path: '$.dsseEnvelope.payloadType' },
  { name: 'missing DSSE sig', input: from(DSSE, (j) => set(j, 'dsseEnvelope.signatures.0', { keyid: '' })), code: 'ERR_BUNDLE_MISSING', path: '$.dsseEnvelope.signatures[0].sig' },
  // Version rules
  { name: 'v0.1 entry without inclusionPromise', input: from(V1, (j) => del(j, `${E0_}.inclusionPromise`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionPromise` },
  { name: 'v0.2 entry without inclusionProof', input: from(V1, (j) => { set(j, 'mediaType', BUNDLE_V02_MEDIA_TYPE); del(j, `${E0_}.inclusionProof`); }), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof` },
  { name: 'v0.3 entry without inclusionProof', input: from(V3, (j) => del(j, `${E0_}.inclusionProof`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof` },
  { name: 'inclusion proof without checkpoint', input: from(V3, (j) => del(j, `${E0_}.inclusionProof.checkpoint`)), code: 'ERR_BUNDLE_MISSING', path: `${E0}.inclusionProof.checkpoint` },
  { name: 'v0.3 with x509CertificateChain', input: from(V1, (j) => set(j, 'mediaType', BUNDLE_V03_MEDIA_TYPE)), code: 'ERR_BUNDLE_CONSTRAINT', path: `${VM}.x509CertificateChain` },
  { name: 'DSSE with two signatures', input: from(DSSE, (j) => set(j, 'dsseEnvelope.signatures', manyCopies(2, get(j, 'dsseEnvelope.signatures.0')))), code: 'ERR_BUNDLE_CONSTRAINT', path: '$.dsseEnvelope.signatures' },
  { name: 'DSSE with no signature', input: from(DSSE, (j) => set(j, 'dsseEnvelope.signatures', [])), code: 'ERR_BUNDLE_CONSTRAINT', path: '$.dsseEnvelope.signatures' },
  // Wrong JSON types
  { name: 'verificationMaterial is a string', input: from(V3, (j) => set(j, 'verificationMaterial', 'x')), code: 'ERR_BUNDLE_TYPE', path: VM },
  { name: 'verificationMaterial is an array', input: from(V3, (j) => set(j, 'verificationMaterial', [])), code: 'ERR_BUNDLE_TYPE', path: VM },
  { name: 'messageSignature is an array', input: from(V3, (j) => set(j, 'messageSignature', [get(j, 'messageSignature')])), code: 'ERR_BUNDLE_TYPE', path: '$.messageSignature' },
  { name: 'kind is a number', input: from(V3, (j) => set(j, `${E0_}.kindVersion.kind`, 7)), code: 'ERR_BUNDLE_TYPE', path: `${E0}.kindVersion.kind` },
  { name: 'signature is a number', input: from(V3, (j) => set(j, 'messageSignature.signature', 12)), code: 'ERR_BUNDLE_TYPE', path: '$.messageSignature.signature' },
  { name: 'tlogEntries is an object', input: from(V3, (j) => set(j, 'verificationMaterial.tlogEntries', {})), code: 'ERR_BUNDLE_TYPE', path: `${VM}.tlogEntries` },
  { name: 'tlog entry is a string', input: from(V3, (j) => set(j, `${E0_}`, 'entry')), code: 'ERR_BUNDLE_TYPE', path: E0 },
  { name: 'logIndex is an object', input: from(V3, (j) => set(j, `${E0_}.logIndex`, { v: 1 })), code: 'ERR_BUNDLE_TYPE', path: `${E0}.logIndex` },
  { name: 'logIndex is a boolean', input: from(V3, (j) => set(j, `${E0_}.logIndex`, true)), code: 'ERR_BUNDLE_TYPE', path: `${E0}.logIndex` },
  { name: 'proof hash is a number', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.hashes.0`, 5)), code: 'ERR_BUNDLE_TYPE', path: `${E0}.inclusionProof.hashes[0]` },
  { name: 'certificate is a string', input: from(V3, (j) => set(j, 'verificationMaterial.certificate', 'MIIB')), code: 'ERR_BUNDLE_TYPE', path: `${VM}.certificate` },
  { name: 'chain certificate is a string', input: from(V1, (j) => set(j, 'verificationMaterial.x509CertificateChain.certificates.0', 'MIIB')), code: 'ERR_BUNDLE_TYPE', path: `${VM}.x509CertificateChain.certificates[0]` },
  { name: 'digest algorithm as an enum number', input: from(V3, (j) => set(j, 'messageSignature.messageDigest.algorithm', 1)), code: 'ERR_BUNDLE_TYPE', path: '$.messageSignature.messageDigest.algorithm' },
  { name: 'key hint is a number', input: from(KEY, (j) => set(j, 'verificationMaterial.publicKey.hint', 1)), code: 'ERR_BUNDLE_TYPE', path: `${VM}.publicKey.hint` },
  // Enums
  { name: 'unsupported digest algorithm', input: from(V3, (j) => set(j, 'messageSignature.messageDigest.algorithm', 'SHA3_256')), code: 'ERR_BUNDLE_ENUM', path: '$.messageSignature.messageDigest.algorithm' },
  { name: 'unspecified digest algorithm', input: from(V3, (j) => set(j, 'messageSignature.messageDigest.algorithm', 'HASH_ALGORITHM_UNSPECIFIED')), code: 'ERR_BUNDLE_ENUM', path: '$.messageSignature.messageDigest.algorithm' },
  // Base64
  { name: 'base64 with an illegal character', input: from(V3, (j) => set(j, 'messageSignature.signature', 'MEUC*QCY')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 with a short padding', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QQ=')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 with excess padding', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QQ===')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 padding on a full quantum', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QUJD=')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 padding in the middle', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QQ==QQ==')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 of impossible length', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QUJDR')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'non-canonical base64 (trailing bits)', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QR==')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 mixing both alphabets', input: from(V3, (j) => set(j, 'messageSignature.signature', 'ab+_')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'base64 with a line break', input: from(V3, (j) => set(j, 'messageSignature.signature', 'QUJD\nRA==')), code: 'ERR_BUNDLE_BASE64', path: '$.messageSignature.signature' },
  { name: 'bad base64 deep in a proof', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.hashes.3`, '%%%%')), code: 'ERR_BUNDLE_BASE64', path: `${E0}.inclusionProof.hashes[3]` },
  // Integers
  { name: 'negative log index', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '-1')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'negative log index (number)', input: from(V3, (j) => set(j, `${E0_}.logIndex`, -1)), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'fractional log index', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '1.5')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'fractional log index (number)', input: from(V3, (j) => set(j, `${E0_}.logIndex`, 1.5)), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'log index above MAX_SAFE_INTEGER', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '9007199254740992')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'log index above MAX_SAFE_INTEGER (number)', input: from(V3, (j) => set(j, `${E0_}.logIndex`, 2 ** 53)), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'huge log index', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '123456789012345678901234567890')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'hex log index', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '0x10')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'exponent log index', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '1e3')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'log index with a leading zero', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '010')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'log index with a plus sign', input: from(V3, (j) => set(j, `${E0_}.logIndex`, '+10')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.logIndex` },
  { name: 'empty-string tree size', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.treeSize`, '')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.inclusionProof.treeSize` },
  { name: 'negative integrated time', input: from(V3, (j) => set(j, `${E0_}.integratedTime`, '-5')), code: 'ERR_BUNDLE_INTEGER', path: `${E0}.integratedTime` },
  // Caps
  { name: '33 tlog entries', input: from(V3, (j) => set(j, 'verificationMaterial.tlogEntries', manyCopies(33, get(j, E0_)))), code: 'ERR_BUNDLE_LIMIT', path: `${VM}.tlogEntries` },
  { name: '65 proof hashes', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.hashes`, manyCopies(65, get(j, `${E0_}.inclusionProof.hashes.0`)))), code: 'ERR_BUNDLE_LIMIT', path: `${E0}.inclusionProof.hashes` },
  { name: 'proof hash longer than 64 bytes', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.hashes.0`, Buffer.alloc(65, 1).toString('base64'))), code: 'ERR_BUNDLE_LIMIT', path: `${E0}.inclusionProof.hashes[0]` },
  { name: '11 chain certificates', input: from(V1, (j) => set(j, 'verificationMaterial.x509CertificateChain.certificates', manyCopies(11, get(j, 'verificationMaterial.x509CertificateChain.certificates.0')))), code: 'ERR_BUNDLE_LIMIT', path: `${VM}.x509CertificateChain.certificates` },
  { name: '33 RFC 3161 timestamps', input: from(KEY, (j) => set(j, 'verificationMaterial.timestampVerificationData.rfc3161Timestamps', manyCopies(33, get(j, 'verificationMaterial.timestampVerificationData.rfc3161Timestamps.0')))), code: 'ERR_BUNDLE_LIMIT', path: `${VM}.timestampVerificationData.rfc3161Timestamps` },
  { name: '33 DSSE signatures', input: from(DSSE, (j) => set(j, 'dsseEnvelope.signatures', manyCopies(33, get(j, 'dsseEnvelope.signatures.0')))), code: 'ERR_BUNDLE_LIMIT', path: '$.dsseEnvelope.signatures' },
  { name: 'certificate over 64 KiB', input: from(V3, (j) => set(j, 'verificationMaterial.certificate.rawBytes', Buffer.alloc(64 * 1024 + 1).toString('base64'))), code: 'ERR_BUNDLE_LIMIT', path: `${VM}.certificate.rawBytes` },
  { name: 'checkpoint over 64 KiB', input: from(V3, (j) => set(j, `${E0_}.inclusionProof.checkpoint.envelope`, 'x'.repeat(64 * 1024 + 1))), code: 'ERR_BUNDLE_LIMIT', path: `${E0}.inclusionProof.checkpoint.envelope` },
  { name: 'canonicalizedBody over 8 MiB', input: from(V3, (j) => set(j, `${E0_}.canonicalizedBody`, Buffer.alloc(8 * 1024 * 1024 + 3).toString('base64'))), code: 'ERR_BUNDLE_LIMIT', path: `${E0}.canonicalizedBody` },
  { name: 'kind over 4 KiB', input: from(V3, (j) => set(j, `${E0_}.kindVersion.kind`, 'k'.repeat(4097))), code: 'ERR_BUNDLE_LIMIT', path: `${E0}.kindVersion.kind` },
  // Oneofs
  { name: 'content with both members', input: from(V3, (j) => set(j, 'dsseEnvelope', get(caseJson(DSSE), 'dsseEnvelope'))), code: 'ERR_BUNDLE_ONEOF', path: '$' },
  { name: 'content with no member', input: from(V3, (j) => del(j, 'messageSignature')), code: 'ERR_BUNDLE_ONEOF', path: '$' },
  { name: 'content member null', input: from(V3, (j) => set(j, 'messageSignature', null)), code: 'ERR_BUNDLE_ONEOF', path: '$' },
  { name: 'verification material with two members', input: from(V3, (j) => set(j, 'verificationMaterial.publicKey', { hint: 'abc' })), code: 'ERR_BUNDLE_ONEOF', path: VM },
  { name: 'verification material with three members', input: from(V1, (j) => { set(j, 'verificationMaterial.publicKey', {}); set(j, 'verificationMaterial.certificate', { rawBytes: 'AA==' }); }), code: 'ERR_BUNDLE_ONEOF', path: VM },
  { name: 'verification material with no member', input: from(V3, (j) => del(j, 'verificationMaterial.certificate')), code: 'ERR_BUNDLE_ONEOF', path: VM },
];

describe('parseBundle rejects malformed input', () => {
  for (const row of rows) {
    it(`${row.name} → ${row.code} at ${row.path}`, () => {
      const input = row.input();
      assertBundleError(() => parseBundle(input), row.code, row.path);
    });
  }
});

describe('parseBundle accepts what proto3 JSON allows', () => {
  it('reads int64 values given as JSON numbers', () => {
    const j = caseJson(V3);
    set(j, `${E0_}.logIndex`, 79571823);
    set(j, `${E0_}.integratedTime`, 1710869186);
    assert.deepEqual(parseBundle(j), parseBundle(readCase(V3)));
  });

  it('reads MAX_SAFE_INTEGER and absent int64 as 0', () => {
    const j = caseJson(V3);
    set(j, `${E0_}.logIndex`, String(Number.MAX_SAFE_INTEGER));
    del(j, `${E0_}.integratedTime`);
    const e = parseBundle(j).verificationMaterial.tlogEntries[0]!;
    assert.equal(e.logIndex, Number.MAX_SAFE_INTEGER);
    assert.equal(e.integratedTime, 0);
  });

  it('reads URL-safe and unpadded base64 as the same bytes', () => {
    const j = caseJson(V3);
    const sig = Buffer.from(get(j, 'messageSignature.signature') as string, 'base64');
    const expected = parseBundle(readCase(V3));
    for (const spelling of [sig.toString('base64url'), sig.toString('base64').replace(/=+$/, '')]) {
      set(j, 'messageSignature.signature', spelling);
      assert.deepEqual(parseBundle(j), expected, spelling);
    }
  });

  it('treats null as absent and ignores unknown fields', () => {
    const j = caseJson(V3);
    set(j, 'timestampVerificationData', null);
    set(j, 'verificationMaterial.timestampVerificationData', null);
    set(j, 'somethingNew', { a: [1, 2, 3] });
    set(j, `${E0_}.futureField`, 'x');
    assert.deepEqual(parseBundle(j), parseBundle(readCase(V3)));
  });

  it('accepts a bundle with no tlog entries (count is the verifier’s policy)', () => {
    const j = caseJson(KEY);
    del(j, 'verificationMaterial.tlogEntries');
    assert.deepEqual(parseBundle(j).verificationMaterial.tlogEntries, []);
  });

  it('accepts exactly the caps: 32 entries, 64 hashes, 10 certificates', () => {
    const j = caseJson(V3);
    set(j, `${E0_}.inclusionProof.hashes`, manyCopies(64, get(j, `${E0_}.inclusionProof.hashes.0`)));
    set(j, 'verificationMaterial.tlogEntries', manyCopies(32, get(j, E0_)));
    assert.equal(parseBundle(j).verificationMaterial.tlogEntries.length, 32);
    const c = caseJson(V1);
    set(c, 'verificationMaterial.x509CertificateChain.certificates', manyCopies(10, get(c, 'verificationMaterial.x509CertificateChain.certificates.0')));
    assert.equal(parseBundle(c).verificationMaterial.content.$case, 'x509CertificateChain');
  });

  it('maps every media type to its version', () => {
    assert.equal(bundleVersionOf('application/vnd.dev.sigstore.bundle+json;version=0.1'), '0.1');
    assert.equal(bundleVersionOf('application/vnd.dev.sigstore.bundle+json;version=0.2'), '0.2');
    assert.equal(bundleVersionOf('application/vnd.dev.sigstore.bundle+json;version=0.3'), '0.3');
    assert.equal(bundleVersionOf('application/vnd.dev.sigstore.bundle.v0.3+json'), '0.3');
    assert.equal(bundleVersionOf('application/vnd.dev.sigstore.bundle.v0.4+json'), undefined);
  });

  it('v0.2 keeps an x509CertificateChain and v0.2/v0.3 accept entries without a promise', () => {
    const j = caseJson(V1);
    set(j, 'mediaType', BUNDLE_V02_MEDIA_TYPE);
    del(j, `${E0_}.inclusionPromise`);
    const b = parseBundle(j);
    assert.equal(b.version, '0.2');
    assert.equal(b.verificationMaterial.tlogEntries[0]!.inclusionPromise, undefined);
  });
});

describe('parseBundle and prototype pollution', () => {
  it('ignores __proto__ and constructor keys and pollutes nothing', () => {
    const text = readCase(V3)
      .replace(/^\{/, '{"__proto__": {"polluted": "yes", "mediaType": "evil"}, "constructor": {"prototype": {"polluted": "yes"}},')
      .replace('"kindVersion": {', '"kindVersion": {"__proto__": {"polluted": "yes"}, ');
    const b = parseBundle(text);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
    assert.equal((b as unknown as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(b), Object.prototype);
    assert.deepEqual(b, parseBundle(readCase(V3)));
  });

  it('does not read fields inherited through a prototype', () => {
    const j = caseJson(V3);
    const proto = { mediaType: get(j, 'mediaType') };
    del(j, 'mediaType');
    assertBundleError(() => parseBundle(Object.assign(Object.create(proto) as object, j)), 'ERR_BUNDLE_VERSION', '$.mediaType');
  });

  it('returns fresh objects that share nothing with the input', () => {
    const j = caseJson(V3);
    const b = parseBundle(j);
    set(j, `${E0_}.kindVersion.kind`, 'changed');
    assert.equal(b.verificationMaterial.tlogEntries[0]!.kindVersion.kind, 'hashedrekord');
  });
});
