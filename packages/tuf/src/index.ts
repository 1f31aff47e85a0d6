/**
 * `@signet/tuf`: a TUF 1.0 repository writer (root, targets, snapshot, timestamp; consistent
 * snapshots; root rotation; unattended re-signing of the online roles; expiry report) built on
 * `@tufjs/models`, and the client bootstrap that fetches Sigstore trust material through `tuf-js`.
 */
export { TufError, type TufErrorCode } from './errors.js';
export {
  TufRepository,
  DEFAULT_EXPIRATIONS,
  ONLINE_ROLES,
  TRUSTED_ROOT_TARGET,
  SIGNING_CONFIG_TARGET,
  defaultWarnWithin,
  type RoleName,
  type Clock,
  type Expirations,
  type TargetInput,
  type RoleKeyPolicy,
  type InitRepositoryOptions,
  type RoleExpiry,
  type Published,
} from './repository.js';
export { generateSigningKey, signingKeyFromPrivate, readKeyDir, writeKeyFile, signerFor, type TufKeyType, type TufSigningKey } from './keys.js';
export { bootstrapTrust, readCachedMetadataInfo, hasTrustCache, type BootstrapTrustOptions, type TrustBootstrap, type CachedMetadataInfo } from './client.js';
