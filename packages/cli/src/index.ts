export { run, buildProgram, VERSION, type Io } from './program.js';
export { verifyBlob, policyFromFlags, type VerifyBlobOptions } from './commands/verify-blob.js';
export { summarizeBundle, formatSummary, type BundleSummary } from './commands/bundle-inspect.js';
export { CliError, type CliErrorCode } from './errors.js';
