import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  authorityKeyIdentifierExtension, basicConstraintsExtension, certificateSignatureAlgorithm, encodeName, encodePrintableString, encodeSequence,
  encodeTBSCertificate, keyUsageExtension, randomSerialNumber, signTBSCertificate, subjectKeyIdentifierExtension, OID,
} from '@signet/core';

/*
 * Test certificates over core's certificate builder: the profiles (test roots, intermediates,
 * PrintableString names as Fulcio writes them) live here, the encoding in `@signet/core`.
 */

export { encodeExtension as extension, signTBSCertificate } from '@signet/core';

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

/** A fresh ECDSA key pair of the given type. */
export function generateKey(type: TestKeyType = 'ecdsa-p256'): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: type === 'ecdsa-p384' ? 'secp384r1' : 'prime256v1' });
}

/** A random positive serial of 20 octets whose first octet keeps it minimal and positive. */
export function randomSerial(): Buffer {
  return randomSerialNumber();
}

/** Name ::= RDNSequence with O and CN (PrintableString, as Fulcio writes them). */
export function distinguishedName(organization: string, commonName: string): Buffer {
  return encodeName([
    { type: OID.organization, value: encodePrintableString(organization) },
    { type: OID.commonName, value: encodePrintableString(commonName) },
  ]);
}

/** The empty Name Fulcio gives leaf certificates (identity lives in the SAN). */
export function emptyName(): Buffer {
  return encodeSequence();
}

/** KeyUsage (RFC 5280 §4.2.1.3), critical: bit 0 digitalSignature, bits 5–6 keyCertSign and cRLSign. */
export function keyUsage(usage: 'digitalSignature' | 'certificateAuthority'): Buffer {
  return keyUsageExtension(usage === 'digitalSignature' ? ['digitalSignature'] : ['keyCertSign', 'cRLSign']);
}

/** TBSCertificate (RFC 5280 §4.1.2) of `template`, to be signed by `issuerKey` for `issuerName`. */
export function buildTBSCertificate(template: CertificateTemplate, issuerName: Buffer, issuerKey: KeyObject): Buffer {
  return encodeTBSCertificate({
    serialNumber: template.serial ?? randomSerial(),
    signatureAlgorithm: certificateSignatureAlgorithm(issuerKey).algorithmIdentifier,
    issuer: issuerName,
    notBefore: template.notBefore,
    notAfter: template.notAfter,
    subject: template.subject,
    subjectPublicKeyInfo: template.publicKey.export({ format: 'der', type: 'spki' }),
    extensions: template.extensions,
  });
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
    extensions: [keyUsage('certificateAuthority'), basicConstraintsExtension(true), subjectKeyIdentifierExtension(publicKey), authorityKeyIdentifierExtension(publicKey)],
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
    extensions: [keyUsage('certificateAuthority'), basicConstraintsExtension(true, 0), subjectKeyIdentifierExtension(publicKey), authorityKeyIdentifierExtension(root.publicKey)],
  }, root, privateKey);
}
