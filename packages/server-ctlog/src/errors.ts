import { SignetError } from '@signet/core';

/** Codes raised by `@signet/server-ctlog`. */
export type CTLogErrorCode =
  | 'ERR_CT_REQUEST'
  | 'ERR_CT_CERTIFICATE'
  | 'ERR_CT_CHAIN'
  | 'ERR_CT_PRECERT'
  | 'ERR_CT_NOT_FOUND'
  | 'ERR_CT_TREE_SIZE'
  | 'ERR_CT_KEY'
  | 'ERR_CT_UNAVAILABLE';

/** A submission or query the CT log refuses, or a log it cannot run. */
export class CTLogError extends SignetError {
  declare readonly code: CTLogErrorCode;
  constructor(code: CTLogErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** HTTP status of each code (the library side knows codes only; routes map them). */
export const CT_HTTP_STATUS: Record<CTLogErrorCode, number> = {
  ERR_CT_REQUEST: 400,
  ERR_CT_CERTIFICATE: 400,
  ERR_CT_CHAIN: 400,
  ERR_CT_PRECERT: 400,
  ERR_CT_NOT_FOUND: 404,
  ERR_CT_TREE_SIZE: 400,
  ERR_CT_KEY: 500,
  ERR_CT_UNAVAILABLE: 503,
};
