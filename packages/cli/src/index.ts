export { run } from './run.js';
export { buildProgram, VERSION, type Io } from './program.js';
export { verifyBlob, policyFromFlags, type VerifyBlobOptions } from './commands/verify-blob.js';
export { summarizeBundle, formatSummary, type BundleSummary } from './commands/bundle-inspect.js';
export { CliError, type CliErrorCode } from './errors.js';
export { parseVerifyCommandLine, VERIFY_FLAGS, type VerifyCommandLine, type VerifyCommandName, type VerifyFlag } from './verify-command-line.js';
export { userCacheHome } from './cache-dir.js';
