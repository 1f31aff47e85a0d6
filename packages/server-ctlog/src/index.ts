/**
 * `@signet/server-ctlog`: an RFC 6962 certificate transparency log on the Signet log engine —
 * `add-chain`, `add-pre-chain`, `get-sth`, `get-sth-consistency`, `get-proof-by-hash`,
 * `get-entries`, `get-roots` — with an in-process API the CA uses to obtain SCTs.
 */
export { CTLogError, CT_HTTP_STATUS, type CTLogErrorCode } from './errors.js';
export {
  CTLog, openCTLog, MAX_CHAIN_LENGTH, MAX_GET_ENTRIES,
  type CTLogOptions, type OpenCTLogOptions, type PrecertificateSubmitter, type SignedCertificateTimestamp, type SignedTreeHead, type CTLogEntry,
} from './ct-log.js';
export { registerCTLogRoutes, createCTLogServer, sendCTError, SAFE_FASTIFY_OPTIONS } from './routes.js';
export { memoryExtraDataStore, fileExtraDataStore, type ExtraDataStore } from './extra-data-store.js';
export {
  encodeMerkleTreeLeaf, decodeMerkleTreeLeaf, encodeSCTList, leafHash, treeHeadSignatureInput, sctSignatureInput, removeExtension,
  splitExtension, tbsOfCertificate, LogEntryType, CT_POISON_OID, CT_POISON_EXTENSION_DER, type SignedEntry,
} from './rfc6962.js';
