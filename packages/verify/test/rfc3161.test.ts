import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DerTag, decodePem, derChildren, derRaw, encodeDer, parseCertificate, parseDer } from '@signet/core';
import { parseRFC3161Timestamp, verifyRFC3161Timestamp, type CertificateAuthorityTrust } from '@signet/verify';
import { assertCode, flip, loadTimestamp, loadTrust, offsetIn, readFixture } from './timestamp-sct-fixtures.js';

const staging = loadTrust('rekor2-happy-path.trusted_root.json');
const publicGood = loadTrust('public-good.trusted_root.json');

// Real tokens from the Sigstore conformance suite, each with the trust root it verifies against.
const CASES = [
  { bundle: 'rekor2-happy-path.bundle.json', tsas: staging.tsas, genTime: '2025-06-12T12:02:20.000Z', embedded: 1 },
  { bundle: 'rekor2-timestamp-with-embedded-cert.bundle.json', tsas: staging.tsas, genTime: '2025-08-06T18:51:36.000Z', embedded: 1 },
  { bundle: 'rekor2-dsse-happy-path.bundle.json', tsas: loadTrust('rekor2-dsse-happy-path.trusted_root.json').tsas, genTime: undefined, embedded: undefined },
  { bundle: 'intoto-with-custom-trust-root.bundle.json', tsas: loadTrust('intoto-with-custom-trust-root.trusted_root.json').tsas, genTime: '2023-02-01T00:00:00.000Z', embedded: 0 },
  { bundle: 'managed-key-happy-path.bundle.json', tsas: publicGood.tsas, genTime: '2025-12-18T17:04:39.000Z', embedded: 0 },
];

const happy = loadTimestamp('rekor2-happy-path.bundle.json');
const embedded = loadTimestamp('rekor2-timestamp-with-embedded-cert.bundle.json');
const noCerts = loadTimestamp('managed-key-happy-path.bundle.json');

/** The TimeStampToken (ContentInfo) inside a TimeStampResp. */
function bareToken(resp: Buffer): Buffer {
  const [, token] = derChildren(parseDer(resp));
  assert.ok(token);
  return Buffer.from(derRaw(token));
}

function withWindow(tsas: readonly CertificateAuthorityTrust[], start: Date, end?: Date): CertificateAuthorityTrust[] {
  return tsas.map((a) => ({ ...a, validFor: { start, end } }));
}

