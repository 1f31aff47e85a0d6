import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import { encodeName, encodeTBSCertificate, certificateSignatureAlgorithm, signTBSCertificate, OID } from '@signet/core';

/*
 * X.509 v3 certificate issuance (RFC 5280 §4.1) for keys held in memory: enough for a TSA's own
 * root and leaf. The encoding is core's certificate builder; this module keeps the TSA package's
 * public names for it.
 */

export {
  encodeExtension as extension, basicConstraintsExtension, keyUsageExtension, extKeyUsageExtension, keyIdentifier, subjectKeyIdentifierExtension,
  authorityKeyIdentifierExtension, randomSerialNumber,
} from '@signet/core';

/** Key types Signet generates for its services. */
export type GeneratedKeyType = 'ecdsa-p256' | 'ecdsa-p384' | 'rsa-3072';

/** Generates a fresh key pair. */
export function generateKeyPair(type: GeneratedKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  switch (type) {
    case 'ecdsa-p256':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'ecdsa-p384':
      return generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    case 'rsa-3072':
      return generateKeyPairSync('rsa', { modulusLength: 3072 });
    default:
      throw new RangeError(`key type must be ecdsa-p256, ecdsa-p384 or rsa-3072, not ${String(type)}`);
  }
}

/** Name ::= RDNSequence of O then CN, as UTF8String (RFC 5280 §4.1.2.4). Empty parts are left out. */
export function distinguishedName(name: { organization?: string; commonName?: string }): Buffer {
  return encodeName([
    ...(name.organization ? [{ type: OID.organization, value: name.organization }] : []),
    ...(name.commonName ? [{ type: OID.commonName, value: name.commonName }] : []),
  ]);
}

/** What a certificate says, apart from its issuer. */
export interface CertificateTemplate {
  /** Serial magnitude (positive). */
  serialNumber: Buffer;
  /** DER Name. */
  subject: Buffer;
  /** The subject's key (public, or private: its public half is used). */
  subjectKey: KeyObject;
  notBefore: Date;
  notAfter: Date;
  /** Encoded Extension TLVs, in order. */
  extensions: readonly Buffer[];
}

/**
 * Issues a v3 certificate: TBSCertificate (RFC 5280 §4.1.2) signed by `issuerKey` on behalf
 * of `issuerName`. Self-signed when `issuerName` is the subject and `issuerKey` its key.
 */
export function issueCertificate(template: CertificateTemplate, issuerName: Buffer, issuerKey: KeyObject): Buffer {
  const subjectKey = template.subjectKey.type === 'private' ? createPublicKey(template.subjectKey) : template.subjectKey;
  const tbs = encodeTBSCertificate({
    serialNumber: template.serialNumber,
    signatureAlgorithm: certificateSignatureAlgorithm(issuerKey).algorithmIdentifier,
    issuer: issuerName,
    notBefore: template.notBefore,
    notAfter: template.notAfter,
    subject: template.subject,
    subjectPublicKeyInfo: subjectKey.export({ format: 'der', type: 'spki' }),
    extensions: template.extensions,
  });
  return signTBSCertificate(tbs, issuerKey);
}
