import { SignetError } from '@signet/core';

/**
 * Codes of `@signet/server-tsa`. Request codes name why a TimeStampReq was rejected (each maps
 * to one RFC 3161 PKIFailureInfo bit); the others are start-up failures of the signer and store.
 * docs/errors.md lists each; a test keeps them in step.
 */
export type TimestampErrorCode =
  // a request that is rejected with a TimeStampResp (RFC 3161 §2.4.2)
  | 'ERR_TSA_REQUEST_FORMAT'
  | 'ERR_TSA_REQUEST_VERSION'
  | 'ERR_TSA_HASH_ALGORITHM'
  | 'ERR_TSA_IMPRINT_LENGTH'
  | 'ERR_TSA_POLICY'
  | 'ERR_TSA_EXTENSION'
  | 'ERR_TSA_SIGNER'
  | 'ERR_TSA_VALIDITY'
  // the TSA's own key material and data directory
  | 'ERR_TSA_CHAIN'
  | 'ERR_TSA_KEY'
  | 'ERR_TSA_STORE';

/** A timestamp request the TSA refuses, or key material it cannot use. */
export class TimestampError extends SignetError {
  declare readonly code: TimestampErrorCode;
  constructor(code: TimestampErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
