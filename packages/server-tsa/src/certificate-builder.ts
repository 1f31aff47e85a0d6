import { createHash, createPublicKey, generateKeyPairSync, randomBytes as cryptoRandomBytes, type KeyObject } from 'node:crypto';
import { derSequence, derValue, describeKey, expectTag, parseDer, signMessage, DerTag, type HashName } from '@signet/core';
import {
  algorithm, algorithmWithNull, bitString, boolean, choiceOfTime, explicit, implicitPrimitive, octetString, oid, sequence, setOf,
  smallInteger, unsignedInteger, utf8String,
} from './der-writer.js';
import { OIDS } from './oids.js';

/*
 * X.509 v3 certificate issuance (RFC 5280 §4.1) for keys held in memory: enough for a TSA's own
 * root and leaf. Nothing here is TSA-specific; a CA can issue with it the same way.
 */

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
  const rdn = (type: string, value: string) => setOf(sequence(oid(type), utf8String(value)));
  return sequence(
    ...(name.organization ? [rdn(OIDS.organization, name.organization)] : []),
    ...(name.commonName ? [rdn(OIDS.commonName, name.commonName)] : []),
  );
}

/** Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1). */
export function extension(dotted: string, critical: boolean, value: Uint8Array): Buffer {
  return critical ? sequence(oid(dotted), boolean(true), octetString(value)) : sequence(oid(dotted), octetString(value));
}

/** BasicConstraints (RFC 5280 §4.2.1.9), critical. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Buffer {
  return extension(OIDS.basicConstraints, true, sequence(...(ca ? [boolean(true), ...(pathLength === undefined ? [] : [smallInteger(pathLength)])] : [])));
}

const KEY_USAGE_BIT = { digitalSignature: 0, nonRepudiation: 1, keyEncipherment: 2, keyCertSign: 5, cRLSign: 6 } as const;

/** KeyUsage (RFC 5280 §4.2.1.3), critical, as a DER named-bit BIT STRING. */
export function keyUsageExtension(usages: readonly (keyof typeof KEY_USAGE_BIT)[]): Buffer {
  const bits = usages.map((u) => KEY_USAGE_BIT[u]);
  const highest = Math.max(...bits);
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  return extension(OIDS.keyUsage, true, bitString(Buffer.of(byte), 7 - highest));
}

/** ExtKeyUsage (RFC 5280 §4.2.1.12). */
export function extKeyUsageExtension(purposes: readonly string[], critical: boolean): Buffer {
  return extension(OIDS.extKeyUsage, critical, sequence(...purposes.map(oid)));
}

/** The subjectPublicKey bits of a key (the content of the SPKI BIT STRING, without the unused-bits octet). */
function subjectPublicKeyBits(key: KeyObject): Buffer {
  const spki = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  const [, bits] = derSequence(parseDer(spki), 'SubjectPublicKeyInfo');
  if (!bits) throw new TypeError('SubjectPublicKeyInfo without a key');
  return derValue(expectTag(bits, DerTag.BIT_STRING, 'subjectPublicKey')).subarray(1);
}

/** Key identifier by RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(key: KeyObject): Buffer {
  return createHash('sha1').update(subjectPublicKeyBits(key)).digest();
}

export function subjectKeyIdentifierExtension(key: KeyObject): Buffer {
  return extension(OIDS.subjectKeyIdentifier, false, octetString(keyIdentifier(key)));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier } (RFC 5280 §4.2.1.1). */
export function authorityKeyIdentifierExtension(issuerKey: KeyObject): Buffer {
  return extension(OIDS.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, keyIdentifier(issuerKey))));
}

/** The signature algorithm and hash an issuer key signs certificates with (RFC 5758 §3.2, RFC 4055 §5). */
function signatureScheme(issuerKey: KeyObject): { algorithmId: Buffer; hash: HashName } {
  const d = describeKey(issuerKey);
  switch (d.algorithm) {
    case 'ecdsa-p256':
      return { algorithmId: algorithm(OIDS.ecdsaWithSHA256), hash: 'sha256' };
    case 'ecdsa-p384':
      return { algorithmId: algorithm(OIDS.ecdsaWithSHA384), hash: 'sha384' };
    case 'ecdsa-p521':
      return { algorithmId: algorithm(OIDS.ecdsaWithSHA512), hash: 'sha512' };
    case 'rsa':
      if (issuerKey.asymmetricKeyType !== 'rsa') break;
      return { algorithmId: algorithmWithNull(OIDS.sha256WithRSAEncryption), hash: 'sha256' };
    default:
      break;
  }
  throw new RangeError(`certificates are signed with ECDSA or RSA keys, not ${d.algorithm}`);
}

/** A random positive serial of 20 octets (RFC 5280 §4.1.2.2 allows at most 20). */
export function randomSerialNumber(randomBytes: (n: number) => Buffer = cryptoRandomBytes): Buffer {
  const serial = Buffer.from(randomBytes(20));
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  return serial;
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
  const { algorithmId, hash } = signatureScheme(issuerKey);
  const spki = (template.subjectKey.type === 'private' ? createPublicKey(template.subjectKey) : template.subjectKey).export({ format: 'der', type: 'spki' });
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(template.serialNumber),
    algorithmId,
    issuerName,
    sequence(choiceOfTime(template.notBefore), choiceOfTime(template.notAfter)),
    template.subject,
    spki,
    ...(template.extensions.length > 0 ? [explicit(3, sequence(...template.extensions))] : []),
  );
  return sequence(tbs, algorithmId, bitString(signMessage(issuerKey, tbs, { hash, rsaPadding: 'pkcs1' })));
}
