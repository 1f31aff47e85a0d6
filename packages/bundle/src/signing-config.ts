import { BundleError } from './errors.js';
import {
  asObject, at, item, parseRoot, readArray, readObject, readString, readUnsigned, requireString,
  type JsonObject,
} from './json-reader.js';
import { BUNDLE_LIMITS } from './limits.js';
import { requireValidity, serializeValidity, type ValidityPeriod, type ValidityPeriodJSON } from './validity.js';

/**
 * One Sigstore service endpoint (sigstore_trustroot.proto `Service`). `majorApiVersion` 0
 * means "not yet released"; `operator` groups services for thresholds.
 */
export interface Service { url: string; majorApiVersion: number; validFor: ValidityPeriod; operator?: string }
/** How many services to use: all, any one, or exactly `count` (`ServiceSelector`). */
export type ServiceSelector = 'ALL' | 'ANY' | 'EXACT';
/** `ServiceConfiguration`: `count` is set (and > 0) exactly when meaningful (`EXACT`). */
export interface ServiceConfiguration { selector: ServiceSelector; count?: number }
/** A parsed `signing_config.json` v0.2: where a signer finds CA, OIDC, log and TSA services. */
export interface SigningConfig {
  mediaType: string;
  caUrls: Service[];
  oidcUrls: Service[];
  rekorTlogUrls: Service[];
  rekorTlogConfig?: ServiceConfiguration;
  tsaUrls: Service[];
  tsaConfig?: ServiceConfiguration;
}

/** proto3 JSON of a `Service`. */
export interface ServiceJSON { url: string; majorApiVersion?: number; validFor: ValidityPeriodJSON; operator?: string }
/** proto3 JSON of a `ServiceConfiguration`. */
export interface ServiceConfigurationJSON { selector: ServiceSelector; count?: number }
/** proto3 JSON of a `SigningConfig`. */
export interface SigningConfigJSON {
  mediaType: string;
  caUrls?: ServiceJSON[];
  oidcUrls?: ServiceJSON[];
  rekorTlogUrls?: ServiceJSON[];
  rekorTlogConfig?: ServiceConfigurationJSON;
  tsaUrls?: ServiceJSON[];
  tsaConfig?: ServiceConfigurationJSON;
}

/** The only signing-config media type accepted (v0.1 had a different, URL-string shape). */
export const SIGNING_CONFIG_V02_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

const SELECTORS: readonly ServiceSelector[] = ['ALL', 'ANY', 'EXACT'];
const UINT32_MAX = 0xffffffff;

function readService(value: unknown, path: string): Service {
  const obj = asObject(value, path);
  const url = requireString(obj, 'url', path);
  // sigstore_trustroot.proto: "URL of the service. MUST include scheme and authority."
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.host === '') {
    throw new BundleError('ERR_SIGNINGCONFIG_URL', at(path, 'url'), 'not an absolute http(s) URL');
  }
  const service: Service = {
    url,
    majorApiVersion: readUnsigned(obj, 'majorApiVersion', path, UINT32_MAX),
    validFor: requireValidity(obj, 'validFor', path, 'ERR_SIGNINGCONFIG_VALIDITY'),
  };
  const operator = readString(obj, 'operator', path);
  if (operator !== undefined) service.operator = operator;
  return service;
}

function readServices(root: JsonObject, key: string): Service[] {
  return readArray(root, key, '$', BUNDLE_LIMITS.maxTrustEntries).map((v, i) => readService(v, item(at('$', key), i)));
}

function readConfiguration(root: JsonObject, key: string, services: number): ServiceConfiguration | undefined {
  const obj = readObject(root, key, '$');
  if (obj === undefined) return undefined;
  const path = at('$', key);
  const name = readString(obj, 'selector', path);
  // The enum's zero value SERVICE_SELECTOR_UNDEFINED: "A client SHOULD throw an error".
  if (name === undefined || !(SELECTORS as readonly string[]).includes(name)) {
    throw new BundleError('ERR_SIGNINGCONFIG_SELECTOR', at(path, 'selector'), `unsupported selector ${JSON.stringify(name ?? null)}`);
  }
  const selector = name as ServiceSelector;
  const count = readUnsigned(obj, 'count', path, UINT32_MAX);
  // "count MUST be greater than 0. count MUST be less than or equal to the number of Services."
  if (selector === 'EXACT' && (count === 0 || count > services)) {
    throw new BundleError('ERR_SIGNINGCONFIG_SELECTOR', at(path, 'count'), `EXACT needs 1 ≤ count ≤ ${services}, got ${count}`);
  }
  return count === 0 ? { selector } : { selector, count };
}

