import { SignetError } from '@signet/core';

/** Codes raised by `@signet/oidc`. Each one names the check that rejected the token. */
export type OidcErrorCode =
  /** Not a compact JWS/JWT, oversized, bad JSON, or a required claim (`iss`, `sub`, `exp`) missing or mistyped. */
  | 'ERR_OIDC_MALFORMED'
  /** The token's `iss` matches no configured issuer (exact URL or anchored pattern). */
  | 'ERR_OIDC_UNKNOWN_ISSUER'
  /** No trusted key verifies the signature (unknown `kid` after one refetch, or a bad signature). */
  | 'ERR_OIDC_SIGNATURE'
  /** `exp` is in the past (beyond the allowed clock skew). */
  | 'ERR_OIDC_EXPIRED'
  /** `nbf` or `iat` is in the future (beyond the allowed clock skew). */
  | 'ERR_OIDC_NOT_YET_VALID'
  /** `aud` does not contain the issuer's client id. */
  | 'ERR_OIDC_AUDIENCE'
  /** The JWS `alg` is not on the issuer's allow-list (`none` and `HS*` never are). */
  | 'ERR_OIDC_ALGORITHM'
  /** A token carrying an email whose `email_verified` is not `true`. */
  | 'ERR_OIDC_EMAIL_UNVERIFIED'
  /** Discovery or JWKS fetch failed: redirect to another origin, cross-origin `jwks_uri`, wrong `issuer`, oversized, slow, bad JSON. */
  | 'ERR_OIDC_DISCOVERY'
  /** No ambient identity token could be obtained (bad CI token endpoint answer). */
  | 'ERR_OIDC_ACQUIRE';

/** An identity token (or its issuer's metadata) rejected by `@signet/oidc`. */
export class OidcError extends SignetError {
  declare readonly code: OidcErrorCode;
  constructor(code: OidcErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
