import { readFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { describeKey, importPublicKey, type HashName } from '@signet/core';
import { parseBundle, type Bundle } from '@signet/bundle';
import { artifactHashFor, type IdentityPolicy, type VerificationResult } from '@signet/verify';
import { loadVerifier } from '../trust.js';
import { readArtifact } from '../artifact-input.js';
import { CliError } from '../errors.js';
import type { Io } from '../program.js';
import type { VerifyCommandName } from '../verify-command-line.js';

/** Flags of `verify-blob` (cosign-compatible names). */
export interface VerifyBlobOptions {
  bundle: string;
  key?: string | undefined;
  certificateIdentity?: string | undefined;
  certificateIdentityRegexp?: string | undefined;
  certificateOidcIssuer?: string | undefined;
  certificateOidcIssuerRegexp?: string | undefined;
  certificateExtension?: string[] | undefined;
  trustedRoot?: string | undefined;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CLI_IO', `cannot read ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
}

function regexp(source: string, flag: string): RegExp {
  try {
    return new RegExp(source);
  } catch (cause) {
    throw new CliError('ERR_CLI_USAGE', `${flag} is not a valid regular expression`, { cause });
  }
}

/** Builds the identity policy from flags; keyless verification requires both identity and issuer. */
export function policyFromFlags(o: VerifyBlobOptions): IdentityPolicy | undefined {
  if (o.certificateIdentity !== undefined && o.certificateIdentityRegexp !== undefined) {
    throw new CliError('ERR_CLI_USAGE', 'use --certificate-identity or --certificate-identity-regexp, not both');
  }
  if (o.certificateOidcIssuer !== undefined && o.certificateOidcIssuerRegexp !== undefined) {
    throw new CliError('ERR_CLI_USAGE', 'use --certificate-oidc-issuer or --certificate-oidc-issuer-regexp, not both');
  }
  const san = o.certificateIdentity ?? (o.certificateIdentityRegexp !== undefined ? regexp(o.certificateIdentityRegexp, '--certificate-identity-regexp') : undefined);
  const issuer = o.certificateOidcIssuer ?? (o.certificateOidcIssuerRegexp !== undefined ? regexp(o.certificateOidcIssuerRegexp, '--certificate-oidc-issuer-regexp') : undefined);
  const extensions: Record<string, string> = {};
  for (const kv of o.certificateExtension ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new CliError('ERR_CLI_USAGE', `--certificate-extension takes NAME=VALUE, got ${JSON.stringify(kv)}`);
    extensions[kv.slice(0, i)] = kv.slice(i + 1);
  }
  if (o.key !== undefined) {
    if (san !== undefined || issuer !== undefined) throw new CliError('ERR_CLI_USAGE', '--key cannot be combined with certificate identity flags');
    return undefined;
  }
  if (san === undefined || issuer === undefined) {
    throw new CliError('ERR_CLI_USAGE', 'keyless verification needs --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp] (or --key for keyed bundles)');
  }
  return { subjectAlternativeName: san, issuer, ...(Object.keys(extensions).length ? { extensions } : {}) };
}

/** Runs the whole verification for one artifact; throws a typed error on any failure. */
export async function verifyBlob(input: string, o: VerifyBlobOptions): Promise<{ bundle: Bundle; result: VerificationResult }> {
  const policy = policyFromFlags(o);
  const [bundleText, keyText] = await Promise.all([readText(o.bundle, 'bundle'), o.key !== undefined ? readText(o.key, 'key') : undefined]);
  const bundle = parseBundle(bundleText);
  const key: KeyObject | undefined = keyText !== undefined ? importPublicKey(keyText) : undefined;
  const { verifier } = await loadVerifier(o.trustedRoot);
  const hash: HashName = artifactHashFor(bundle);
  const needBytes = bundle.content.$case === 'messageSignature' && key !== undefined && describeKey(key).algorithm === 'ed25519';
  const artifact = await readArtifact(input, hash === 'sha256' ? ['sha256'] : [hash, 'sha256'], needBytes);
  const result = verifier.verify(bundle, { artifact, policy, key });
  return { bundle, result };
}

/**
 * What `signet verify-blob` and `signet conformance verify-bundle` do once their flags are read
 * (by commander or by the plain reader of ../verify-command-line.ts): verify, and for
 * `verify-blob` say so on stderr (the conformance protocol wants only the exit code).
 */
export async function runVerifyCommand(command: VerifyCommandName, input: string, o: VerifyBlobOptions, io: Io): Promise<void> {
  await verifyBlob(input, o);
  if (command === 'verify-blob') io.err('Verified OK');
}
