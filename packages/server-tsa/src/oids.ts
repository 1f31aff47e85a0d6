import { OID } from '@signet/core';

/** Object identifiers a TSA reads and writes (the names of `TIMESTAMP_OIDS`; values from core's `OID`). */
export const OIDS = {
  // CMS (RFC 5652 §5, §11) and RFC 3161 §2.4.2
  signedData: OID.signedData,
  tstInfo: OID.tstInfo,
  contentType: OID.contentType,
  messageDigest: OID.messageDigest,
  signingTime: OID.signingTime,
  // ESS signing-certificate-v2 (RFC 5035 §3, RFC 5816)
  signingCertificateV2: OID.signingCertificateV2,
  // hashes (RFC 5754 §2)
  sha1: OID.sha1,
  sha256: OID.sha256,
  sha384: OID.sha384,
  sha512: OID.sha512,
  // signatures (RFC 5758 §3.2, RFC 4055 §5)
  ecdsaWithSHA256: OID.ecdsaWithSHA256,
  ecdsaWithSHA384: OID.ecdsaWithSHA384,
  ecdsaWithSHA512: OID.ecdsaWithSHA512,
  sha256WithRSAEncryption: OID.sha256WithRSAEncryption,
  sha384WithRSAEncryption: OID.sha384WithRSAEncryption,
  sha512WithRSAEncryption: OID.sha512WithRSAEncryption,
  // X.509 (RFC 5280)
  organization: OID.organization,
  commonName: OID.commonName,
  basicConstraints: OID.basicConstraints,
  keyUsage: OID.keyUsage,
  extKeyUsage: OID.extKeyUsage,
  subjectKeyIdentifier: OID.subjectKeyIdentifier,
  authorityKeyIdentifier: OID.authorityKeyIdentifier,
  timeStamping: OID.timeStamping,
  /** The TSA policy Sigstore's timestamp-authority issues under. */
  sigstoreTimestampPolicy: OID.sigstoreTimestampPolicy,
} as const;

/** Hashes a TSA accepts in a messageImprint and signs with (SHA-1 and MD5 are refused). */
export type TimestampHash = 'sha256' | 'sha384' | 'sha512';

export const HASH_BY_OID: Readonly<Record<string, TimestampHash>> = {
  [OIDS.sha256]: 'sha256',
  [OIDS.sha384]: 'sha384',
  [OIDS.sha512]: 'sha512',
};

export const OID_BY_HASH: Readonly<Record<TimestampHash, string>> = {
  sha256: OIDS.sha256,
  sha384: OIDS.sha384,
  sha512: OIDS.sha512,
};

export const HASH_LENGTH: Readonly<Record<TimestampHash, number>> = { sha256: 32, sha384: 48, sha512: 64 };
