/**
 * Object identifiers Signet reads or writes in more than one package, by the name their RFC
 * gives them. Component-specific OIDs (Fulcio's claim extensions, a service's own policy
 * defaults) stay with their component.
 */
export const OID = {
  // X.509 attribute types (RFC 5280 §4.1.2.4, X.520)
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  // X.509 extensions (RFC 5280 §4.2.1)
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  // extended key usages (RFC 5280 §4.2.1.12)
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  // certificate transparency (RFC 6962 §3.1, §3.3)
  sctList: '1.3.6.1.4.1.11129.2.4.2',
  ctPoison: '1.3.6.1.4.1.11129.2.4.3',
  // public keys (RFC 5480 §2.1.1, RFC 8017 A.1, RFC 8410 §3)
  ecPublicKey: '1.2.840.10045.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ed25519: '1.3.101.112',
  // hashes (RFC 5754 §2; SHA-1 only to recognise and refuse it)
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
  // CMS (RFC 5652 §5, §11) and RFC 3161 §2.4.2
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  tstInfo: '1.2.840.113549.1.9.16.1.4',
  // ESS signing-certificate (RFC 2634 §5.4) and -v2 (RFC 5035 §3, RFC 5816)
  signingCertificate: '1.2.840.113549.1.9.16.2.12',
  signingCertificateV2: '1.2.840.113549.1.9.16.2.47',
  /** The TSA policy Sigstore's timestamp-authority issues under. */
  sigstoreTimestampPolicy: '1.3.6.1.4.1.57264.2',
} as const;
