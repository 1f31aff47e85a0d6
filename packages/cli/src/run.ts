import { SignetError } from '@signet/core';
import { runVerifyCommand } from './commands/verify-blob.js';
import { parseVerifyCommandLine } from './verify-command-line.js';
import type { Io } from './program.js';

/**
 * Runs the CLI; returns the exit code: 0 success, 1 verification or input failure (one line,
 * `error: CODE: message`), 2 usage error.
 */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  try {
    // A plain verify command line runs without loading commander (./verify-command-line.ts);
    // every other one, and every usage question, is commander's.
    const verify = parseVerifyCommandLine(argv);
    if (verify === undefined) {
      const { runProgram } = await import('./program.js');
      return await runProgram(argv, io);
    }
    await runVerifyCommand(verify.command, verify.input, verify.options, io);
    return 0;
  } catch (e) {
    if (e instanceof SignetError) {
      io.err(`error: ${e.code}: ${e.message}`);
      return e.code === 'ERR_CLI_USAGE' ? 2 : 1;
    }
    io.err(`error: internal: ${(e as Error)?.message ?? String(e)}`);
    if (process.env['SIGNET_DEBUG']) io.err(String((e as Error)?.stack));
    return 1;
  }
}
