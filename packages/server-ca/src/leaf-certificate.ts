import { DerTag } from '@signet/core';
import {
  bitString, contextConstructed, contextPrimitive, extension, nullValue, octetString, oid, sequence, smallInteger, tlv, unsignedInteger,
  utf8String, x509Time,
} from './der-writer.js';
import type { Principal, SubjectAltName } from './identity.js';
import { keyIdentifier } from './signer.js';

/*
 * The leaf profile (Fulcio's, fulcio docs/certificate-specification.md; RFC 5280): v3, random
 * serial, empty subject, the identity in exactly one critical SAN, KeyUsage digitalSignature
 * (critical), EKU codeSigning, SKI/AKI, the Fulcio extensions; the precertificate carries the CT
 * poison (RFC 6962 §3.1) as its last extension, the final certificate the SCT list in its place,
 * so that removing either gives the same TBSCertificate.
 */

export const OIDS = {
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  subjectAltName: '2.5.29.17',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  usernameSan: '1.3.6.1.4.1.57264.1.7',
} as const;

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

function generalName(san: SubjectAltName): Buffer {
  switch (san.type) {
    case 'email':
      return contextPrimitive(1, Buffer.from(san.value, 'utf8'));
    case 'uri':
      return contextPrimitive(6, Buffer.from(san.value, 'utf8'));
    case 'username':
      // otherName [0] { type-id, [0] EXPLICIT UTF8String } (RFC 5280 §4.2.1.6)
      return contextConstructed(0, oid(OIDS.usernameSan), contextConstructed(0, utf8String(san.value)));
  }
}

/** The extensions common to the precertificate and the final certificate, in order. */
export function leafExtensions(t: LeafTemplate): Buffer[] {
  return [
    KEY_USAGE_EXTENSION,
    EKU_EXTENSION,
    extension(OIDS.subjectKeyIdentifier, false, octetString(keyIdentifier(t.subjectSpki))),
    authorityKeyIdentifierExtension(t.issuerSpki),
    // RFC 5280 §4.2.1.6: with an empty subject, the SAN extension is critical.
    extension(OIDS.subjectAltName, true, sequence(generalName(t.principal.san))),
    ...t.principal.extensions.map((e) => extension(e.oid, false, e.raw ? Buffer.from(e.value, 'utf8') : utf8String(e.value))),
  ];
}

// The same for every leaf (of one issuer): built once.
const KEY_USAGE_EXTENSION = extension(OIDS.keyUsage, true, bitString(Buffer.of(0x80), 7));
const EKU_EXTENSION = extension(OIDS.extKeyUsage, false, sequence(oid(OIDS.codeSigning)));
const akiByIssuer = new WeakMap<Buffer, Buffer>();

function authorityKeyIdentifierExtension(issuerSpki: Buffer): Buffer {
  let ext = akiByIssuer.get(issuerSpki);
  if (!ext) {
    ext = extension(OIDS.authorityKeyIdentifier, false, sequence(contextPrimitive(0, keyIdentifier(issuerSpki))));
    akiByIssuer.set(issuerSpki, ext);
  }
  return ext;
}

/** TBSCertificate (RFC 5280 §4.1.2) with the common extensions plus `last`. */
export function leafTBS(t: LeafTemplate, common: readonly Buffer[], last: Buffer | undefined): Buffer {
  return sequence(
    contextConstructed(0, smallInteger(2)),
    unsignedInteger(t.serial),
    t.signatureAlgorithm,
    t.issuerName,
    sequence(x509Time(t.notBefore), x509Time(t.notAfter)),
    sequence(),
    t.subjectSpki,
    contextConstructed(3, sequence(...common, ...(last ? [last] : []))),
  );
}

/** The CT poison extension: critical, value NULL (RFC 6962 §3.1). */
export function poisonExtension(): Buffer {
  return extension(OIDS.ctPoison, true, nullValue());
}

/** The SCT list extension: an OCTET STRING holding the TLS-encoded list (RFC 6962 §3.3). */
export function sctListExtension(scts: readonly Buffer[]): Buffer {
  const items = Buffer.concat(scts.map((s) => Buffer.concat([u16(s.length), s])));
  return extension(OIDS.sctList, false, tlv(DerTag.OCTET_STRING, u16(items.length), items));
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
