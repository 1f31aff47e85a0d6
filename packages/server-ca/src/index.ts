/**
 * `@signet/server-ca`: a Fulcio-compatible certificate authority (API v2) — issuer configuration
 * in Fulcio's file format, OIDC claims mapped to the Fulcio certificate profile, precertificates
 * logged to the RFC 6962 CT log with the SCT embedded — and the server that runs it with its CT log.
 */
export { CAError, CA_STATUS, type CAErrorCode } from './errors.js';
export {
  parseCAConfig, loadCAConfig, readCAConfig, EXTENSION_OIDS, BUILTIN_CI_METADATA,
  type CAConfig, type IssuerConfig, type IssuerType, type CIIssuerMetadata, type ExtensionName,
} from './config.js';
export { principalFromClaims, findIssuer, metaPattern, TOKEN_SUBJECT_OID, type Principal, type SubjectAltName, type IdentityExtension, type Claims } from './identity.js';
export {
  CertificateAuthority, chainToPem, LEAF_VALIDITY_MS,
  type CertificateAuthorityOptions, type SigningCertificateRequest, type IssuedCertificate, type IdentityTokenVerifier,
  type PrecertificateLog, type IssuerDescription,
} from './ca.js';
export {
  keySigner, generateCA, loadCAKeys, loadOrCreateCAKeys, signCertificate, randomSerial,
  type CASigner, type CAKeys, type CAFiles, type GenerateCAOptions,
} from './signer.js';
export {
  checkSubjectKey, importSubjectKey, verifyProofOfPossession, readSubjectKey, verifySubjectProofOfPossession, type SubjectKey,
} from './public-key.js';
export { subjectKeyFromCSR } from './csr.js';
export { registerCARoutes, readSigningCertificateRequest, fulcioErrorHandler, sendCAError, CA_BODY_LIMIT } from './routes.js';
export { startCAServer, buildTrustedRoot, type CAServerOptions, type CAServer } from './server.js';
