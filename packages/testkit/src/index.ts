/**
 * `@signet/testkit` (private, dev-only): an ephemeral, fully-signed Sigstore instance in memory —
 * Fulcio-style CA with embedded SCTs, Rekor v1 and v2 logs, an RFC 3161 TSA — so tests and
 * benchmarks can produce valid bundles under their control and then corrupt them.
 */
export {
  createTestInstance,
  type TestInstance,
  type TestInstanceOptions,
  type SignOptions,
  type TestIdentity,
} from './instance.js';
export {
  generateKey,
  randomSerial,
  distinguishedName,
  extension,
  buildTBSCertificate,
  signTBSCertificate,
  createRootCertificate,
  createIntermediateCertificate,
  issueCertificate,
  type IssuedCertificate,
  type CertificateTemplate,
  type TestKeyType,
} from './certificates.js';
export { issueLeaf, LEAF_VALIDITY_MS, type LeafOptions } from './fulcio-leaf.js';
export { TestCTLog, encodeSCTList } from './ct.js';
export { TestRekorV1Log, hashedRekordV001Body, dsseV001Body, type RekorVerifier } from './rekor-v1.js';
export { TestRekorV2Log, hashedRekordV002Body, dsseV002Body } from './rekor-v2.js';
export { SignedTree } from './signed-tree.js';
export { createTimestampToken, createTimestampAuthority, type TimestampTokenOptions, type TimestampAuthorityChain } from './tsa.js';
