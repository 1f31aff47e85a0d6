import { readFile } from 'node:fs/promises';
import { parseTrustedRoot } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier, type VerifierOptions } from '@signet/verify';
import { CliError } from './errors.js';

/** Where the trusted root came from, for messages. */
export type TrustSource = { kind: 'file'; path: string } | { kind: 'embedded' };

/**
 * Loads trust material: `--trusted-root FILE` when given, else the embedded public-good root
 * (offline; see docs/trust.md). TUF-cached roots join this order in a later release.
 */
export async function loadVerifier(trustedRoot: string | undefined, options?: VerifierOptions): Promise<{ verifier: Verifier; source: TrustSource }> {
  if (trustedRoot === undefined) {
    return { verifier: new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT), options), source: { kind: 'embedded' } };
  }
  let text: string;
  try {
    text = await readFile(trustedRoot, 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CLI_IO', `cannot read trusted root ${trustedRoot}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  return { verifier: new Verifier(parseTrustedRoot(text), options), source: { kind: 'file', path: trustedRoot } };
}
