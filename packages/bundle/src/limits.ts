const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * Hard caps on untrusted input. Real Sigstore documents are far below every one of them
 * (a public-good bundle is ~5–10 KiB); the caps only bound the work an attacker can cause.
 * Each breach raises `ERR_BUNDLE_LIMIT` naming the JSON path. Keep in step with README.md.
 */
export const BUNDLE_LIMITS = Object.freeze({
  /** Whole document, checked on the string/bytes before `JSON.parse`. */
  maxInputBytes: 16 * MiB,
  /** `verificationMaterial.tlogEntries`. */
  maxTlogEntries: 32,
  /** `verificationMaterial.timestampVerificationData.rfc3161Timestamps`. */
  maxRFC3161Timestamps: 32,
  /** Each RFC 3161 signed timestamp (DER). */
  maxRFC3161TimestampBytes: 64 * KiB,
  /** Certificates in one chain (bundle `x509CertificateChain`, trust-root `certChain`). */
  maxChainCertificates: 10,
  /** Each DER certificate. */
  maxCertificateBytes: 64 * KiB,
  /** `inclusionProof.hashes`: 64 covers any tree of up to 2^64 leaves. */
  maxProofHashes: 64,
  /** Each Merkle hash (`rootHash`, proof hashes): SHA-512 is the largest algorithm allowed. */
  maxHashBytes: 64,
  /** `checkpoint.envelope` (UTF-16 code units). */
  maxCheckpointChars: 64 * KiB,
  /** `canonicalizedBody`. */
  maxCanonicalizedBodyBytes: 8 * MiB,
  /** DSSE `payload`: bounded by the whole-input cap only. */
  maxDSSEPayloadBytes: 16 * MiB,
  /** DSSE `signatures` (the bundle then requires exactly one). */
  maxDSSESignatures: 32,
  /** Signatures, digests, SETs, key ids, public keys: small binary values. */
  maxSmallBytes: 16 * KiB,
  /** Short strings: media types, kinds, versions, URLs, key hints, names. */
  maxShortStringChars: 4 * KiB,
  /** DSSE `payloadType`. */
  maxPayloadTypeChars: 4 * KiB,
  /** Entries of each kind in a trusted root (tlogs, CAs, CT logs, TSAs) or signing config list. */
  maxTrustEntries: 100,
});
