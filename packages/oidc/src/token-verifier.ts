import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors as joseErrors } from 'jose';
import type { CompactVerifyResult, CryptoKey, JSONWebKeySet, JWSHeaderParameters } from 'jose';
import { OidcError } from './errors.js';
import { compileIssuerPattern, isLoopbackHost } from './issuer-pattern.js';
import { fetchJsonObject, type FetchLimits } from './bounded-fetch.js';

/** How one trusted OIDC issuer's tokens are accepted. */
export interface IssuerPolicy {
  /**
   * The issuer: a string is compared byte for byte with the token's `iss` (no normalisation,
   * a trailing `/` matters). `{ pattern }` is a meta-issuer: each `*` matches one or more of
   * `[A-Za-z0-9_-]` — never `.`, `/`, `:`, `?`, `#`, `@` — and the pattern is anchored at both
   * ends, e.g. `https://oidc.eks.*.amazonaws.com/id/*`. https only; http only for loopback hosts.
   */
  issuerUrl: string | { pattern: string };
  /** The audience (`aud`) the token must contain. Default `sigstore`. */
  clientId?: string;
  /** Pinned verification keys (issuers on private networks): no discovery request is ever made. */
  jwks?: JSONWebKeySet;
  /**
   * JWS algorithms accepted. Default: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384,
   * ES512, EdDSA, Ed25519 (every asymmetric JWS algorithm). `none` and `HS*` are refused here.
   */
  algorithms?: readonly string[];
  /**
   * `true`: the token must carry `email` and `email_verified: true` (email issuers).
   * `false`: `email_verified` is not looked at (Fulcio's `skip-email-verification`).
   * Unset (default): a token that carries an `email` claim must have `email_verified: true`.
   */
  requireEmailVerified?: boolean;
  /**
   * Extra origins (`https://host[:port]`) the discovery document's `jwks_uri` may point to.
   * By default it must be on the issuer's own origin (Google's `accounts.google.com` needs
   * `https://www.googleapis.com` here).
   */
  jwksUriOrigins?: readonly string[];
}

/** Options of {@link TokenVerifier}. */
export interface TokenVerifierOptions {
  /** Current time (default `() => new Date()`); also drives the key cache. */
  clock?: () => Date;
  /** HTTP client for discovery and JWKS (default global `fetch`). Called with `redirect: 'manual'`. */
  fetch?: typeof fetch;
  /** Clock skew tolerated on `exp`, `nbf`, `iat`, in seconds. Default 60. */
  maxSkewSeconds?: number;
  /** How long a discovered key set is used before discovery runs again. Default 10 minutes. */
  jwksCacheTtlMs?: number;
  /** Minimum time between two key-set refetches caused by an unknown `kid`. Default 30 s. */
  jwksRefetchIntervalMs?: number;
  /** Timeout of one discovery or JWKS request (headers and body). Default 5 s. */
  timeoutMs?: number;
  /** Largest discovery document or JWKS accepted, in bytes. Default 128 KiB. */
  maxResponseBytes?: number;
}

/** A token whose signature, issuer, times, audience and email verification all checked out. */
export interface VerifiedToken {
  /** The token's `iss`, exactly. */
  readonly issuer: string;
  /** The token's `sub`. */
  readonly subject: string;
  /** The token's `aud`, as an array. */
  readonly audience: readonly string[];
  /** `exp` as a date. */
  readonly expiresAt: Date;
  /** Every claim of the payload (deep-frozen). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** The configured issuer the token was accepted under (the same object passed in). */
  readonly matchedIssuer: IssuerPolicy;
}

/** Every asymmetric JWS algorithm; the default allow-list and the ceiling of any configured one. */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519',
]);

const MAX_TOKEN_LENGTH = 32 * 1024;
const MAX_JWKS_KEYS = 100;
const MAX_CACHED_ISSUERS = 256;
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

type KeyResolver = ReturnType<typeof createLocalJWKSet>;

interface CompiledIssuer {
  readonly policy: IssuerPolicy;
  readonly clientId: string;
  readonly algorithms: readonly string[];
  readonly pinned: KeyResolver | undefined;
  readonly jwksOrigins: ReadonlySet<string>;
  readonly pattern: RegExp | undefined;
}

