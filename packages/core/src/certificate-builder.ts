import { createHash, createPublicKey, randomBytes as cryptoRandomBytes, type KeyObject } from 'node:crypto';
import { DerTag, derSequence, derValue, expectTag, parseDer } from './der.js';
import {
  encodeAlgorithmIdentifier, encodeBitString, encodeBoolean, encodeExplicit, encodeImplicit, encodeInteger, encodeNamedBitString, encodeNull,
  encodeOctetString, encodeOid, encodeSequence, encodeSetOf, encodeTime, encodeUnsignedInteger, encodeUtf8String,
} from './der-writer.js';
import { describeKey, signMessage, type HashName } from './keys.js';
import { OID } from './oids.js';
import { KEY_USAGE_BITS, type KeyUsageName } from './x509.js';

/*
 * The parts of X.509 v3 issuance (RFC 5280 §4.1) every Signet issuer shares: names, the standard
 * extensions, TBSCertificate assembly and signing. Profiles (which extensions a Fulcio leaf, a TSA
 * certificate or a test CA carries) stay with their component.
 */

/** One attribute of a Name: a string (written as UTF8String) or an already-encoded DER string. */
export interface NameAttribute {
  /** Attribute type OID, e.g. {@link OID}.commonName. */
  readonly type: string;
  readonly value: string | Uint8Array;
}

/** Name ::= RDNSequence of single-valued RDNs, in the given order (RFC 5280 §4.1.2.4). */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return encodeSequence(
    ...attributes.map((a) => encodeSetOf(encodeSequence(encodeOid(a.type), typeof a.value === 'string' ? encodeUtf8String(a.value) : a.value))),
  );
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (RFC 5280 §4.1); DER omits a FALSE default. */
export function encodeExtension(oid: string, critical: boolean, value: Uint8Array): Buffer {
  return critical
    ? encodeSequence(encodeOid(oid), encodeBoolean(true), encodeOctetString(value))
    : encodeSequence(encodeOid(oid), encodeOctetString(value));
}

/** BasicConstraints (RFC 5280 §4.2.1.9), critical; `pathLength` only for a CA. */
export function basicConstraintsExtension(ca: boolean, pathLength?: number): Buffer {
  const fields = ca ? [encodeBoolean(true), ...(pathLength === undefined ? [] : [encodeInteger(pathLength)])] : [];
  return encodeExtension(OID.basicConstraints, true, encodeSequence(...fields));
}

/** KeyUsage (RFC 5280 §4.2.1.3), critical, as a DER named-bit BIT STRING. */
export function keyUsageExtension(usages: readonly KeyUsageName[]): Buffer {
  return encodeExtension(OID.keyUsage, true, encodeNamedBitString(usages.map((u) => KEY_USAGE_BITS.indexOf(u))));
}

/** ExtKeyUsage (RFC 5280 §4.2.1.12): the purposes' OIDs, in order. */
export function extKeyUsageExtension(purposes: readonly string[], critical: boolean): Buffer {
  return encodeExtension(OID.extKeyUsage, critical, encodeSequence(...purposes.map((p) => encodeOid(p))));
}

function spkiOf(key: KeyObject | Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array)) return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'der', type: 'spki' });
  return key;
}

/**
 * Key identifier by RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value
 * (without its unused-bits octet). `key` is a KeyObject (a private key stands for its public half)
 * or SubjectPublicKeyInfo DER.
 * @throws CoreError `ERR_CORE_DER` for SPKI bytes that do not parse
 */
export function keyIdentifier(key: KeyObject | Uint8Array): Buffer {
  const [, bits] = derSequence(parseDer(spkiOf(key)), 'SubjectPublicKeyInfo');
  if (!bits) throw new TypeError('SubjectPublicKeyInfo without a key');
  return createHash('sha1').update(derValue(expectTag(bits, DerTag.BIT_STRING, 'subjectPublicKey')).subarray(1)).digest();
}

/** SubjectKeyIdentifier (RFC 5280 §4.2.1.2), not critical. */
export function subjectKeyIdentifierExtension(key: KeyObject | Uint8Array): Buffer {
  return encodeExtension(OID.subjectKeyIdentifier, false, encodeOctetString(keyIdentifier(key)));
}

/** AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT KeyIdentifier } (RFC 5280 §4.2.1.1), not critical. */
export function authorityKeyIdentifierExtension(issuerKey: KeyObject | Uint8Array): Buffer {
  return encodeExtension(OID.authorityKeyIdentifier, false, encodeSequence(encodeImplicit(0, keyIdentifier(issuerKey))));
}

/** A GeneralName Signet writes (RFC 5280 §4.2.1.6); otherName values are UTF8String. */
export type WritableGeneralName =
  | { type: 'email'; value: string }
  | { type: 'dns'; value: string }
  | { type: 'uri'; value: string }
  | { type: 'otherName'; oid: string; value: string };

/** One GeneralName (RFC 5280 §4.2.1.6): IA5 names as `[1]`/`[2]`/`[6]` IMPLICIT, otherName as `[0] { type-id, [0] EXPLICIT UTF8String }`. */
export function encodeGeneralName(name: WritableGeneralName): Buffer {
  switch (name.type) {
    case 'email':
      return encodeImplicit(1, Buffer.from(name.value, 'utf8'));
    case 'dns':
      return encodeImplicit(2, Buffer.from(name.value, 'utf8'));
    case 'uri':
      return encodeImplicit(6, Buffer.from(name.value, 'utf8'));
    case 'otherName':
      return encodeExplicit(0, encodeOid(name.oid), encodeExplicit(0, encodeUtf8String(name.value)));
  }
}

