import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  OID, authorityKeyIdentifierExtension, basicConstraintsExtension, certificateSignatureAlgorithm, encodeExtension, encodeName, encodeNull,
  encodePrintableString, encodeTBSCertificate, extKeyUsageExtension, isIssuedBy, keyIdentifier, keyUsageExtension, parseCertificate,
  randomSerialNumber, signTBSCertificate, subjectAltNameExtension, subjectKeyIdentifierExtension, verifyCertificateSignature,
} from '@signet/core';

const spki = (k: KeyObject) => k.export({ format: 'der', type: 'spki' });
const window = { notBefore: new Date('2024-01-01T00:00:00Z'), notAfter: new Date('2051-01-01T00:00:00Z') };

function selfSigned(key: { privateKey: KeyObject; publicKey: KeyObject }, extensions: Buffer[]) {
  const name = encodeName([{ type: OID.organization, value: 'signet' }, { type: OID.commonName, value: 'root' }]);
  const tbs = encodeTBSCertificate({
    serialNumber: Buffer.of(0x01, 0x02),
    signatureAlgorithm: certificateSignatureAlgorithm(key.privateKey).algorithmIdentifier,
    issuer: name,
    subject: name,
    subjectPublicKeyInfo: spki(key.publicKey),
    extensions,
    ...window,
  });
  return parseCertificate(signTBSCertificate(tbs, key.privateKey));
}

describe('certificate builder', () => {
  for (const [label, key] of [
    ['ECDSA P-256', generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['ECDSA P-384', generateKeyPairSync('ec', { namedCurve: 'secp384r1' })],
    ['ECDSA P-521', generateKeyPairSync('ec', { namedCurve: 'secp521r1' })],
    ['Ed25519', generateKeyPairSync('ed25519')],
    ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const) {
    it(`issues a ${label} self-signed CA that the reader and OpenSSL accept`, () => {
      const cert = selfSigned(key, [
        basicConstraintsExtension(true, 0),
        keyUsageExtension(['keyCertSign', 'cRLSign']),
        subjectKeyIdentifierExtension(key.publicKey),
        authorityKeyIdentifierExtension(key.privateKey),
      ]);
      assert.equal(verifyCertificateSignature(cert, key.publicKey), true);
      assert.equal(isIssuedBy(cert, cert), true);
      assert.equal(cert.isCA, true);
      assert.deepEqual([...cert.keyUsage], ['keyCertSign', 'cRLSign']);
      assert.equal(cert.serialNumber, '0102');
      assert.equal(cert.notAfter.toISOString(), '2051-01-01T00:00:00.000Z');
      assert.equal(cert.native.ca, true);
      assert.match(cert.native.subject, /CN=root/);
    });
  }

  it('writes the standard extensions byte for byte', () => {
    assert.equal(basicConstraintsExtension(false).toString('hex'), '300c0603551d130101ff04023000');
    assert.equal(basicConstraintsExtension(true).toString('hex'), '300f0603551d130101ff040530030101ff');
    assert.equal(keyUsageExtension(['digitalSignature']).toString('hex'), '300e0603551d0f0101ff040403020780');
    assert.equal(extKeyUsageExtension([OID.codeSigning], false).toString('hex'), '30130603551d25040c300a06082b06010505070303');
    assert.equal(encodeExtension(OID.ctPoison, true, encodeNull()).toString('hex'), '3013060a2b06010401d679020403' + '0101ff' + '04020500');
  });

  it('writes key identifiers from a KeyObject or SPKI alike (RFC 5280 §4.2.1.2 method 1)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const id = keyIdentifier(publicKey);
    assert.equal(id.length, 20);
    assert.deepEqual(keyIdentifier(privateKey), id);
    assert.deepEqual(keyIdentifier(spki(publicKey)), id);
    const cert = selfSigned({ privateKey, publicKey }, [subjectKeyIdentifierExtension(publicKey), authorityKeyIdentifierExtension(spki(publicKey))]);
    assert.equal(cert.native.keyUsage, undefined);
    assert.deepEqual(cert.extension(OID.subjectKeyIdentifier)?.value.subarray(2), id);
  });

  it('writes subject alternative names the reader parses back', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const names = [
      { type: 'email', value: 'a@example.com' },
      { type: 'dns', value: 'example.com' },
      { type: 'uri', value: 'https://example.com/x' },
      { type: 'otherName', oid: '1.3.6.1.4.1.57264.1.7', value: 'user' },
    ] as const;
    const cert = selfSigned(key, [subjectAltNameExtension(names, true)]);
    assert.deepEqual(cert.subjectAltNames, names);
    assert.equal(cert.extension(OID.subjectAltName)?.critical, true);
  });

  it('omits the [3] field without extensions and accepts encoded name values', () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const name = encodeName([{ type: OID.commonName, value: encodePrintableString('x') }]);
    const tbs = encodeTBSCertificate({
      serialNumber: randomSerialNumber(), signatureAlgorithm: certificateSignatureAlgorithm(key.privateKey).algorithmIdentifier,
      issuer: name, subject: name, subjectPublicKeyInfo: spki(key.publicKey), extensions: [], ...window,
    });
    const cert = parseCertificate(signTBSCertificate(tbs, key.privateKey));
    assert.equal(cert.extensions.length, 0);
    assert.equal(cert.native.subject, 'CN=x');
  });

  it('makes positive 20-octet serials from the given randomness', () => {
    assert.equal(randomSerialNumber(() => Buffer.alloc(20, 0xff))[0], 0x7f);
    assert.equal(randomSerialNumber(() => Buffer.alloc(20, 0x00))[0], 0x40);
  });

  it('refuses RSA-PSS issuer keys (RangeError) and unsupported keys (ERR_CORE_KEY_UNSUPPORTED)', () => {
    assert.throws(() => certificateSignatureAlgorithm(generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey), RangeError);
    assert.throws(() => certificateSignatureAlgorithm(generateKeyPairSync('ed448').privateKey), (e: unknown) => (e as { code?: string }).code === 'ERR_CORE_KEY_UNSUPPORTED');
  });
});
