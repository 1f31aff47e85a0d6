/**
 * `@signet/server-tsa`: an RFC 3161 timestamp authority compatible with Sigstore's
 * timestamp-authority API. {@link TimestampAuthority} is the domain object (request in,
 * DER TimeStampResp out; clock, randomness and signer injected); {@link createTimestampServer}
 * serves it over HTTP with fastify; the key store generates or loads the TSA key and chain.
 */
export { TimestampError, type TimestampErrorCode } from './errors.js';
export {
  TimestampAuthority,
  PKI_FAILURE_BITS,
  type PKIFailureInfo,
  type TimestampAccuracy,
  type TimestampAuthorityOptions,
  type TimestampResponse,
} from './authority.js';
export {
  parseTimeStampReq,
  parseJSONBody,
  timeStampReqFromJSON,
  MAX_REQUEST_BYTES,
  type TimeStampReq,
  type MessageImprint,
  type RequestExtension,
  type TimestampJSONRequest,
} from './request.js';
export { createKeyTimestampSigner, inspectTimestampChain, defaultHashFor, type TimestampSigner, type TimestampChain } from './signer.js';
export { generateTimestampAuthorityChain, type TimestampChainOptions, type GeneratedTimestampAuthority } from './tsa-chain.js';
export {
  generateKeyPair,
  issueCertificate,
  distinguishedName,
  randomSerialNumber,
  extension,
  basicConstraintsExtension,
  keyUsageExtension,
  extKeyUsageExtension,
  subjectKeyIdentifierExtension,
  authorityKeyIdentifierExtension,
  keyIdentifier,
  type CertificateTemplate,
  type GeneratedKeyType,
} from './certificate-builder.js';
export {
  openTimestampSignerDir,
  loadTimestampSigner,
  timestampSignerFromPem,
  TSA_KEY_FILE,
  TSA_CHAIN_FILE,
  type OpenedTimestampSigner,
} from './key-store.js';
export { timestampAuthorityEntry, timestampAuthorityTrustedRoot } from './trusted-root.js';
export {
  createTimestampServer,
  TIMESTAMP_QUERY_MEDIA_TYPE,
  TIMESTAMP_REPLY_MEDIA_TYPE,
  PEM_CHAIN_MEDIA_TYPE,
  type TimestampServerOptions,
} from './http.js';
export { OIDS as TIMESTAMP_OIDS, type TimestampHash } from './oids.js';
