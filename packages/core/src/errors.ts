/**
 * The one error base of Signet. Every failure caused by untrusted input (a bundle, a key, a
 * certificate, a request body) is a `SignetError` with a stable `code`; caller misuse is a
 * `TypeError`/`RangeError`. Library packages know codes, never HTTP statuses.
 */
export class SignetError extends Error {
  /** Stable, machine-readable code, `ERR_<AREA>_<WHAT>`. Never reworded once published. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Codes raised by `@signet/core`. */
export type CoreErrorCode =
  | 'ERR_CORE_BASE64'
  | 'ERR_CORE_HEX'
  | 'ERR_CORE_PEM'
  | 'ERR_CORE_DER'
  | 'ERR_CORE_KEY_FORMAT'
  | 'ERR_CORE_KEY_UNSUPPORTED'
  | 'ERR_CORE_SIGNATURE_ALGORITHM'
  | 'ERR_CORE_CERTIFICATE'
  | 'ERR_CORE_JSON'
  | 'ERR_CORE_IO'
  | 'ERR_CORE_DIGEST'
  | 'ERR_CORE_TLS';

/** Malformed bytes, text or keys handed to a `@signet/core` function. */
export class CoreError extends SignetError {
  declare readonly code: CoreErrorCode;
  constructor(code: CoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** True when `err` is a `SignetError` with the given code (works across package copies). */
export function hasErrorCode(err: unknown, code: string): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === code;
}