describe('parseRFC3161Timestamp', () => {
  it('reads a TimeStampResp as Sigstore bundles carry it (status + token)', () => {
    const p = parseRFC3161Timestamp(happy.token);
    assert.equal(p.status, 0);
    assert.equal(p.timestamp.policy, '1.3.6.1.4.1.57264.2');
    assert.equal(p.timestamp.hashAlgorithm, 'sha256');
    assert.equal(p.timestamp.genTime.toISOString(), '2025-06-12T12:02:20.000Z');
    assert.equal(p.timestamp.serialNumber.toString('hex'), '559742c71edae5b645233a7ac43a8d033142a5ac');
    assert.equal(p.timestamp.nonce?.toString('hex'), '008f59f2afe69cc8a8');
    assert.equal(p.timestamp.accuracy?.seconds, 1);
    assert.equal(p.timestamp.ordering, false);
    assert.ok(p.timestamp.tsaName && p.timestamp.tsaName[0] === 0xa4, 'tsa is a directoryName');
    assert.equal(p.signer.sid.kind, 'issuerAndSerialNumber');
    assert.equal(p.signer.digestAlgorithm, 'sha256');
    assert.equal(p.signer.signatureScheme, 'ecdsa');
    assert.equal(p.signer.signingCertificate.hashAlgorithm, 'sha256');
    assert.equal(p.certificates.length, 1);
  });

  it('reads a bare TimeStampToken (ContentInfo) the same way', () => {
    const p = parseRFC3161Timestamp(bareToken(happy.token));
    assert.equal(p.status, undefined);
    assert.equal(p.timestamp.genTime.toISOString(), '2025-06-12T12:02:20.000Z');
  });

  it('keeps negative serial numbers as encoded (sigstore mock TSA)', () => {
    const p = parseRFC3161Timestamp(loadTimestamp('intoto-with-custom-trust-root.bundle.json').token);
    assert.equal(p.timestamp.serialNumber.toString('hex'), 'deadbeef');
  });

  const truncations = [1, 2, 100, 500, 1000];
  for (const n of truncations) {
    it(`rejects a token truncated by ${n} bytes`, () => {
      assertCode(() => parseRFC3161Timestamp(happy.token.subarray(0, happy.token.length - n)), 'ERR_VERIFY_TIMESTAMP_FORMAT');
    });
  }

  it('rejects empty input, trailing bytes, and input above 64 KiB', () => {
    assertCode(() => parseRFC3161Timestamp(new Uint8Array()), 'ERR_VERIFY_TIMESTAMP_FORMAT');
    assertCode(() => parseRFC3161Timestamp(Buffer.concat([happy.token, Buffer.of(0)])), 'ERR_VERIFY_TIMESTAMP_FORMAT');
    assertCode(() => parseRFC3161Timestamp(Buffer.alloc(64 * 1024 + 1)), 'ERR_VERIFY_TIMESTAMP_FORMAT');
  });

  it('rejects a response whose status is not granted', () => {
    // PKIStatusInfo is `30 03 02 01 00` at offset 4: make it rejection (2).
    assert.equal(happy.token.subarray(4, 9).toString('hex'), '3003020100');
    assertCode(() => parseRFC3161Timestamp(flip(happy.token, 8, 0x02)), 'ERR_VERIFY_TIMESTAMP_FORMAT');
  });

  it('rejects a response that carries no token', () => {
    assertCode(() => parseRFC3161Timestamp(encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.SEQUENCE, encodeDer(DerTag.INTEGER, Buffer.of(0))))), 'ERR_VERIFY_TIMESTAMP_FORMAT');
  });

  it('rejects a ContentInfo that is not SignedData', () => {
    // The id-signedData OID ends ...07 02 at offsets 22..23 of the response; make it id-data (…07 01).
    assert.equal(happy.token[23], 0x02);
    assertCode(() => parseRFC3161Timestamp(flip(happy.token, 23, 0x03)), 'ERR_VERIFY_TIMESTAMP_FORMAT');
  });

  it('rejects more than 10 embedded certificates', () => {
    const p = parseRFC3161Timestamp(happy.token);
    const cert = p.certificates[0];
    assert.ok(cert);
    // Rebuild SignedData with the one certificate repeated 11 times.
    const resp = parseDer(happy.token);
    const [status, ci] = derChildren(resp);
    const [ct, content] = derChildren(ci!);
    const [sd] = derChildren(content!);
    const fields = derChildren(sd!);
    const rebuilt = fields.map((f) => (f.tag === 0xa0 ? encodeDer(0xa0, ...Array<Buffer>(11).fill(cert.der)) : derRaw(f)));
    const token = encodeDer(DerTag.SEQUENCE, derRaw(status!), encodeDer(DerTag.SEQUENCE, derRaw(ct!), encodeDer(0xa0, encodeDer(DerTag.SEQUENCE, ...rebuilt))));
    assertCode(() => parseRFC3161Timestamp(token), 'ERR_VERIFY_TIMESTAMP_FORMAT');
    const ten = fields.map((f) => (f.tag === 0xa0 ? encodeDer(0xa0, ...Array<Buffer>(10).fill(cert.der)) : derRaw(f)));
    const ok = encodeDer(DerTag.SEQUENCE, derRaw(status!), encodeDer(DerTag.SEQUENCE, derRaw(ct!), encodeDer(0xa0, encodeDer(DerTag.SEQUENCE, ...ten))));
    assert.equal(parseRFC3161Timestamp(ok).certificates.length, 10);
  });
});

