/** Object identifiers a TSA reads and writes. */
export const OIDS = {
  // CMS (RFC 5652 §5, §11) and RFC 3161 §2.4.2
  signedData: '1.2.840.113549.1.7.2',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  // ESS signing-certificate-v2 (RFC 5035 §3, RFC 5816)
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  // hashes (RFC 5754 §2)
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
  // signatures (RFC 5758 §3.2, RFC 4055 §5)
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ecdsaWithSHA512: '1.2.840.10045.4.3.4',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  sha384WithRSAEncryption: '1.2.840.113549.1.1.12',
  sha512WithRSAEncryption: '1.2.840.113549.1.1.13',
  // X.509 (RFC 5280)
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  /** The TSA policy Sigstore's timestamp-authority issues under. */
  sigstoreTimestampPolicy: '1.3.6.1.4.1.57264.2',
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
