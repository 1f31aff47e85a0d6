import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseCertificate, type Certificate } from '@signet/core';
import type { TrustedRoot, TransparencyLogInstance, CertificateAuthority, ValidityPeriod } from '@signet/bundle';
import { VerificationError } from './errors.js';

/** A validity window from the trusted root; `end` absent means "still valid". */
export interface ValidityWindow {
  readonly start: Date;
  readonly end?: Date | undefined;
}

/** A transparency log or CT log key. */
export interface LogKey {
  readonly baseUrl: string;
  /** Rekor v1 log ID / CT log ID: SHA-256 of the key's SPKI, as published in the trusted root. */
  readonly logId: Buffer;
  /** C2SP checkpoint key ID (Rekor v2), when the trusted root names one. */
  readonly checkpointKeyId?: Buffer | undefined;
  readonly key: KeyObject;
  readonly spki: Buffer;
  readonly keyDetails: string;
  readonly validFor: ValidityWindow;
}

/** A CA or TSA: certificate chain (leaf/intermediates first, root last) and its validity window. */
export interface CertificateAuthorityTrust {
  readonly uri: string;
  readonly certificates: readonly Certificate[];
  readonly validFor: ValidityWindow;
}

/** Trust material in the form verification uses: keys imported, certificates parsed, once. */
export interface TrustMaterial {
  readonly tlogs: readonly LogKey[];
  readonly ctlogs: readonly LogKey[];
  readonly certificateAuthorities: readonly CertificateAuthorityTrust[];
  readonly timestampAuthorities: readonly CertificateAuthorityTrust[];
}

function window(v: ValidityPeriod, what: string): ValidityWindow {
  // A window without a start cannot be checked against a signing time: malformed trust material.
  if (!v || !(v.start instanceof Date) || Number.isNaN(v.start.getTime())) {
    throw new VerificationError('ERR_VERIFY_TRUST_MATERIAL', `${what} has no validity start`);
  }
  return { start: v.start, end: v.end };
}

function logKey(t: TransparencyLogInstance, what: string): LogKey {
  let key: KeyObject;
  try {
    // keyDetails PKCS1_* (deprecated, still in staging roots) carry a PKCS#1 RSAPublicKey, not an SPKI.
    const type = t.publicKey.keyDetails.startsWith('PKCS1_') ? 'pkcs1' : 'spki';
    key = createPublicKey({ key: t.publicKey.rawBytes, format: 'der', type });
  } catch (cause) {
    throw new VerificationError('ERR_VERIFY_TRUST_MATERIAL', `${what} has a malformed public key`, { cause });
  }
  return {
    baseUrl: t.baseUrl,
    logId: t.logId.keyId,
    checkpointKeyId: t.checkpointKeyId?.keyId,
    key,
    spki: t.publicKey.rawBytes,
    keyDetails: t.publicKey.keyDetails,
    validFor: window(t.publicKey.validFor, what),
  };
}

function authority(ca: CertificateAuthority, what: string): CertificateAuthorityTrust {
  let certificates: Certificate[];
  try {
    certificates = ca.certChain.certificates.map((der) => parseCertificate(der));
  } catch (cause) {
    throw new VerificationError('ERR_VERIFY_TRUST_MATERIAL', `${what} has a malformed certificate`, { cause });
  }
  return { uri: ca.uri, certificates, validFor: window(ca.validFor, what) };
}

/**
 * Imports a parsed trusted root once: keys become KeyObjects and certificates are parsed, so
 * that verifying many bundles never re-parses trust material.
 * @throws VerificationError `ERR_VERIFY_TRUST_MATERIAL`
 */
export function buildTrustMaterial(root: TrustedRoot): TrustMaterial {
  return {
    tlogs: root.tlogs.map((t, i) => logKey(t, `tlogs[${i}]`)),
    ctlogs: root.ctlogs.map((t, i) => logKey(t, `ctlogs[${i}]`)),
    // Authorities without certificates can vouch for nothing: they are left out, so that their
    // validity windows can never be borrowed by another authority's signature.
    certificateAuthorities: root.certificateAuthorities.flatMap((c, i) => (c.certChain.certificates.length ? [authority(c, `certificateAuthorities[${i}]`)] : [])),
    timestampAuthorities: root.timestampAuthorities.flatMap((c, i) => (c.certChain.certificates.length ? [authority(c, `timestampAuthorities[${i}]`)] : [])),
  };
}

/** True when `time` lies inside the window (inclusive start, inclusive end). */
export function isWithin(window: ValidityWindow, time: Date): boolean {
  const t = time.getTime();
  return t >= window.start.getTime() && (window.end === undefined || t <= window.end.getTime());
}
