import { SignetError } from '@signet/core';

/** Codes raised by `@signet/server-ca`. */
export type CAErrorCode =
  | 'ERR_CA_CONFIG'
  | 'ERR_CA_REQUEST'
  | 'ERR_CA_TOKEN'
  | 'ERR_CA_ISSUER'
  | 'ERR_CA_IDENTITY'
  | 'ERR_CA_KEY'
  | 'ERR_CA_POP'
  | 'ERR_CA_CSR'
  | 'ERR_CA_CT'
  | 'ERR_CA_KEYSTORE';

/** A certificate request the CA refuses, or a CA it cannot start. */
export class CAError extends SignetError {
  declare readonly code: CAErrorCode;
  constructor(code: CAErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * gRPC status (as grpc-gateway writes it in `{code, message}`) and HTTP status per code, the way
 * Fulcio answers: token problems are UNAUTHENTICATED (16, 401), bad input INVALID_ARGUMENT (3, 400).
 */
export const CA_STATUS: Record<CAErrorCode, { grpc: number; http: number }> = {
  ERR_CA_CONFIG: { grpc: 13, http: 500 },
  ERR_CA_REQUEST: { grpc: 3, http: 400 },
  ERR_CA_TOKEN: { grpc: 16, http: 401 },
  ERR_CA_ISSUER: { grpc: 16, http: 401 },
  ERR_CA_IDENTITY: { grpc: 16, http: 401 },
  ERR_CA_KEY: { grpc: 3, http: 400 },
  ERR_CA_POP: { grpc: 3, http: 400 },
  ERR_CA_CSR: { grpc: 3, http: 400 },
  ERR_CA_CT: { grpc: 14, http: 503 },
  ERR_CA_KEYSTORE: { grpc: 13, http: 500 },
};
