import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseTrustedRoot } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier, type VerifierOptions } from '@signet/verify';
import { CliError } from './errors.js';
import { userCacheHome } from './cache-dir.js';

/** Where the trusted root came from, for messages. */
export type TrustSource = { kind: 'file'; path: string } | { kind: 'tuf'; cacheDir: string; mirror: string } | { kind: 'embedded' };

/**
 * The TUF client cache `signet initialize` fills: `$SIGNET_TUF_CACHE`, else
 * `$XDG_CACHE_HOME/signet/tuf`, else `~/.cache/signet/tuf`. `SIGNET_TUF_CACHE=off` (or empty)
 * turns the TUF step of the trust order off — tests of other commands set it.
 */
export function tufCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['SIGNET_TUF_CACHE'];
  if (explicit !== undefined) return explicit === '' || explicit === 'off' ? undefined : explicit;
  return join(userCacheHome(env), 'signet', 'tuf');
}

/**
 * Loads trust material, in this order (docs/trust.md):
 * 1. `--trusted-root FILE`;
 * 2. the TUF-cached `trusted_root.json` when `signet initialize` has filled the cache
 *    ({@link tufCacheDir}): verified again through TUF from the cache, and refreshed from the
 *    mirror only when the cached metadata has expired;
 * 3. the embedded public-good root (offline).
 * @throws CliError `ERR_CLI_IO` for an unreadable file; TufError codes for a cache that fails TUF.
 */
export async function loadVerifier(trustedRoot: string | undefined, options?: VerifierOptions): Promise<{ verifier: Verifier; source: TrustSource }> {
  if (trustedRoot !== undefined) {
    let text: string;
    try {
      text = await readFile(trustedRoot, 'utf8');
    } catch (cause) {
      throw new CliError('ERR_CLI_IO', `cannot read trusted root ${trustedRoot}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
    }
    return { verifier: new Verifier(parseTrustedRoot(text), options), source: { kind: 'file', path: trustedRoot } };
  }
  const cacheDir = tufCacheDir();
  if (cacheDir !== undefined && existsSync(join(cacheDir, 'remote.json'))) {
    // Loaded lazily: without a TUF cache, verification never loads tuf-js.
    const { bootstrapTrust } = await import('@signet/tuf');
    const trust = await bootstrapTrust({ cacheDir, forceCache: true });
    return { verifier: new Verifier(trust.trustedRoot, options), source: { kind: 'tuf', cacheDir, mirror: trust.mirror } };
  }
  return { verifier: new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT), options), source: { kind: 'embedded' } };
}
