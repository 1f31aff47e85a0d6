import { SignetError } from '@signet/core';

/**
 * Stable codes of the verification procedure, one per step and failure (DESIGN.md
 * §"Verification procedure"). docs/errors.md lists each with its meaning; a test keeps them in step.
 */
export type VerificationErrorCode =
  // trust material
  | 'ERR_VERIFY_TRUST_MATERIAL'
  // timestamps (step 3)
  | 'ERR_VERIFY_TIMESTAMP_FORMAT'
  | 'ERR_VERIFY_TIMESTAMP_IMPRINT'
  | 'ERR_VERIFY_TIMESTAMP_SIGNATURE'
  | 'ERR_VERIFY_TIMESTAMP_UNTRUSTED'
  | 'ERR_VERIFY_TIMESTAMP_THRESHOLD'
  | 'ERR_VERIFY_SET'
  // certificate (step 4)
  | 'ERR_VERIFY_CERT_CHAIN'
  | 'ERR_VERIFY_CERT_VALIDITY'
  | 'ERR_VERIFY_CERT_IS_CA'
  | 'ERR_VERIFY_CERT_EKU'
  | 'ERR_VERIFY_SCT'
  | 'ERR_VERIFY_SCT_THRESHOLD'
  // key material
  | 'ERR_VERIFY_KEY'
  // artifact (step 5)
  | 'ERR_VERIFY_ARTIFACT_DIGEST'
  | 'ERR_VERIFY_SIGNATURE'
  | 'ERR_VERIFY_DSSE_STATEMENT'
  | 'ERR_VERIFY_DSSE_SUBJECT'
  // transparency log (step 6)
  | 'ERR_VERIFY_TLOG_KIND'
  | 'ERR_VERIFY_TLOG_BODY'
  | 'ERR_VERIFY_TLOG_UNKNOWN_LOG'
  | 'ERR_VERIFY_TLOG_INCLUSION'
  | 'ERR_VERIFY_TLOG_CHECKPOINT'
  | 'ERR_VERIFY_TLOG_THRESHOLD'
  // policy (step 7)
  | 'ERR_VERIFY_POLICY_SAN'
  | 'ERR_VERIFY_POLICY_ISSUER'
  | 'ERR_VERIFY_POLICY_EXTENSION';

/** A verification step rejected the bundle. */
export class VerificationError extends SignetError {
  declare readonly code: VerificationErrorCode;
  constructor(code: VerificationErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
