import { SignetError } from '@signet/core';

/** Codes raised by `@signet/log`. */
export type LogErrorCode =
  /** Too many appends wait to be sequenced; retry after `retryAfterSeconds` (HTTP 503 + Retry-After). */
  | 'ERR_LOG_PUSHBACK'
  /** The log was closed. */
  | 'ERR_LOG_CLOSED'
  /** A leaf index or size out of range for the request. */
  | 'ERR_LOG_INDEX'
  /** A proof or root asked for a tree larger than the latest published checkpoint. */
  | 'ERR_LOG_TREE_SIZE'
  /** The storage failed (I/O, constraint, closed database); the operation did not happen. */
  | 'ERR_LOG_STORAGE'
  /** Stored data is inconsistent (found by fsck or recovery). */
  | 'ERR_LOG_CORRUPT';

/** A failure of the log engine or its storage. */
export class LogError extends SignetError {
  declare readonly code: LogErrorCode;
  /** For `ERR_LOG_PUSHBACK`: seconds to wait before retrying. */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: LogErrorCode, message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Rejects an index or size that is not a non-negative safe integer (`ERR_LOG_INDEX`). */
export function checkInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new LogError('ERR_LOG_INDEX', `${what} ${String(n)} is not a non-negative integer`);
}

/** Retry-After for pushback: the queue drains in well under a second when storage is healthy. */
const PUSHBACK_RETRY_SECONDS = 1;

/**
 * Why an append cannot be queued, for both engine fronts: the log is closed, or `pending` appends
 * already wait — overload is a code, not a hang or unbounded memory (STYLE.md §Errors).
 */
export function admissionError(closed: boolean, pending: number, maxPending: number): LogError | undefined {
  if (closed) return new LogError('ERR_LOG_CLOSED', 'the log is closed');
  if (pending >= maxPending) {
    return new LogError('ERR_LOG_PUSHBACK', `${pending} appends are waiting to be sequenced; retry later`, { retryAfterSeconds: PUSHBACK_RETRY_SECONDS });
  }
  return undefined;
}
