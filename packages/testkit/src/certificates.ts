import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { signMessage, type HashName } from '@signet/core';
import {
  algorithm, bitString, boolean, contextConstructed, integer, oid, printableString, sequence, setOf,
  unsignedInteger, octetString, x509Time,
} from './der-builder.js';

/** Key types the test CA and TSA can use. */
export type TestKeyType = 'ecdsa-p256' | 'ecdsa-p384';

/** A certificate with the private key of its subject. */
export interface IssuedCertificate {
  /** DER of the Certificate. */
  readonly der: Buffer;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** DER of the subject Name (the issuer Name of what this certificate signs). */
  readonly subject: Buffer;
}

/** Everything of a TBSCertificate (RFC 5280 §4.1) except the signature algorithm and issuer, which come from the signer. */
export interface CertificateTemplate {
  /** Serial INTEGER magnitude; default: 20 random bytes (RFC 5280 §4.1.2.2 allows up to 20 octets). */
  serial?: Buffer;
  /** DER Name. */
  subject: Buffer;
  publicKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Encoded `Extension` TLVs, in order (see {@link extension}). */
  extensions: Buffer[];
}

const OIDS = {
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
} as const;

/** A fresh ECDSA key pair of the given type. */
export function generateKey(type: TestKeyType = 'ecdsa-p256'): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: type === 'ecdsa-p384' ? 'secp384r1' : 'prime256v1' });
}

/** A random positive serial of 20 octets whose first octet keeps it minimal and positive. */
export function randomSerial(): Buffer {
  const serial = randomBytes(20);
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  return serial;
}

/** Name ::= RDNSequence with O and CN (PrintableString, as Fulcio writes them). */
export function distinguishedName(organization: string, commonName: string): Buffer {
  const rdn = (type: string, value: string) => setOf(sequence(oid(type), printableString(value)));
  return sequence(rdn(OIDS.organization, organization), rdn(OIDS.commonName, commonName));
}

/** The empty Name Fulcio gives leaf certificates (identity lives in the SAN). */
export function emptyName(): Buffer {
  return sequence();
}

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(dotted: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(dotted), boolean(true), octetString(value)) : sequence(oid(dotted), octetString(value));
}

/** BasicConstraints (RFC 5280 §4.2.1.9), always critical here. */
export function basicConstraints(ca: boolean, pathLength?: number): Buffer {
  const fields = ca ? [boolean(true), ...(pathLength === undefined ? [] : [integer(pathLength)])] : [];
  return extension(OIDS.basicConstraints, true, sequence(...fields));
}

/** KeyUsage (RFC 5280 §4.2.1.3), critical: bit 0 digitalSignature, bits 5–6 keyCertSign and cRLSign. */
export function keyUsage(usage: 'digitalSignature' | 'certificateAuthority'): Buffer {
  const bits = usage === 'digitalSignature' ? bitString(Buffer.of(0x80), 7) : bitString(Buffer.of(0x06), 1);
  return extension(OIDS.keyUsage, true, bits);
}

/** ExtKeyUsage (RFC 5280 §4.2.1.12). */
export function extendedKeyUsage(purposes: string[], critical: boolean): Buffer {
  return extension(OIDS.extKeyUsage, critical, sequence(...purposes.map(oid)));
}

/** The subjectPublicKey bits of an EC key: the uncompressed point 04 || X || Y (SEC 1 §2.3.3). */
function subjectPublicKeyBits(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new TypeError('test certificates carry EC keys');
  return Buffer.concat([Buffer.of(4), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

/** Key identifier, RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(key)).digest();
}

export function subjectKeyIdentifier(key: KeyObject): Buffer {
  return extension(OIDS.subjectKeyIdentifier, false, octetString(keyIdentifier(key)));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING }. */
export function authorityKeyIdentifier(issuerKey: KeyObject): Buffer {
  const id = keyIdentifier(issuerKey);
  return extension(OIDS.authorityKeyIdentifier, false, sequence(Buffer.concat([Buffer.of(0x80, id.length), id])));
}

/** The ECDSA signature algorithm and hash a CA key signs with (RFC 5758 §3.2). */
function signatureScheme(signer: KeyObject): { algorithmId: Buffer; hash: HashName } {
  const curve = signer.asymmetricKeyDetails?.namedCurve;
  if (signer.asymmetricKeyType !== 'ec' || (curve !== 'prime256v1' && curve !== 'secp384r1')) {
    throw new TypeError('test certificates are signed with ECDSA P-256 or P-384 keys');
  }
  return curve === 'secp384r1'
    ? { algorithmId: algorithm(OIDS.ecdsaWithSHA384), hash: 'sha384' }
    : { algorithmId: algorithm(OIDS.ecdsaWithSHA256), hash: 'sha256' };
}

/** TBSCertificate (RFC 5280 §4.1.2) of `template`, to be signed by `issuerKey` for `issuerName`. */
export function buildTBSCertificate(template: CertificateTemplate, issuerName: Buffer, issuerKey: KeyObject): Buffer {
  const { algorithmId } = signatureScheme(issuerKey);
  const fields = [
    contextConstructed(0, integer(2)), // version v3
    unsignedInteger(template.serial ?? randomSerial()),
    algorithmId,
    issuerName,
    sequence(x509Time(template.notBefore), x509Time(template.notAfter)),
    template.subject,
    template.publicKey.export({ format: 'der', type: 'spki' }),
  ];
  if (template.extensions.length > 0) fields.push(contextConstructed(3, sequence(...template.extensions)));
  return sequence(...fields);
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 §4.1.1). */
export function signTBSCertificate(tbs: Buffer, issuerKey: KeyObject): Buffer {
  const { algorithmId, hash } = signatureScheme(issuerKey);
  return sequence(tbs, algorithmId, bitString(signMessage(issuerKey, tbs, { hash })));
}

/** A self-signed CA certificate (keyCertSign, cRLSign; no path length limit). */
export function createRootCertificate(opts: { keyType: TestKeyType; organization: string; commonName: string; notBefore: Date; notAfter: Date }): IssuedCertificate {
  const { privateKey, publicKey } = generateKey(opts.keyType);
  const subject = distinguishedName(opts.organization, opts.commonName);
  const tbs = buildTBSCertificate({
    subject,
    publicKey,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    extensions: [keyUsage('certificateAuthority'), basicConstraints(true), subjectKeyIdentifier(publicKey), authorityKeyIdentifier(publicKey)],
  }, subject, privateKey);
  return { der: signTBSCertificate(tbs, privateKey), privateKey, publicKey, subject };
}

/** A certificate for `template`, issued by `issuer`. */
export function issueCertificate(template: CertificateTemplate, issuer: IssuedCertificate, privateKey: KeyObject): IssuedCertificate {
  const tbs = buildTBSCertificate(template, issuer.subject, issuer.privateKey);
  return { der: signTBSCertificate(tbs, issuer.privateKey), privateKey, publicKey: createPublicKey(privateKey), subject: template.subject };
}

/** An intermediate CA (pathLen 0) under `root`. */
export function createIntermediateCertificate(root: IssuedCertificate, opts: { keyType: TestKeyType; organization: string; commonName: string; notBefore: Date; notAfter: Date }): IssuedCertificate {
  const { privateKey, publicKey } = generateKey(opts.keyType);
  return issueCertificate({
    subject: distinguishedName(opts.organization, opts.commonName),
    publicKey,
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    extensions: [keyUsage('certificateAuthority'), basicConstraints(true, 0), subjectKeyIdentifier(publicKey), authorityKeyIdentifier(root.publicKey)],
  }, root, privateKey);
}
