import { SignetError } from '@signet/core';

/** Codes raised by the CLI itself (usage and I/O), apart from the libraries' codes. */
export type CliErrorCode = 'ERR_CLI_USAGE' | 'ERR_CLI_IO' | 'ERR_CLI_INPUT';

/** A failure of the command line: bad flags, unreadable files. */
export class CliError extends SignetError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