describe('verifyRFC3161Timestamp', () => {
  for (const c of CASES) {
    it(`verifies the real timestamp of ${c.bundle}`, () => {
      const { token, signature } = loadTimestamp(c.bundle);
      const p = parseRFC3161Timestamp(token);
      if (c.embedded !== undefined) assert.equal(p.certificates.length, c.embedded);
      const r = verifyRFC3161Timestamp(token, signature, c.tsas);
      assert.equal(r.time.getTime(), p.timestamp.genTime.getTime());
      if (c.genTime) assert.equal(r.time.toISOString(), c.genTime);
      assert.ok(c.tsas.includes(r.authority));
    });
  }

  it('verifies a bare TimeStampToken too', () => {
    assert.equal(verifyRFC3161Timestamp(bareToken(happy.token), happy.signature, staging.tsas).authority, staging.tsas[0]);
  });

  it('finds the right authority among several', () => {
    const all = [...publicGood.tsas, ...staging.tsas];
    assert.equal(verifyRFC3161Timestamp(happy.token, happy.signature, all).authority, staging.tsas[0]);
    assert.equal(verifyRFC3161Timestamp(noCerts.token, noCerts.signature, all).authority, publicGood.tsas[0]);
  });

  it('accepts an embedded signer issued by an authority that lists only its CA', () => {
    const rootOnly = staging.tsas.map((a) => ({ ...a, certificates: a.certificates.slice(1) }));
    assert.equal(verifyRFC3161Timestamp(embedded.token, embedded.signature, rootOnly).authority, rootOnly[0]);
  });

  it('rejects other signed bytes (ERR_VERIFY_TIMESTAMP_IMPRINT)', () => {
    assertCode(() => verifyRFC3161Timestamp(happy.token, flip(happy.signature, 10), staging.tsas), 'ERR_VERIFY_TIMESTAMP_IMPRINT');
    assertCode(() => verifyRFC3161Timestamp(happy.token, embedded.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_IMPRINT');
    assertCode(() => verifyRFC3161Timestamp(happy.token, new Uint8Array(), staging.tsas), 'ERR_VERIFY_TIMESTAMP_IMPRINT');
  });

  it('rejects a token whose imprint was changed (ERR_VERIFY_TIMESTAMP_IMPRINT)', () => {
    const imprint = parseRFC3161Timestamp(happy.token).timestamp.hashedMessage;
    assertCode(() => verifyRFC3161Timestamp(flip(happy.token, offsetIn(happy.token, imprint) + 5), happy.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_IMPRINT');
  });

  it('rejects a token whose signature was changed (ERR_VERIFY_TIMESTAMP_SIGNATURE)', () => {
    for (const t of [happy, noCerts, embedded]) {
      const sig = parseRFC3161Timestamp(t.token).signer.signature;
      const tsas = t === noCerts ? publicGood.tsas : staging.tsas;
      // A byte deep inside the ECDSA `s` integer keeps the DER valid and breaks the signature.
      assertCode(() => verifyRFC3161Timestamp(flip(t.token, offsetIn(t.token, sig) + sig.length - 3), t.signature, tsas), 'ERR_VERIFY_TIMESTAMP_SIGNATURE');
    }
  });

  it('rejects a TSTInfo changed after signing (message-digest, ERR_VERIFY_TIMESTAMP_SIGNATURE)', () => {
    const p = parseRFC3161Timestamp(happy.token);
    // The last genTime digit: '20250612120220Z' → '20250612120221Z'.
    const tst = offsetIn(happy.token, p.tstInfo);
    const genTime = happy.token.indexOf(Buffer.from('20250612120220Z'), tst);
    assert.ok(genTime > tst);
    const changed = flip(happy.token, genTime + 13, 0x01);
    assert.equal(parseRFC3161Timestamp(changed).timestamp.genTime.toISOString(), '2025-06-12T12:02:21.000Z');
    assertCode(() => verifyRFC3161Timestamp(changed, happy.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_SIGNATURE');
  });

  it('rejects a changed message-digest attribute (ERR_VERIFY_TIMESTAMP_SIGNATURE)', () => {
    const md = parseRFC3161Timestamp(happy.token).signer.messageDigest;
    assertCode(() => verifyRFC3161Timestamp(flip(happy.token, offsetIn(happy.token, md)), happy.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_SIGNATURE');
  });

  it('rejects a changed signing-certificate attribute (ERR_VERIFY_TIMESTAMP_SIGNATURE)', () => {
    const h = parseRFC3161Timestamp(happy.token).signer.signingCertificate.certHash;
    assertCode(() => verifyRFC3161Timestamp(flip(happy.token, offsetIn(happy.token, h)), happy.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_SIGNATURE');
  });

  it('rejects a truncated token (ERR_VERIFY_TIMESTAMP_FORMAT)', () => {
    assertCode(() => verifyRFC3161Timestamp(happy.token.subarray(0, 600), happy.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_FORMAT');
  });

  it('rejects a token from another TSA (ERR_VERIFY_TIMESTAMP_UNTRUSTED)', () => {
    // Embedded signer certificate: it is not the public-good TSA leaf nor issued by its chain.
    assertCode(() => verifyRFC3161Timestamp(happy.token, happy.signature, publicGood.tsas), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
    // No embedded certificate: no trusted leaf matches the signer identifier.
    assertCode(() => verifyRFC3161Timestamp(noCerts.token, noCerts.signature, staging.tsas), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
    assertCode(() => verifyRFC3161Timestamp(happy.token, happy.signature, []), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
  });

  it('rejects a signer without embedded certificate when the authority lists only its CA', () => {
    const rootOnly = publicGood.tsas.map((a) => ({ ...a, certificates: a.certificates.slice(1) }));
    assertCode(() => verifyRFC3161Timestamp(noCerts.token, noCerts.signature, rootOnly), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
  });

  it('rejects a chain whose links do not verify (ERR_VERIFY_TIMESTAMP_UNTRUSTED)', () => {
    // The staging TSA leaf under the public-good TSA root.
    const mixed = [{ ...staging.tsas[0]!, certificates: [staging.tsas[0]!.certificates[0]!, publicGood.tsas[0]!.certificates[1]!] }];
    assertCode(() => verifyRFC3161Timestamp(happy.token, happy.signature, mixed), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
  });

  it('rejects a genTime outside the authority window (ERR_VERIFY_TIMESTAMP_UNTRUSTED)', () => {
    const genTime = parseRFC3161Timestamp(happy.token).timestamp.genTime.getTime();
    assertCode(() => verifyRFC3161Timestamp(happy.token, happy.signature, withWindow(staging.tsas, new Date(genTime + 1))), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
    assertCode(
      () => verifyRFC3161Timestamp(happy.token, happy.signature, withWindow(staging.tsas, new Date(0), new Date(genTime - 1))),
      'ERR_VERIFY_TIMESTAMP_UNTRUSTED',
    );
    // Both bounds are inclusive.
    assert.ok(verifyRFC3161Timestamp(happy.token, happy.signature, withWindow(staging.tsas, new Date(genTime), new Date(genTime))));
  });
});

describe('verifyRFC3161Timestamp with an OpenSSL TSA (RSA PKCS#1 v1.5)', () => {
  // Generated once with `openssl ts -reply` (see fixtures README): RSA-2048 TSA leaf under an
  // RSA root, over the bytes "signed bytes".
  const pem = readFixture('openssl-tsa-chain.pem').toString('utf8');
  const chain = decodePem(pem).map((b) => parseCertificate(b.der));
  const tsa: CertificateAuthorityTrust[] = [{ uri: 'openssl', certificates: chain, validFor: { start: new Date('2000-01-01T00:00:00Z') } }];
  const data = Buffer.from('signed bytes');

  for (const name of ['openssl-rsa.tsr', 'openssl-rsa-nocerts.tsr', 'openssl-rsa-ess-sha1.tsr']) {
    it(`verifies ${name}`, () => {
      const token = readFixture(name);
      const p = parseRFC3161Timestamp(token);
      assert.equal(p.signer.signatureScheme, 'rsa-pkcs1');
      assert.equal(p.timestamp.policy, '1.2.3.4.1');
      assert.equal(verifyRFC3161Timestamp(token, data, tsa).authority, tsa[0]);
    });
  }

  it('reads the ESS v1 (SHA-1) signing-certificate attribute', () => {
    assert.equal(parseRFC3161Timestamp(readFixture('openssl-rsa-ess-sha1.tsr')).signer.signingCertificate.hashAlgorithm, 'sha1');
  });

  it('rejects a flipped RSA signature byte and other data', () => {
    const token = readFixture('openssl-rsa.tsr');
    const sig = parseRFC3161Timestamp(token).signer.signature;
    assertCode(() => verifyRFC3161Timestamp(flip(token, offsetIn(token, sig) + 100), data, tsa), 'ERR_VERIFY_TIMESTAMP_SIGNATURE');
    assertCode(() => verifyRFC3161Timestamp(token, Buffer.from('other bytes'), tsa), 'ERR_VERIFY_TIMESTAMP_IMPRINT');
  });

  it('rejects a leaf-less authority when the token embeds no certificate', () => {
    const rootOnly = [{ ...tsa[0]!, certificates: chain.slice(1) }];
    assert.ok(verifyRFC3161Timestamp(readFixture('openssl-rsa.tsr'), data, rootOnly));
    assertCode(() => verifyRFC3161Timestamp(readFixture('openssl-rsa-nocerts.tsr'), data, rootOnly), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
  });

  it('rejects a genTime outside the chain certificates\' validity', () => {
    const genTime = parseRFC3161Timestamp(readFixture('openssl-rsa.tsr')).timestamp.genTime;
    // Same certificates, but pretend the token is judged against a leaf that expired just before.
    const expired = [{ ...tsa[0]!, certificates: [{ ...chain[0]!, notAfter: new Date(genTime.getTime() - 1) }, chain[1]!] }];
    assertCode(() => verifyRFC3161Timestamp(readFixture('openssl-rsa-nocerts.tsr'), data, expired), 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
  });
});
