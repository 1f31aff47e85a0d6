/**
 * `@signet/bundle`: strict parse and serialize of Sigstore bundles (v0.1–v0.3),
 * `trusted_root.json` and `signing_config.json` v0.2, in the protobuf-specs proto3 JSON mapping.
 * No I/O. Every failure is a `BundleError` with a stable code and the JSON path at fault.
 */
export { BundleError, type BundleErrorCode } from './errors.js';
export { BUNDLE_LIMITS } from './limits.js';
export {
  parseBundle,
  bundleVersionOf,
  HASH_ALGORITHMS,
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  type HashAlgorithm,
  type LogId,
  type KindVersion,
  type InclusionPromise,
  type Checkpoint,
  type InclusionProof,
  type TransparencyLogEntry,
  type MessageDigest,
  type MessageSignature,
  type Signature,
  type Envelope,
  type BundleContent,
  type VerificationMaterialContent,
  type TimestampVerificationData,
  type VerificationMaterial,
  type BundleVersion,
  type Bundle,
} from './bundle.js';
export {
  serializeBundle,
  type BundleJSON,
  type VerificationMaterialJSON,
  type TransparencyLogEntryJSON,
  type InclusionProofJSON,
  type LogIdJSON,
  type MessageSignatureJSON,
  type EnvelopeJSON,
} from './serialize.js';
export type { ValidityPeriod, ValidityPeriodJSON } from './validity.js';
export {
  parseTrustedRoot,
  serializeTrustedRoot,
  TRUSTED_ROOT_MEDIA_TYPES,
  TRUSTED_ROOT_V01_MEDIA_TYPE,
  type PublicKey,
  type TransparencyLogInstance,
  type DistinguishedName,
  type CertificateAuthority,
  type TrustedRoot,
  type TrustedRootJSON,
  type TransparencyLogInstanceJSON,
  type CertificateAuthorityJSON,
} from './trusted-root.js';
export {
  parseSigningConfig,
  serializeSigningConfig,
  SIGNING_CONFIG_V02_MEDIA_TYPE,
  type Service,
  type ServiceSelector,
  type ServiceConfiguration,
  type SigningConfig,
  type SigningConfigJSON,
  type ServiceJSON,
  type ServiceConfigurationJSON,
} from './signing-config.js';
