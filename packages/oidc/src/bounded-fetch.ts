import { OidcError } from './errors.js';

/** Limits applied to every metadata request (discovery document, JWKS). */
export interface FetchLimits {
  readonly fetch: typeof fetch;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** Same-origin redirects followed at most; a redirect to another origin is always refused. */
  readonly maxRedirects: number;
}

const fail = (message: string, cause?: unknown): OidcError =>
  new OidcError('ERR_OIDC_DISCOVERY', message, cause === undefined ? undefined : { cause });

/**
 * GETs `url` and parses a JSON object, refusing redirects that leave `url`'s origin (the SSRF
 * pattern of several Fulcio advisories: a trusted issuer's discovery redirecting into an internal
 * network), bodies over `maxBytes`, and answers slower than `timeoutMs` (headers and body together).
 * @throws OidcError `ERR_OIDC_DISCOVERY` for every failure.
 */
export async function fetchJsonObject(url: URL, limits: FetchLimits): Promise<Record<string, unknown>> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = url;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await limits.fetch(current, { redirect: 'manual', signal, headers: { accept: 'application/json' } });
    } catch (e) {
      throw fail(`cannot fetch ${current.origin}${current.pathname}: ${(e as Error)?.name === 'TimeoutError' ? 'timed out' : (e as Error)?.message}`, e);
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      const location = res.headers.get('location');
      if (location === null || res.type === 'opaqueredirect') throw fail(`${current.origin}${current.pathname} redirects without a usable Location`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch (e) {
        throw fail(`${current.origin}${current.pathname} redirects to an invalid URL`, e);
      }
      if (next.origin !== url.origin) throw fail(`${current.origin}${current.pathname} redirects to another origin (${next.origin}); refused`);
      if (hop >= limits.maxRedirects) throw fail(`${url.origin}${url.pathname}: too many redirects`);
      current = next;
      continue;
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw fail(`${current.origin}${current.pathname} answered HTTP ${res.status}`);
    }
    const text = await readCapped(res, limits.maxBytes, current);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw fail(`${current.origin}${current.pathname} did not answer JSON`, e);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail(`${current.origin}${current.pathname} did not answer a JSON object`);
    return value as Record<string, unknown>;
  }
}

async function readCapped(res: Response, maxBytes: number, url: URL): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw fail(`${url.origin}${url.pathname}: response of ${declared} bytes exceeds ${maxBytes}`);
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw fail(`${url.origin}${url.pathname}: response exceeds ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof OidcError) throw e;
    throw fail(`${url.origin}${url.pathname}: reading the response failed`, e);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch (e) {
    throw fail(`${url.origin}${url.pathname}: response is not UTF-8`, e);
  }
}
