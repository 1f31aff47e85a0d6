import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseCertificate, derRaw, derSequence, parseDer, derValue } from '@signet/core';
import { buildTrustMaterial, parseRFC3161Timestamp, verifyRFC3161Timestamp } from '@signet/verify';
import {
  TimestampAuthority, TimestampError, createKeyTimestampSigner, timestampAuthorityTrustedRoot, type TimestampResponse,
  type TimestampSigner,
} from '@signet/server-tsa';
import {
  SHA1_OID, SHA256_OID, SHA384_OID, SHA512_OID, SIGSTORE_POLICY, bool, embeddedCertificates, int, makeAuthority, octets, oid,
  readResponse, seq, sha256, timeStampReq, tsaChain,
} from './tsa-helpers.js';

const signed = Buffer.from('the signature bytes of some bundle');

function granted(r: TimestampResponse): Extract<TimestampResponse, { status: 'granted' }> {
  assert.equal(r.status, 'granted', r.status === 'rejection' ? `${r.error.code}: ${r.error.message}` : '');
  return r as Extract<TimestampResponse, { status: 'granted' }>;
}

/** Verifies a response with Signet's own RFC 3161 verifier against a trusted root listing the authority. */
function verifyWithSignet(authority: TimestampAuthority, der: Buffer, data: Buffer = signed) {
  const root = timestampAuthorityTrustedRoot(authority.certificateChain as Buffer[], { uri: 'http://tsa.test/api/v1/timestamp' });
  return verifyRFC3161Timestamp(der, data, buildTrustMaterial(root).timestampAuthorities);
}

