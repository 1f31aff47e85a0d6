/**
 * `@signet/server-tlog`: the transparency log's HTTP personality — Rekor v1 REST API, Rekor v2
 * write API, C2SP tlog-tiles reads — over a `@signet/log` engine. `TLogService` holds the
 * Rekor semantics (validation, canonical bodies, SETs, UUIDs, search) apart from the fastify
 * routes (`buildTLogServer`); `startTLogServer` wires both to a data directory.
 */
export { TLogServerError, type TLogServerErrorCode } from './errors.js';
export {
  TLogService,
  MAX_RETRIEVE,
  MAX_SEARCH_RESULTS,
  type TLogServiceOptions,
  type RekorV1Entry,
  type RekorV1EntryMap,
  type TransparencyLogEntryV2JSON,
  type CreatedV1Entry,
  type LogInfo,
} from './tlog-service.js';
export { canonicalizeProposedEntry, hashedRekordBody, type CanonicalEntry } from './rekor-v1-entries.js';
export { setPayload, signSET } from './signed-entry-timestamp.js';
export { canonicalizeCreateEntryRequest } from './rekor-v2-entries.js';
export {
  keyMaterialFromPem,
  keyMaterialFromDer,
  verifyDigestSignature,
  verifyMessageSignature,
  keyFingerprint,
  type KeyMaterial,
  type SignerAlgorithm,
} from './key-material.js';
export {
  logKeysFrom,
  loadOrCreateLogKeys,
  checkpointSigners,
  trustedRootForLog,
  KEY_FILES,
  type LogKeys,
  type LogKeysOnDisk,
} from './log-keys.js';
export { localWitness } from './witness.js';
export { buildTLogServer, type TLogServerOptions } from './http/server.js';
export { httpStatusOf, errorAnswer, type ErrorAnswer } from './http/errors.js';
export { takeOverConnections, type RawConnections, type RawCreatePathOptions } from './http/raw-create-path.js';
export { parseTilePath, type TilePath } from './http/routes-tiles.js';
export { startTLogServer, fsckLog, checkpointVerifiers, type TLogServerConfig, type RunningTLogServer } from './serve.js';