interface KeySetEntry {
  readonly jwksUri: URL;
  readonly keys: KeyResolver;
  /** Clock time (ms) of discovery; the entry expires `ttl` later. */
  readonly discoveredAt: number;
  /** Clock time (ms) of the last JWKS fetch; refetch on unknown `kid` waits for the interval. */
  readonly fetchedAt: number;
}

const malformed = (message: string, cause?: unknown): OidcError =>
  new OidcError('ERR_OIDC_MALFORMED', message, cause === undefined ? undefined : { cause });
const discovery = (message: string, cause?: unknown): OidcError =>
  new OidcError('ERR_OIDC_DISCOVERY', message, cause === undefined ? undefined : { cause });

/**
 * Verifies OIDC identity tokens against a fixed list of trusted issuers.
 *
 * The token's `iss` only selects a configured issuer; no URL is ever derived from a token that
 * did not match the configuration. Keys come from the pinned JWKS, or from OpenID Connect
 * Discovery 1.0 (`{iss}/.well-known/openid-configuration`, whose `issuer` must equal `iss`, §4.3)
 * and its `jwks_uri`, which must stay on the issuer's origin. Redirects to another origin, large
 * or slow answers are refused. Key sets are cached per issuer and refetched on an unknown `kid`
 * at most once per interval (rotation). Tokens are never logged or put into error messages.
 */
export class TokenVerifier {
  readonly #exact = new Map<string, CompiledIssuer>();
  readonly #patterns: CompiledIssuer[] = [];
  readonly #clock: () => Date;
  readonly #skewMs: number;
  readonly #ttlMs: number;
  readonly #refetchMs: number;
  readonly #limits: FetchLimits;
  readonly #cache = new Map<string, KeySetEntry>();
  readonly #inflight = new Map<string, Promise<KeySetEntry>>();

  /**
   * @param issuers the trusted issuers; exact URLs are tried before patterns, patterns in order.
   * @throws TypeError for an invalid policy: bad or non-https URL, duplicate issuer, empty
   *   client id, an algorithm outside {@link ASYMMETRIC_ALGORITHMS}, a malformed pinned JWKS.
   */
  constructor(issuers: readonly IssuerPolicy[], opts: TokenVerifierOptions = {}) {
    for (const policy of issuers) {
      const compiled = compileIssuer(policy);
      if (compiled.pattern === undefined) {
        const url = policy.issuerUrl as string;
        if (this.#exact.has(url)) throw new TypeError(`issuer ${url} is configured twice`);
        this.#exact.set(url, compiled);
      } else {
        this.#patterns.push(compiled);
      }
    }
    this.#clock = opts.clock ?? (() => new Date());
    this.#skewMs = nonNegative(opts.maxSkewSeconds ?? 60, 'maxSkewSeconds') * 1000;
    this.#ttlMs = nonNegative(opts.jwksCacheTtlMs ?? 600_000, 'jwksCacheTtlMs');
    this.#refetchMs = nonNegative(opts.jwksRefetchIntervalMs ?? 30_000, 'jwksRefetchIntervalMs');
    this.#limits = {
      fetch: opts.fetch ?? globalThis.fetch,
      timeoutMs: nonNegative(opts.timeoutMs ?? 5_000, 'timeoutMs'),
      maxBytes: nonNegative(opts.maxResponseBytes ?? 128 * 1024, 'maxResponseBytes'),
      maxRedirects: 3,
    };
  }

  /**
   * Verifies `token` (a compact JWS) and returns its identity.
   * Checks run in this order: shape → issuer selection → algorithm → keys → signature →
   * `exp` → `nbf`/`iat` → `sub` → audience → email verification.
   * @throws OidcError `ERR_OIDC_MALFORMED`, `ERR_OIDC_UNKNOWN_ISSUER`, `ERR_OIDC_ALGORITHM`,
   *   `ERR_OIDC_DISCOVERY`, `ERR_OIDC_SIGNATURE`, `ERR_OIDC_EXPIRED`, `ERR_OIDC_NOT_YET_VALID`,
   *   `ERR_OIDC_AUDIENCE`, `ERR_OIDC_EMAIL_UNVERIFIED`.
   * @throws TypeError when `token` is not a string.
   */
  async verify(token: string): Promise<VerifiedToken> {
    if (typeof token !== 'string') throw new TypeError('token must be a string');
    const { header, unverifiedIss } = parseUnverified(token);
    const issuer = this.#select(unverifiedIss);
    if (!issuer.algorithms.includes(header.alg)) {
      throw new OidcError('ERR_OIDC_ALGORITHM', `algorithm ${JSON.stringify(header.alg)} is not allowed for issuer ${unverifiedIss}`);
    }
    const result = await this.#verifySignature(token, unverifiedIss, issuer);
    const claims = parsePayload(result.payload);
    if (claims['iss'] !== unverifiedIss) throw malformed('iss changed between decoding and verification');
    return this.#checkClaims(claims, unverifiedIss, issuer);
  }

