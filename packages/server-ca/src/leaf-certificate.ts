import {
  authorityKeyIdentifierExtension, encodeExtension, encodeNull, encodeOctetString, encodeSCTList, encodeTBSCertificate, encodeUtf8String,
  extKeyUsageExtension, keyUsageExtension, subjectAltNameExtension, subjectKeyIdentifierExtension, OID, type WritableGeneralName,
} from '@signet/core';
import type { Principal, SubjectAltName } from './identity.js';

/*
 * The leaf profile (Fulcio's, fulcio docs/certificate-specification.md; RFC 5280): v3, random
 * serial, empty subject, the identity in exactly one critical SAN, KeyUsage digitalSignature
 * (critical), EKU codeSigning, SKI/AKI, the Fulcio extensions; the precertificate carries the CT
 * poison (RFC 6962 §3.1) as its last extension, the final certificate the SCT list in its place,
 * so that removing either gives the same TBSCertificate.
 */

/** Fulcio's otherName type for a username SAN (fulcio docs/oid-info.md). */
const USERNAME_SAN_OID = '1.3.6.1.4.1.57264.1.7';

/** Everything of a leaf but its last extension. */
export interface LeafTemplate {
  serial: Buffer;
  signatureAlgorithm: Buffer;
  issuerName: Buffer;
  issuerSpki: Buffer;
  notBefore: Date;
  notAfter: Date;
  subjectSpki: Buffer;
  principal: Principal;
}

function generalName(san: SubjectAltName): WritableGeneralName {
  switch (san.type) {
    case 'email':
      return { type: 'email', value: san.value };
    case 'uri':
      return { type: 'uri', value: san.value };
    case 'username':
      return { type: 'otherName', oid: USERNAME_SAN_OID, value: san.value };
  }
}

/** The extensions common to the precertificate and the final certificate, in order. */
export function leafExtensions(t: LeafTemplate): Buffer[] {
  return [
    KEY_USAGE_EXTENSION,
    EKU_EXTENSION,
    subjectKeyIdentifierExtension(t.subjectSpki),
    authorityKeyIdentifier(t.issuerSpki),
    // RFC 5280 §4.2.1.6: with an empty subject, the SAN extension is critical.
    subjectAltNameExtension([generalName(t.principal.san)], true),
    ...t.principal.extensions.map((e) => encodeExtension(e.oid, false, e.raw ? Buffer.from(e.value, 'utf8') : encodeUtf8String(e.value))),
  ];
}

// The same for every leaf (of one issuer): built once.
const KEY_USAGE_EXTENSION = keyUsageExtension(['digitalSignature']);
const EKU_EXTENSION = extKeyUsageExtension([OID.codeSigning], false);
const akiByIssuer = new WeakMap<Buffer, Buffer>();

function authorityKeyIdentifier(issuerSpki: Buffer): Buffer {
  let ext = akiByIssuer.get(issuerSpki);
  if (!ext) {
    ext = authorityKeyIdentifierExtension(issuerSpki);
    akiByIssuer.set(issuerSpki, ext);
  }
  return ext;
}

/** TBSCertificate (RFC 5280 §4.1.2) with an empty subject, the common extensions plus `last`. */
export function leafTBS(t: LeafTemplate, common: readonly Buffer[], last: Buffer | undefined): Buffer {
  return encodeTBSCertificate({
    serialNumber: t.serial,
    signatureAlgorithm: t.signatureAlgorithm,
    issuer: t.issuerName,
    notBefore: t.notBefore,
    notAfter: t.notAfter,
    subject: EMPTY_NAME,
    subjectPublicKeyInfo: t.subjectSpki,
    extensions: last ? [...common, last] : common,
  });
}

const EMPTY_NAME = Buffer.of(0x30, 0x00);

/** The CT poison extension: critical, value NULL (RFC 6962 §3.1). */
export function poisonExtension(): Buffer {
  return encodeExtension(OID.ctPoison, true, encodeNull());
}

/** The SCT list extension: an OCTET STRING holding the TLS-encoded list (RFC 6962 §3.3). */
export function sctListExtension(scts: readonly Buffer[]): Buffer {
  return encodeExtension(OID.sctList, false, encodeOctetString(encodeSCTList(scts)));
}
