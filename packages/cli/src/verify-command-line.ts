import { parseArgs } from 'node:util';
import type { VerifyBlobOptions } from './commands/verify-blob.js';

// `signet verify-blob` and `signet conformance verify-bundle` are started once per artifact
// (the conformance suite, CI steps), so their start-up time is most of their run time. Loading
// and building commander costs ~15-20 ms of it (commander also loads node:child_process), so a
// plain command line for these two commands is read here with node:util's parseArgs instead.
// Anything else (help, a usage error, an unusual form) returns `undefined` and goes to
// commander, which stays the one place that explains usage: the result is the same either way.
// docs/cli-startup.md has the measurements.

/** The commands that verify one artifact. */
export type VerifyCommandName = 'verify-blob' | 'conformance verify-bundle';

/** One flag of the verify commands; commander's options and the plain reader are both built from it. */
export interface VerifyFlag {
  /** The long flag without dashes. */
  readonly name: string;
  /** The property of {@link VerifyBlobOptions} it sets (commander's camel-case attribute name). */
  readonly key: keyof VerifyBlobOptions;
  /** The value placeholder shown in help. */
  readonly value: string;
  readonly description: string;
  readonly required?: boolean;
  /** Repeatable: values are collected into an array, in order. */
  readonly repeatable?: boolean;
}

/** The flags of `verify-blob` and `conformance verify-bundle`, in help order (cosign-compatible names). */
export const VERIFY_FLAGS: readonly VerifyFlag[] = [
  { name: 'bundle', key: 'bundle', value: '<file>', description: 'Sigstore bundle (JSON) to verify', required: true },
  { name: 'key', key: 'key', value: '<file>', description: 'PEM public key that signed a keyed bundle' },
  { name: 'certificate-identity', key: 'certificateIdentity', value: '<san>', description: 'expected signer identity (certificate SAN), exact' },
  { name: 'certificate-identity-regexp', key: 'certificateIdentityRegexp', value: '<re>', description: 'expected signer identity, regular expression (unanchored; use ^…$)' },
  { name: 'certificate-oidc-issuer', key: 'certificateOidcIssuer', value: '<url>', description: 'expected OIDC issuer, exact' },
  { name: 'certificate-oidc-issuer-regexp', key: 'certificateOidcIssuerRegexp', value: '<re>', description: 'expected OIDC issuer, regular expression (unanchored; use ^…$)' },
  { name: 'certificate-extension', key: 'certificateExtension', value: '<name=value>', description: 'required certificate claim, e.g. sourceRepositoryRef=refs/heads/main (repeatable)', repeatable: true },
  {
    name: 'trusted-root',
    key: 'trustedRoot',
    value: '<file>',
    description: 'trusted_root.json to verify against (default: the TUF-cached root from `signet initialize`, else the embedded public-good Sigstore root)',
  },
];

/** A verify command line read without commander. */
export interface VerifyCommandLine {
  readonly command: VerifyCommandName;
  /** The positional INPUT: an artifact path or `sha256:<hex>`. */
  readonly input: string;
  readonly options: VerifyBlobOptions;
}

const PARSE_ARGS_OPTIONS = Object.fromEntries(VERIFY_FLAGS.map((f) => [f.name, { type: 'string' as const, multiple: f.repeatable === true }]));

/**
 * Reads `verify-blob …` or `conformance verify-bundle …` when it is plain: only the long flags of
 * {@link VERIFY_FLAGS}, each with a value (`--flag value` or `--flag=value`), `--bundle` given,
 * and exactly one INPUT that does not start with `-`. Returns `undefined` for every other command
 * line, including help and anything commander would reject, so that commander handles it.
 */
export function parseVerifyCommandLine(argv: readonly string[]): VerifyCommandLine | undefined {
  let command: VerifyCommandName;
  let args: string[];
  if (argv[0] === 'verify-blob') {
    command = 'verify-blob';
    args = argv.slice(1);
  } else if (argv[0] === 'conformance' && argv[1] === 'verify-bundle') {
    command = 'conformance verify-bundle';
    args = argv.slice(2);
  } else {
    return undefined;
  }
  // `--` changes what the arguments after it mean; leave that to commander.
  if (args.includes('--')) return undefined;
  let parsed;
  try {
    // strict: an unknown flag (including -h, --help, -V), a flag without a value, or a value that
    // looks like a flag throws — commander then reports it exactly as it always has.
    parsed = parseArgs({ args, options: PARSE_ARGS_OPTIONS, allowPositionals: true, strict: true });
  } catch {
    return undefined;
  }
  const input = parsed.positionals[0];
  if (parsed.positionals.length !== 1 || input === undefined || input.startsWith('-')) return undefined;
  const options: Partial<Record<keyof VerifyBlobOptions, string | string[]>> = {};
  for (const flag of VERIFY_FLAGS) {
    const value = parsed.values[flag.name];
    if (value !== undefined) options[flag.key] = value;
  }
  if (options.bundle === undefined) return undefined;
  return { command, input, options: options as VerifyBlobOptions };
}
