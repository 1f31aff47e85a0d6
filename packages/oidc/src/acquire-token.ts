import { OidcError } from './errors.js';
import { fetchJsonObject } from './bounded-fetch.js';

/** Where an ambient identity token came from. */
export type TokenSource = 'env' | 'github-actions';

/** An identity token found in the environment. Treat `token` as a secret: never log it. */
export interface AcquiredToken {
  readonly token: string;
  readonly source: TokenSource;
}

/** Options of {@link acquireToken}. */
export interface AcquireTokenOptions {
  /** The environment to read (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Audience asked of GitHub Actions. Default `sigstore`. */
  audience?: string;
  /** HTTP client (default global `fetch`). */
  fetch?: typeof fetch;
  /** Timeout of the GitHub Actions token request. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Finds an ambient identity token, in this order:
 * 1. `SIGSTORE_ID_TOKEN` (any CI; GitLab CI users declare it under `id_tokens:` with `aud: sigstore`);
 * 2. GitHub Actions: `ACTIONS_ID_TOKEN_REQUEST_URL` + `ACTIONS_ID_TOKEN_REQUEST_TOKEN` (needs
 *    `permissions: id-token: write`), asking for `audience` (default `sigstore`).
 * Returns `undefined` when none is available (the caller may then start a browser flow).
 * @throws OidcError `ERR_OIDC_ACQUIRE` when the GitHub Actions token endpoint fails.
 */
export async function acquireToken(opts: AcquireTokenOptions = {}): Promise<AcquiredToken | undefined> {
  const env = opts.env ?? process.env;
  const direct = env['SIGSTORE_ID_TOKEN']?.trim();
  if (direct) return { token: direct, source: 'env' };
  const url = env['ACTIONS_ID_TOKEN_REQUEST_URL'];
  const bearer = env['ACTIONS_ID_TOKEN_REQUEST_TOKEN'];
  if (url && bearer) return { token: await requestGitHubToken(url, bearer, opts), source: 'github-actions' };
  return undefined;
}

async function requestGitHubToken(requestUrl: string, bearer: string, opts: AcquireTokenOptions): Promise<string> {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch (e) {
    throw new OidcError('ERR_OIDC_ACQUIRE', 'ACTIONS_ID_TOKEN_REQUEST_URL is not a URL', { cause: e });
  }
  url.searchParams.set('audience', opts.audience ?? 'sigstore');
  const fetchFn = opts.fetch ?? globalThis.fetch;
  let body: Record<string, unknown>;
  try {
    body = await fetchJsonObject(url, {
      fetch: (input, init) => fetchFn(input, { ...init, headers: { accept: 'application/json', authorization: `Bearer ${bearer}` } }),
      timeoutMs: opts.timeoutMs ?? 10_000,
      maxBytes: 64 * 1024,
      maxRedirects: 0,
    });
  } catch (e) {
    throw new OidcError('ERR_OIDC_ACQUIRE', `GitHub Actions token request failed: ${(e as Error).message}`, { cause: e });
  }
  const value = body['value'];
  if (typeof value !== 'string' || value === '') throw new OidcError('ERR_OIDC_ACQUIRE', 'GitHub Actions token response has no value');
  return value;
}