describe('TimestampAuthority', () => {
  it('grants a token that Signet\'s verifier accepts, with the requested imprint, default policy and accuracy', async () => {
    const now = new Date('2031-05-06T07:08:09.765Z');
    const authority = makeAuthority({ now: () => now });
    const r = granted(await authority.respond(timeStampReq({ hashed: sha256(signed), nullParams: true })));
    const v = verifyWithSignet(authority, r.der);
    assert.equal(v.time.toISOString(), '2031-05-06T07:08:09.000Z'); // whole seconds by default
    assert.equal(v.timestamp.policy, SIGSTORE_POLICY);
    assert.deepEqual(v.timestamp.accuracy, { seconds: 1, millis: 0, micros: 0 });
    assert.equal(v.timestamp.nonce, undefined);
    assert.equal(v.timestamp.ordering, false);
    assert.equal(v.timestamp.tsaName, undefined);
    assert.deepEqual(r.genTime, v.time);
    // messageImprint copied as requested, NULL parameters included (RFC 3161 §2.4.2).
    const tst = derSequence(parseDer(parseRFC3161Timestamp(r.der).tstInfo), 'TSTInfo');
    assert.deepEqual(derRaw(tst[2]!), seq(seq(oid(SHA256_OID), Buffer.of(5, 0)), octets(sha256(signed))));
  });

  it('writes the SignedData v3 / SignerInfo profile: signed attributes, ESSCertIDv2, issuerAndSerialNumber', async () => {
    const authority = makeAuthority();
    const r = granted(await authority.respond(timeStampReq({ hashed: sha256(signed) })));
    const parsed = parseRFC3161Timestamp(r.der);
    assert.equal(parsed.status, 0);
    const leaf = parseCertificate(authority.certificateChain[0]!);
    assert.equal(parsed.signer.sid.kind, 'issuerAndSerialNumber');
    assert.equal(parsed.signer.signatureScheme, 'ecdsa');
    assert.equal(parsed.signer.digestAlgorithm, 'sha256');
    assert.equal(parsed.signer.contentType, '1.2.840.113549.1.9.16.1.4');
    const ess = parsed.signer.signingCertificate;
    assert.equal(ess.hashAlgorithm, 'sha256');
    assert.deepEqual(ess.certHash, sha256(leaf.der));
    assert.deepEqual(ess.issuerSerial?.issuers, [leaf.issuerDer]);
    // signing-time is present among the signed attributes (RFC 5652 §11.3).
    assert.ok(parsed.signer.signedAttributes.includes(oid('1.2.840.113549.1.9.5')));
    const sd = readResponse(r.der).signedData!;
    assert.equal(derValue(sd[0]!)[0], 3);
  });

  it('honours certReq: the leaf certificate is embedded only when asked', async () => {
    const authority = makeAuthority();
    const without = granted(await authority.respond(timeStampReq({ certReq: false })));
    assert.deepEqual(embeddedCertificates(readResponse(without.der).signedData!), []);
    assert.equal(parseRFC3161Timestamp(without.der).certificates.length, 0);
    const withCert = granted(await authority.respond(timeStampReq({ certReq: true })));
    assert.deepEqual(embeddedCertificates(readResponse(withCert.der).signedData!), [authority.certificateChain[0]]);
  });

  it('echoes the nonce verbatim, including large and negative ones', async () => {
    const authority = makeAuthority();
    for (const nonce of [Buffer.of(0x01), Buffer.from('00ffeeddccbbaa99887766', 'hex'), Buffer.of(0x85, 0x01)]) {
      const r = granted(await authority.respond(timeStampReq({ hashed: sha256(signed), nonce })));
      assert.deepEqual(verifyWithSignet(authority, r.der).timestamp.nonce, nonce);
    }
  });

  it('issues unique, positive serial numbers of 128 bits', async () => {
    const authority = makeAuthority();
    const serials = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const r = granted(await authority.respond(timeStampReq()));
      assert.equal(r.serialNumber.length, 16);
      assert.equal(r.serialNumber[0]! & 0xc0, 0x40);
      const tokenSerial = parseRFC3161Timestamp(r.der).timestamp.serialNumber;
      assert.deepEqual(tokenSerial, r.serialNumber);
      serials.add(r.serialNumber.toString('hex'));
    }
    assert.equal(serials.size, 200);
  });

  it('takes its serial randomness from the injected source', async () => {
    const authority = makeAuthority({ randomBytes: (n) => Buffer.alloc(n, 0xff) });
    const r = granted(await authority.respond(timeStampReq()));
    assert.equal(r.serialNumber.toString('hex'), '7f'.padEnd(32, 'f'));
  });

  it('gives a request the policy it names when accepted, and the default otherwise', async () => {
    const other = '1.2.3.4.5.6';
    const authority = makeAuthority({ acceptedPolicies: [other] });
    assert.deepEqual([...authority.acceptedPolicies], [SIGSTORE_POLICY, other]);
    assert.equal(granted(await authority.respond(timeStampReq({ policy: other }))).policy, other);
    assert.equal(granted(await authority.respond(timeStampReq())).policy, SIGSTORE_POLICY);
    const custom = makeAuthority({ policy: '1.3.6.1.4.1.99999.1' });
    assert.equal(granted(await custom.respond(timeStampReq())).policy, '1.3.6.1.4.1.99999.1');
    assert.equal((await custom.respond(timeStampReq({ policy: SIGSTORE_POLICY }))).status, 'rejection');
  });

  it('signs with ECDSA P-384 (SHA-384) and RSA PKCS#1 v1.5 (SHA-256), both verified', async () => {
    for (const [keyType, hash, scheme] of [['ecdsa-p384', 'sha384', 'ecdsa'], ['rsa-3072', 'sha256', 'rsa-pkcs1']] as const) {
      const authority = makeAuthority({ keyType });
      const r = granted(await authority.respond(timeStampReq({ hashed: createHash('sha512').update(signed).digest(), hashOid: SHA512_OID, certReq: true })));
      const parsed = parseRFC3161Timestamp(r.der);
      assert.equal(parsed.signer.digestAlgorithm, hash, keyType);
      assert.equal(parsed.signer.signatureScheme, scheme, keyType);
      assert.equal(verifyWithSignet(authority, r.der).timestamp.hashAlgorithm, 'sha512');
    }
  });

  it('writes millisecond genTime as a DER fraction when asked, and the TSA name', async () => {
    const times = ['2032-01-01T00:00:00.120Z', '2032-01-01T00:00:00.005Z', '2032-01-01T00:00:00.000Z'];
    for (const iso of times) {
      const authority = makeAuthority({ now: () => new Date(iso), genTimePrecision: 'millisecond', includeTsaName: true, accuracy: { millis: 500 } });
      const r = granted(await authority.respond(timeStampReq({ hashed: sha256(signed) })));
      const v = verifyWithSignet(authority, r.der);
      assert.equal(v.time.toISOString(), iso);
      assert.deepEqual(v.timestamp.accuracy, { seconds: 0, millis: 500, micros: 0 });
      assert.ok(v.timestamp.tsaName?.includes(parseCertificate(authority.certificateChain[0]!).subjectDer));
    }
    const noAccuracy = makeAuthority({ accuracy: null });
    const r = granted(await noAccuracy.respond(timeStampReq({ hashed: sha256(signed) })));
    assert.equal(verifyWithSignet(noAccuracy, r.der).timestamp.accuracy, undefined);
  });

  it('refuses bad options with RangeError/TypeError', () => {
    const chain = tsaChain();
    const signer = createKeyTimestampSigner(chain.privateKey, chain.certificateChain);
    assert.throws(() => new TimestampAuthority({ signer, policy: 'not-an-oid' }), RangeError);
    assert.throws(() => new TimestampAuthority({ signer, acceptedPolicies: ['1.2.x'] }), RangeError);
    assert.throws(() => new TimestampAuthority({ signer, accuracy: { millis: 1000 } }), RangeError);
    assert.throws(() => new TimestampAuthority({ signer, genTimePrecision: 'minute' as 'second' }), RangeError);
    assert.throws(() => new TimestampAuthority({ signer: undefined as unknown as TimestampSigner }), TypeError);
  });
});

