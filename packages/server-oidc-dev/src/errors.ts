import { SignetError } from '@signet/core';

/** Codes raised by `@signet/server-oidc-dev`. */
export type DevIssuerErrorCode =
  /** A mint request naming no identity, several, or one in the wrong shape. */
  | 'ERR_OIDC_DEV_IDENTITY';

/** A request the development issuer cannot serve. */
export class DevIssuerError extends SignetError {
  declare readonly code: DevIssuerErrorCode;
  constructor(code: DevIssuerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
