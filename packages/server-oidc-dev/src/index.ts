/**
 * `@signet/server-oidc-dev`: a development OIDC issuer for local use and tests. Never expose it:
 * it signs whatever identity it is asked for.
 * @packageDocumentation
 */
export { createDevIssuer, type DevIssuer, type DevIssuerOptions, type MintOptions } from './dev-issuer.js';
export {
  identityClaims,
  type DevIdentity,
  type EmailIdentity,
  type GitHubWorkflowIdentity,
  type GitLabPipelineIdentity,
} from './identities.js';
export { DevIssuerError, type DevIssuerErrorCode } from './errors.js';
export type { PublicJWK } from './signing-key.js';
