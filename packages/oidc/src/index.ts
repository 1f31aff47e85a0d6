/**
 * `@signet/oidc`: OIDC identity tokens for keyless signing.
 *
 * Verify side: {@link TokenVerifier} checks a token against configured issuers (exact URLs or
 * anchored meta-issuer patterns), with discovery and JWKS fetched safely, or pinned keys.
 * Acquire side: {@link acquireToken} finds an ambient CI token.
 * @packageDocumentation
 */
export { OidcError, type OidcErrorCode } from './errors.js';
export {
  TokenVerifier,
  ASYMMETRIC_ALGORITHMS,
  type IssuerPolicy,
  type TokenVerifierOptions,
  type VerifiedToken,
} from './token-verifier.js';
export { matchIssuerPattern, compileIssuerPattern } from './issuer-pattern.js';
export { acquireToken, type AcquireTokenOptions, type AcquiredToken, type TokenSource } from './acquire-token.js';
/** The JSON Web Key Set type used for pinned keys (re-exported from `jose`). */
export type { JSONWebKeySet, JWK } from 'jose';
