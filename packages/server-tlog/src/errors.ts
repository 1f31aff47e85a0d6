import { SignetError } from '@signet/core';

/** Codes raised by `@signet/server-tlog`. The HTTP layer maps each to a status (see `httpStatusOf`). */
export type TLogServerErrorCode =
  /** A request body or parameter that is not what the API describes (missing field, wrong type, bad encoding). */
  | 'ERR_TLOG_REQUEST'
  /** A request body that is not JSON, or JSON with a `__proto__`/`constructor` key. */
  | 'ERR_TLOG_JSON'
  /** A request body with a media type other than `application/json`. */
  | 'ERR_TLOG_MEDIA_TYPE'
  /** A request body larger than the configured limit. */
  | 'ERR_TLOG_BODY_LIMIT'
  /** An entry kind or apiVersion the log does not accept. */
  | 'ERR_TLOG_KIND'
  /** Key material that cannot be used: malformed, or an algorithm the entry kind does not allow. */
  | 'ERR_TLOG_KEY'
  /** The proposed entry's signature does not verify against its key or certificate. */
  | 'ERR_TLOG_SIGNATURE'
  /** The entry is already in the log (Rekor v1 answers 409 with its location). */
  | 'ERR_TLOG_DUPLICATE'
  /** No entry, tile or route by that name. */
  | 'ERR_TLOG_NOT_FOUND'
  /** A proof asked for sizes the log cannot prove (beyond the published tree, or first > last). */
  | 'ERR_TLOG_PROOF_RANGE';

/** A request the transparency log personality refuses. */
export class TLogServerError extends SignetError {
  declare readonly code: TLogServerErrorCode;
  constructor(code: TLogServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
