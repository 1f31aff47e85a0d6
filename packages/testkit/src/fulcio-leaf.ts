import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  authorityKeyIdentifierExtension, basicConstraintsExtension, encodeExtension, encodeOctetString, encodeSCTList, encodeUtf8String,
  extKeyUsageExtension, signTBSCertificate, subjectAltNameExtension, subjectKeyIdentifierExtension, OID,
} from '@signet/core';
import { buildTBSCertificate, emptyName, generateKey, keyUsage, randomSerial, type IssuedCertificate } from './certificates.js';
import type { TestCTLog } from './ct.js';

/** Fulcio's OIDC issuer extensions (fulcio docs/oid-info.md). */
const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';
const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';

/** How long a Fulcio leaf is valid (Fulcio issues 10-minute certificates). */
export const LEAF_VALIDITY_MS = 10 * 60 * 1000;

/** What a Fulcio-style leaf certificate says and who vouches for it. */
export interface LeafOptions {
  /** The issuing (intermediate) CA. */
  issuer: IssuedCertificate;
  /** The CT log that signs the embedded SCT. */
  ctLog: TestCTLog;
  /** SAN URI (critical, as Fulcio writes it for an empty subject). */
  san: string;
  /** OIDC issuer, written in 1.3.6.1.4.1.57264.1.1 (raw) and .1.8 (UTF8String). */
  oidcIssuer: string;
  /** Time inside the validity window; the window starts one minute before it. */
  signingTime: Date;
  /** Further Fulcio claims by dotted OID, written as DER UTF8String. */
  extensions?: Readonly<Record<string, string>> | undefined;
  /** The subject key; default: a fresh ECDSA P-256 key. */
  privateKey?: KeyObject | undefined;
  /**
   * Rewrites the TLS-encoded SCT list before it is embedded. The certificate is signed after
   * the rewrite, so its signature stays valid and only the SCT check can notice.
   */
  sctMutator?: ((sctList: Buffer) => Buffer) | undefined;
  /** Breaks the code-signing profile on purpose, for negative tests: a CA leaf, or no code-signing EKU. */
  profile?: 'fulcio' | 'ca' | 'no-code-signing' | undefined;
}

/**
 * Issues a Fulcio-style code-signing leaf with an embedded SCT: the precertificate TBS (the final
 * TBS without the SCT list, RFC 6962 §3.2) is signed by the CT log, the SCT list is appended as
 * the last extension, and the final TBS is signed by the issuer.
 */
export function issueLeaf(opts: LeafOptions): IssuedCertificate {
  const privateKey = opts.privateKey ?? generateKey('ecdsa-p256').privateKey;
  const publicKey = createPublicKey(privateKey);
  const notBefore = new Date(Math.floor(opts.signingTime.getTime() / 1000) * 1000 - 60_000);
  const profile = opts.profile ?? 'fulcio';
  const extensions = [
    keyUsage('digitalSignature'),
    ...(profile === 'ca' ? [basicConstraintsExtension(true)] : []),
    extKeyUsageExtension(profile === 'no-code-signing' ? [OID.emailProtection] : [OID.codeSigning], false),
    subjectKeyIdentifierExtension(publicKey),
    authorityKeyIdentifierExtension(opts.issuer.publicKey),
    subjectAltNameExtension([{ type: 'uri', value: opts.san }], true),
    // Fulcio oid-info.md: .1.1 holds the issuer's raw bytes (deprecated), .1.8 a DER UTF8String.
    encodeExtension(FULCIO_ISSUER_V1, false, Buffer.from(opts.oidcIssuer, 'utf8')),
    encodeExtension(FULCIO_ISSUER_V2, false, encodeUtf8String(opts.oidcIssuer)),
    ...Object.entries(opts.extensions ?? {}).map(([oid, value]) => encodeExtension(oid, false, encodeUtf8String(value))),
  ];
  const template = { serial: randomSerial(), subject: emptyName(), publicKey, notBefore, notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_MS), extensions };
  const issuerSpki = opts.issuer.publicKey.export({ format: 'der', type: 'spki' });
  const precertTBS = buildTBSCertificate(template, opts.issuer.subject, opts.issuer.privateKey);
  let sctList = encodeSCTList([opts.ctLog.signPrecertificate(precertTBS, issuerSpki, opts.signingTime)]);
  if (opts.sctMutator) sctList = opts.sctMutator(sctList);
  // RFC 6962 §3.3: the extension value is an OCTET STRING holding the TLS-encoded list.
  template.extensions = [...extensions, encodeExtension(OID.sctList, false, encodeOctetString(sctList))];
  const tbs = buildTBSCertificate(template, opts.issuer.subject, opts.issuer.privateKey);
  return { der: signTBSCertificate(tbs, opts.issuer.privateKey), privateKey, publicKey, subject: template.subject };
}