describe('TimestampAuthority rejections', () => {
  const authority = makeAuthority();
  // extensions [0] IMPLICIT Extensions: the Extension SEQUENCEs directly inside [0].
  const ext = seq(oid('1.2.3.4'), octets(Buffer.of(5, 0)));
  const cases: { name: string; der: Buffer; code: string; failInfo: string }[] = [
    { name: 'truncated DER', der: timeStampReq().subarray(0, 20), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'empty body', der: Buffer.alloc(0), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'trailing data', der: Buffer.concat([timeStampReq(), Buffer.of(0)]), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'not a SEQUENCE', der: octets(Buffer.alloc(10)), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'fields out of order', der: seq(int([1]), seq(seq(oid(SHA256_OID)), octets(sha256(signed))), bool(true), int([7])), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'non-minimal nonce', der: timeStampReq({ nonce: Buffer.of(0, 1) }), code: 'ERR_TSA_REQUEST_FORMAT', failInfo: 'badDataFormat' },
    { name: 'version 2', der: timeStampReq({ version: 2 }), code: 'ERR_TSA_REQUEST_VERSION', failInfo: 'badRequest' },
    { name: 'version 0', der: timeStampReq({ version: 0 }), code: 'ERR_TSA_REQUEST_VERSION', failInfo: 'badRequest' },
    { name: 'unknown hash OID', der: timeStampReq({ hashOid: '1.2.3.4.5' }), code: 'ERR_TSA_HASH_ALGORITHM', failInfo: 'badAlg' },
    { name: 'SHA-1', der: timeStampReq({ hashOid: SHA1_OID, hashed: Buffer.alloc(20) }), code: 'ERR_TSA_HASH_ALGORITHM', failInfo: 'badAlg' },
    { name: 'hash with odd parameters', der: seq(int([1]), seq(seq(oid(SHA256_OID), int([0])), octets(sha256(signed)))), code: 'ERR_TSA_HASH_ALGORITHM', failInfo: 'badAlg' },
    { name: 'imprint of the wrong length', der: timeStampReq({ hashed: Buffer.alloc(31) }), code: 'ERR_TSA_IMPRINT_LENGTH', failInfo: 'badDataFormat' },
    { name: 'SHA-384 OID with a SHA-256 imprint', der: timeStampReq({ hashOid: SHA384_OID }), code: 'ERR_TSA_IMPRINT_LENGTH', failInfo: 'badDataFormat' },
    { name: 'unaccepted policy', der: timeStampReq({ policy: '1.2.3.4' }), code: 'ERR_TSA_POLICY', failInfo: 'unacceptedPolicy' },
    { name: 'an extension', der: timeStampReq({ extensions: Buffer.concat([Buffer.of(0xa0, ext.length), ext]) }), code: 'ERR_TSA_EXTENSION', failInfo: 'unacceptedExtension' },
  ];
  for (const c of cases) {
    it(`${c.name} → rejection, ${c.failInfo} (${c.code})`, async () => {
      const r = await authority.respond(c.der);
      assert.equal(r.status, 'rejection');
      assert.ok(r.status === 'rejection');
      assert.ok(r.error instanceof TimestampError);
      assert.equal(r.error.code, c.code);
      assert.equal(r.failInfo, c.failInfo);
      const read = readResponse(r.der);
      assert.equal(read.status, 2);
      assert.deepEqual(read.failInfo, [c.failInfo]);
      assert.ok(read.statusString && read.statusString.length > 0);
      assert.equal(read.signedData, undefined);
    });
  }

  it('a caller-built request with a non-minimal nonce → badDataFormat', async () => {
    const req = { version: 1, messageImprint: { hashAlgorithm: SHA256_OID, hashedMessage: sha256(signed) }, nonce: Buffer.of(0, 5), certReq: false, extensions: [] };
    const r = await authority.timestamp(req);
    assert.ok(r.status === 'rejection');
    assert.equal(r.error.code, 'ERR_TSA_REQUEST_FORMAT');
  });

  it('a failing signer → systemFailure (ERR_TSA_SIGNER) with no detail leaked', async () => {
    const chain = tsaChain();
    const real = createKeyTimestampSigner(chain.privateKey, chain.certificateChain);
    const broken: TimestampSigner = { certificateChain: real.certificateChain, hash: 'sha256', sign: async () => { throw new Error('HSM slot 3 unplugged'); } };
    const r = await new TimestampAuthority({ signer: broken }).respond(timeStampReq());
    assert.ok(r.status === 'rejection');
    assert.equal(r.error.code, 'ERR_TSA_SIGNER');
    assert.equal(r.failInfo, 'systemFailure');
    const read = readResponse(r.der);
    assert.deepEqual(read.failInfo, ['systemFailure']);
    assert.equal(read.statusString, 'system failure');
  });

  it('a clock outside the TSA chain\'s validity → systemFailure (ERR_TSA_VALIDITY), no token', async () => {
    for (const iso of ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z']) {
      const r = await makeAuthority({ now: () => new Date(iso) }).respond(timeStampReq());
      assert.ok(r.status === 'rejection', iso);
      assert.equal(r.error.code, 'ERR_TSA_VALIDITY');
      assert.deepEqual(readResponse(r.der).failInfo, ['systemFailure']);
    }
  });

  it('a signer whose signatures do not verify with the leaf → systemFailure, never a bad token', async () => {
    const chain = tsaChain();
    const other = tsaChain('ecdsa-p384');
    const wrongKey = createKeyTimestampSigner(other.privateKey, other.certificateChain);
    const lying: TimestampSigner = { certificateChain: chain.certificateChain, hash: 'sha256', sign: (d) => wrongKey.sign(d) };
    const r = await new TimestampAuthority({ signer: lying }).respond(timeStampReq());
    assert.ok(r.status === 'rejection');
    assert.equal(r.error.code, 'ERR_TSA_SIGNER');
  });
});
