import { SignetError } from '@signet/core';

/** Codes raised by `@signet/tuf`, the repository writer and the client bootstrap. */
export type TufErrorCode =
  | 'ERR_TUF_EXISTS'
  | 'ERR_TUF_NOT_FOUND'
  | 'ERR_TUF_LOCKED'
  | 'ERR_TUF_KEY'
  | 'ERR_TUF_KEY_MISSING'
  | 'ERR_TUF_TARGET_NAME'
  | 'ERR_TUF_TARGET_MISSING'
  | 'ERR_TUF_METADATA'
  | 'ERR_TUF_SIGNATURE'
  | 'ERR_TUF_EXPIRED'
  | 'ERR_TUF_HASH'
  | 'ERR_TUF_VERSION'
  | 'ERR_TUF_FETCH'
  | 'ERR_TUF_OFFLINE';

/**
 * A TUF failure: a repository that cannot be written as asked (missing keys, an existing
 * repository, a bad target name) or metadata that a client must not trust (expired, badly signed,
 * tampered, rolled back).
 */
export class TufError extends SignetError {
  declare readonly code: TufErrorCode;
  constructor(code: TufErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