/**
 * Parses a `signing_config.json` (media type v0.2) strictly: every service needs an absolute
 * http(s) URL and a validity window with a start; selectors must be ALL, ANY or EXACT, and
 * EXACT needs 1 ≤ count ≤ the number of services it selects from.
 * @throws BundleError `ERR_SIGNINGCONFIG_VERSION`, `ERR_SIGNINGCONFIG_VALIDITY`,
 *   `ERR_SIGNINGCONFIG_SELECTOR`, `ERR_SIGNINGCONFIG_URL`, `ERR_BUNDLE_JSON`,
 *   `ERR_BUNDLE_MISSING`, `ERR_BUNDLE_TYPE`, `ERR_BUNDLE_INTEGER`, `ERR_BUNDLE_LIMIT`,
 *   `ERR_BUNDLE_TIMESTAMP`
 */
export function parseSigningConfig(input: unknown): SigningConfig {
  const root = parseRoot(input);
  const mediaType = readString(root, 'mediaType', '$');
  if (mediaType !== SIGNING_CONFIG_V02_MEDIA_TYPE) {
    throw new BundleError('ERR_SIGNINGCONFIG_VERSION', '$.mediaType', `unsupported signing config media type ${JSON.stringify(mediaType ?? null)}`);
  }
  const rekorTlogUrls = readServices(root, 'rekorTlogUrls');
  const tsaUrls = readServices(root, 'tsaUrls');
  const config: SigningConfig = {
    mediaType,
    caUrls: readServices(root, 'caUrls'),
    oidcUrls: readServices(root, 'oidcUrls'),
    rekorTlogUrls,
    tsaUrls,
  };
  const rekorTlogConfig = readConfiguration(root, 'rekorTlogConfig', rekorTlogUrls.length);
  if (rekorTlogConfig !== undefined) config.rekorTlogConfig = rekorTlogConfig;
  const tsaConfig = readConfiguration(root, 'tsaConfig', tsaUrls.length);
  if (tsaConfig !== undefined) config.tsaConfig = tsaConfig;
  return config;
}

function serializeService(s: Service): ServiceJSON {
  const out = { url: s.url } as ServiceJSON;
  if (s.majorApiVersion !== 0) out.majorApiVersion = s.majorApiVersion;
  out.validFor = serializeValidity(s.validFor);
  if (s.operator !== undefined && s.operator !== '') out.operator = s.operator;
  return out;
}

function serializeConfiguration(c: ServiceConfiguration): ServiceConfigurationJSON {
  return c.count === undefined || c.count === 0 ? { selector: c.selector } : { selector: c.selector, count: c.count };
}

/**
 * Serializes a signing config to proto3 JSON (uint32 as numbers, empty lists omitted).
 * @throws RangeError for an invalid or out-of-range Date (caller misuse).
 */
export function serializeSigningConfig(config: SigningConfig): SigningConfigJSON {
  const out: SigningConfigJSON = { mediaType: config.mediaType };
  if (config.caUrls.length > 0) out.caUrls = config.caUrls.map(serializeService);
  if (config.oidcUrls.length > 0) out.oidcUrls = config.oidcUrls.map(serializeService);
  if (config.rekorTlogUrls.length > 0) out.rekorTlogUrls = config.rekorTlogUrls.map(serializeService);
  if (config.rekorTlogConfig !== undefined) out.rekorTlogConfig = serializeConfiguration(config.rekorTlogConfig);
  if (config.tsaUrls.length > 0) out.tsaUrls = config.tsaUrls.map(serializeService);
  if (config.tsaConfig !== undefined) out.tsaConfig = serializeConfiguration(config.tsaConfig);
  return out;
}