  #select(iss: string): CompiledIssuer {
    const exact = this.#exact.get(iss);
    if (exact !== undefined) return exact;
    for (const p of this.#patterns) if (p.pattern!.test(iss)) return p;
    throw new OidcError('ERR_OIDC_UNKNOWN_ISSUER', `issuer ${JSON.stringify(iss.slice(0, 200))} is not configured`);
  }

  async #verifySignature(token: string, iss: string, issuer: CompiledIssuer): Promise<CompactVerifyResult> {
    if (issuer.pinned !== undefined) return verifyWith(token, issuer.pinned, issuer.algorithms);
    let entry = await this.#keySet(iss, issuer, false);
    try {
      return await verifyWith(token, entry.keys, issuer.algorithms);
    } catch (e) {
      // Key rotation: an unknown kid makes us refetch the JWKS, at most once per interval.
      if (!(e instanceof OidcError && e.cause instanceof joseErrors.JWKSNoMatchingKey)) throw e;
      if (this.#now() - entry.fetchedAt < this.#refetchMs) throw e;
      entry = await this.#keySet(iss, issuer, true);
      return verifyWith(token, entry.keys, issuer.algorithms);
    }
  }

  #now(): number {
    return this.#clock().getTime();
  }

  async #keySet(iss: string, issuer: CompiledIssuer, refetch: boolean): Promise<KeySetEntry> {
    const cached = this.#cache.get(iss);
    if (!refetch && cached !== undefined && this.#now() - cached.discoveredAt < this.#ttlMs) return cached;
    const key = `${refetch ? 'r' : 'd'} ${iss}`;
    const running = this.#inflight.get(key);
    if (running !== undefined) return running;
    const p = (async () => {
      const now = this.#now();
      const entry: KeySetEntry = refetch && cached !== undefined
        ? { jwksUri: cached.jwksUri, keys: await this.#fetchKeys(cached.jwksUri), discoveredAt: cached.discoveredAt, fetchedAt: now }
        : await this.#discover(iss, issuer, now);
      this.#cache.delete(iss);
      if (this.#cache.size >= MAX_CACHED_ISSUERS) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(iss, entry);
      return entry;
    })().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #discover(iss: string, issuer: CompiledIssuer, now: number): Promise<KeySetEntry> {
    const issuerUrl = checkIssuerUrl(iss, discovery);
    // OpenID Connect Discovery 1.0 §4: remove a terminating '/' before appending the path.
    const configUrl = new URL(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`);
    const doc = await fetchJsonObject(configUrl, this.#limits);
    if (doc['issuer'] !== iss) throw discovery(`discovery document of ${iss} names a different issuer`); // §4.3
    const raw = doc['jwks_uri'];
    if (typeof raw !== 'string') throw discovery(`discovery document of ${iss} has no jwks_uri`);
    let jwksUri: URL;
    try {
      jwksUri = new URL(raw);
    } catch (e) {
      throw discovery(`discovery document of ${iss} has an invalid jwks_uri`, e);
    }
    const secure = jwksUri.protocol === 'https:' || (jwksUri.protocol === 'http:' && issuerUrl.protocol === 'http:' && isLoopbackHost(jwksUri.hostname));
    if (!secure || jwksUri.username !== '' || jwksUri.password !== '') throw discovery(`jwks_uri of ${iss} is not https`);
    if (jwksUri.origin !== issuerUrl.origin && !issuer.jwksOrigins.has(jwksUri.origin)) {
      throw discovery(`jwks_uri of ${iss} is on another origin (${jwksUri.origin}); refused`);
    }
    return { jwksUri, keys: await this.#fetchKeys(jwksUri), discoveredAt: now, fetchedAt: now };
  }

  async #fetchKeys(jwksUri: URL): Promise<KeyResolver> {
    const body = await fetchJsonObject(jwksUri, this.#limits);
    try {
      return createLocalJWKSet(publicKeySet(body));
    } catch (e) {
      throw discovery(`JWKS at ${jwksUri.origin}${jwksUri.pathname} is malformed`, e);
    }
  }

  #checkClaims(claims: Record<string, unknown>, iss: string, issuer: CompiledIssuer): VerifiedToken {
    const now = this.#now();
    const exp = numericDate(claims, 'exp');
    if (exp === undefined) throw malformed('token has no exp');
    // RFC 7519 §4.1.4: the token must not be accepted on or after exp.
    if (now - this.#skewMs >= exp * 1000) throw new OidcError('ERR_OIDC_EXPIRED', `token expired at ${new Date(exp * 1000).toISOString()}`);
    for (const name of ['nbf', 'iat'] as const) {
      const t = numericDate(claims, name);
      if (t !== undefined && t * 1000 > now + this.#skewMs) {
        throw new OidcError('ERR_OIDC_NOT_YET_VALID', `token ${name} ${new Date(t * 1000).toISOString()} is in the future`);
      }
    }
    const sub = claims['sub'];
    if (typeof sub !== 'string' || sub === '') throw malformed('token has no sub');
    const aud = claims['aud'];
    const audience = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
    if (audience === undefined || !audience.includes(issuer.clientId)) {
      throw new OidcError('ERR_OIDC_AUDIENCE', `token audience does not contain ${JSON.stringify(issuer.clientId)}`);
    }
    const required = issuer.policy.requireEmailVerified;
    if (required === true || (required === undefined && claims['email'] !== undefined)) {
      if (typeof claims['email'] !== 'string' || claims['email'] === '') throw new OidcError('ERR_OIDC_EMAIL_UNVERIFIED', 'token has no email');
      if (claims['email_verified'] !== true) throw new OidcError('ERR_OIDC_EMAIL_UNVERIFIED', 'token email is not verified (email_verified is not true)');
    }
    return Object.freeze({
      issuer: iss,
      subject: sub,
      audience: Object.freeze([...audience]),
      expiresAt: new Date(exp * 1000),
      claims: deepFreeze(claims),
      matchedIssuer: issuer.policy,
    });
  }
}

const NO_KEY = 'no trusted key matches the token (kid/alg)';

async function verifyWith(token: string, keys: KeyResolver, algorithms: readonly string[]): Promise<CompactVerifyResult> {
  const options = { algorithms: [...algorithms] };
  try {
    return await compactVerify(token, keys, options);
  } catch (e) {
    if (e instanceof joseErrors.JWKSMultipleMatchingKeys) {
      // Several keys fit (no kid): the signature must verify under one of them.
      for await (const key of e as unknown as AsyncIterable<CryptoKey>) {
        try {
          return await compactVerify(token, key, options);
        } catch {
          // try the next candidate
        }
      }
      throw new OidcError('ERR_OIDC_SIGNATURE', 'signature does not verify', { cause: e });
    }
    throw mapJoseError(e);
  }
}

function mapJoseError(e: unknown): OidcError {
  if (e instanceof OidcError) return e;
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new OidcError('ERR_OIDC_SIGNATURE', NO_KEY, { cause: e });
  if (e instanceof joseErrors.JOSEAlgNotAllowed || e instanceof joseErrors.JOSENotSupported) {
    return new OidcError('ERR_OIDC_ALGORITHM', 'algorithm not allowed or not supported', { cause: e });
  }
  if (e instanceof joseErrors.JWSInvalid) return malformed('not a valid compact JWS', e);
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) return new OidcError('ERR_OIDC_SIGNATURE', 'signature does not verify', { cause: e });
  return new OidcError('ERR_OIDC_SIGNATURE', 'signature could not be verified', { cause: e });
}

function parseUnverified(token: string): { header: JWSHeaderParameters & { alg: string }; unverifiedIss: string } {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw malformed(`token length must be 1..${MAX_TOKEN_LENGTH}`);
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p, i) => (i === 2 || p.length > 0) && /^[A-Za-z0-9_-]*$/.test(p))) {
    throw malformed('not a compact JWS (three base64url parts)');
  }
  let header: JWSHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWSHeaderParameters;
  } catch (e) {
    throw malformed('token header is not a JSON object', e);
  }
  if (typeof header.alg !== 'string') throw malformed('token header has no alg');
  if (header.alg === 'none' || /^HS/i.test(header.alg)) throw new OidcError('ERR_OIDC_ALGORITHM', `algorithm ${JSON.stringify(header.alg)} is never accepted`);
  const claims = parsePayload(Buffer.from(parts[1] as string, 'base64url'));
  const iss = claims['iss'];
  if (typeof iss !== 'string' || iss === '') throw malformed('token has no iss');
  return { header: header as JWSHeaderParameters & { alg: string }, unverifiedIss: iss };
}

function parsePayload(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw malformed('token payload is not JSON', e);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('token payload is not a JSON object');
  return value as Record<string, unknown>;
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const v = claims[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw malformed(`token ${name} is not a NumericDate`);
  return v;
}

function publicKeySet(body: Record<string, unknown>): JSONWebKeySet {
  const keys = body['keys'];
  if (!Array.isArray(keys)) throw discovery('JWKS has no keys array');
  if (keys.length > MAX_JWKS_KEYS) throw discovery(`JWKS has more than ${MAX_JWKS_KEYS} keys`);
  const out = [];
  for (const k of keys) {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) continue;
    const jwk = { ...(k as Record<string, unknown>) };
    // Symmetric keys never verify an identity token; private members are never needed.
    if (jwk['kty'] === 'oct') continue;
    for (const m of PRIVATE_JWK_MEMBERS) delete jwk[m];
    out.push(jwk);
  }
  return { keys: out } as JSONWebKeySet;
}

function checkIssuerUrl<E extends Error>(iss: string, error: (m: string) => E): URL {
  let url: URL;
  try {
    url = new URL(iss);
  } catch {
    throw error(`issuer ${JSON.stringify(iss)} is not a URL`);
  }
  const ok = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  // OpenID Connect Core §2: https, no query or fragment.
  if (!ok || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '' || iss.includes('?') || iss.includes('#')) {
    throw error(`issuer ${JSON.stringify(iss)} must be an https URL (http only on loopback) without query, fragment or credentials`);
  }
  return url;
}

function compileIssuer(policy: IssuerPolicy): CompiledIssuer {
  if (typeof policy !== 'object' || policy === null) throw new TypeError('issuer policy must be an object');
  const clientId = policy.clientId ?? 'sigstore';
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError('clientId must be a non-empty string');
  const algorithms = policy.algorithms === undefined ? ASYMMETRIC_ALGORITHMS : Object.freeze([...policy.algorithms]);
  if (algorithms.length === 0) throw new TypeError('algorithms must not be empty');
  for (const a of algorithms) {
    if (!ASYMMETRIC_ALGORITHMS.includes(a)) throw new TypeError(`algorithm ${JSON.stringify(a)} is not an accepted asymmetric JWS algorithm`);
  }
  let pattern: RegExp | undefined;
  if (typeof policy.issuerUrl === 'string') {
    checkIssuerUrl(policy.issuerUrl, (m) => new TypeError(m));
  } else if (typeof policy.issuerUrl === 'object' && policy.issuerUrl !== null && typeof policy.issuerUrl.pattern === 'string') {
    pattern = compileIssuerPattern(policy.issuerUrl.pattern);
  } else {
    throw new TypeError('issuerUrl must be a string or { pattern: string }');
  }
  let pinned: KeyResolver | undefined;
  if (policy.jwks !== undefined) {
    try {
      pinned = createLocalJWKSet(publicKeySet(policy.jwks as unknown as Record<string, unknown>));
    } catch (e) {
      throw new TypeError('pinned jwks is not a valid JSON Web Key Set', { cause: e });
    }
  }
  const jwksOrigins = new Set<string>();
  for (const o of policy.jwksUriOrigins ?? []) {
    const u = new URL(o);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) throw new TypeError(`jwksUriOrigins entry ${o} is not https`);
    jwksOrigins.add(u.origin);
  }
  return { policy, clientId, algorithms, pinned, jwksOrigins, pattern };
}

function nonNegative(n: number, name: string): number {
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a non-negative number`);
  return n;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