/** SubjectAltName (RFC 5280 §4.2.1.6); it must be critical when the subject is empty. */
export function subjectAltNameExtension(names: readonly WritableGeneralName[], critical: boolean): Buffer {
  return encodeExtension(OID.subjectAltName, critical, encodeSequence(...names.map(encodeGeneralName)));
}

/** A random positive 20-octet serial magnitude (RFC 5280 §4.1.2.2 allows at most 20 octets): the top bits 01 keep it positive and minimal. */
export function randomSerialNumber(randomBytes: (n: number) => Buffer = cryptoRandomBytes): Buffer {
  const serial = Buffer.from(randomBytes(20));
  serial[0] = ((serial[0] as number) & 0x3f) | 0x40;
  return serial;
}

/** How a key signs certificates: the AlgorithmIdentifier and the hash (none for Ed25519). */
export interface CertificateSignatureAlgorithm {
  /** AlgorithmIdentifier DER, for TBSCertificate.signature and Certificate.signatureAlgorithm. */
  readonly algorithmIdentifier: Buffer;
  readonly hash: HashName | undefined;
}

/**
 * The certificate signature algorithm of an issuer key: ECDSA with SHA-256/384/512 by curve
 * (RFC 5758 §3.2), RSA PKCS#1 v1.5 with SHA-256 and NULL parameters (RFC 4055 §5), Ed25519
 * (RFC 8410 §3).
 * @throws CoreError `ERR_CORE_KEY_UNSUPPORTED`; RangeError for an RSA-PSS key
 */
export function certificateSignatureAlgorithm(issuerKey: KeyObject): CertificateSignatureAlgorithm {
  const algorithm = describeKey(issuerKey).algorithm;
  switch (algorithm) {
    case 'ecdsa-p256':
      return { algorithmIdentifier: encodeAlgorithmIdentifier(OID.ecdsaWithSHA256), hash: 'sha256' };
    case 'ecdsa-p384':
      return { algorithmIdentifier: encodeAlgorithmIdentifier(OID.ecdsaWithSHA384), hash: 'sha384' };
    case 'ecdsa-p521':
      return { algorithmIdentifier: encodeAlgorithmIdentifier(OID.ecdsaWithSHA512), hash: 'sha512' };
    case 'ed25519':
      return { algorithmIdentifier: encodeAlgorithmIdentifier(OID.ed25519), hash: undefined };
    case 'rsa':
      if (issuerKey.asymmetricKeyType !== 'rsa') throw new RangeError('certificates are signed with RSA PKCS#1 v1.5 keys, not RSA-PSS');
      return { algorithmIdentifier: encodeAlgorithmIdentifier(OID.sha256WithRSAEncryption, encodeNull()), hash: 'sha256' };
  }
}

/** The fields of a TBSCertificate (RFC 5280 §4.1.2), version 3. */
export interface TBSCertificateFields {
  /** Serial number magnitude (positive, at most 20 octets). */
  readonly serialNumber: Uint8Array;
  /** AlgorithmIdentifier DER of the issuer's signature. */
  readonly signatureAlgorithm: Uint8Array;
  /** DER Name of the issuer. */
  readonly issuer: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER Name of the subject (an empty SEQUENCE for Fulcio leaves). */
  readonly subject: Uint8Array;
  /** SubjectPublicKeyInfo DER. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Encoded Extension TLVs, in order; none means no `[3]` field (Extensions is SIZE (1..MAX)). */
  readonly extensions: readonly Uint8Array[];
}

/** TBSCertificate (RFC 5280 §4.1.2), v3, times per §4.1.2.5 in whole seconds. */
export function encodeTBSCertificate(f: TBSCertificateFields): Buffer {
  return encodeSequence(
    encodeExplicit(0, encodeInteger(2)), // version v3
    encodeUnsignedInteger(f.serialNumber),
    f.signatureAlgorithm,
    f.issuer,
    encodeSequence(encodeTime(f.notBefore), encodeTime(f.notAfter)),
    f.subject,
    f.subjectPublicKeyInfo,
    ...(f.extensions.length > 0 ? [encodeExplicit(3, encodeSequence(...f.extensions))] : []),
  );
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING } (RFC 5280 §4.1.1). */
export function encodeCertificate(tbs: Uint8Array, signatureAlgorithm: Uint8Array, signatureValue: Uint8Array): Buffer {
  return encodeSequence(tbs, signatureAlgorithm, encodeBitString(signatureValue));
}

/**
 * Signs a TBSCertificate with an in-memory issuer key and returns the Certificate DER. The TBS
 * must name the same algorithm ({@link certificateSignatureAlgorithm} of `issuerKey`).
 * @throws CoreError `ERR_CORE_KEY_UNSUPPORTED`; RangeError for an RSA-PSS key
 */
export function signTBSCertificate(tbs: Uint8Array, issuerKey: KeyObject): Buffer {
  const { algorithmIdentifier, hash } = certificateSignatureAlgorithm(issuerKey);
  return encodeCertificate(tbs, algorithmIdentifier, signMessage(issuerKey, tbs, { ...(hash ? { hash } : {}), rsaPadding: 'pkcs1' }));
}
