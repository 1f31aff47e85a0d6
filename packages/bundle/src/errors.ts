import { SignetError } from '@signet/core';

/**
 * Codes raised by `@signet/bundle`. The structural codes (`ERR_BUNDLE_*` other than
 * `ERR_BUNDLE_VERSION`) are shared by the three documents this package reads — a bundle,
 * `trusted_root.json` and `signing_config.json` — because they describe the JSON, not the
 * document; the document-specific rules have their own `ERR_TRUSTROOT_*` / `ERR_SIGNINGCONFIG_*`.
 */
export type BundleErrorCode =
  /** Input is not JSON (syntax error, invalid UTF-8, truncated). */
  | 'ERR_BUNDLE_JSON'
  /** Bundle `mediaType` missing or not one of the four known bundle media types. */
  | 'ERR_BUNDLE_VERSION'
  /** A required field is absent, `null`, or holds the proto3 default (empty string / bytes). */
  | 'ERR_BUNDLE_MISSING'
  /** A field has the wrong JSON type (e.g. a number where a string is expected). */
  | 'ERR_BUNDLE_TYPE'
  /** A bytes field is not valid base64 (alphabet, padding, length, non-canonical bits). */
  | 'ERR_BUNDLE_BASE64'
  /** An integer field is negative, fractional, non-decimal or above its maximum. */
  | 'ERR_BUNDLE_INTEGER'
  /** A size or count cap was exceeded (see the package README). */
  | 'ERR_BUNDLE_LIMIT'
  /** A oneof has zero or several members set. */
  | 'ERR_BUNDLE_ONEOF'
  /** A Timestamp field is not an RFC 3339 date-time in the proto3 JSON range. */
  | 'ERR_BUNDLE_TIMESTAMP'
  /** An enum field holds a name this package does not know (e.g. an unsupported hash). */
  | 'ERR_BUNDLE_ENUM'
  /** A well-typed value breaks a rule of the spec or of the bundle's version. */
  | 'ERR_BUNDLE_CONSTRAINT'
  /** Trusted root `mediaType` missing or unknown. */
  | 'ERR_TRUSTROOT_VERSION'
  /** Trust material validity window missing, without `start`, or ending before it starts. */
  | 'ERR_TRUSTROOT_VALIDITY'
  /** Signing config `mediaType` missing or not v0.2. */
  | 'ERR_SIGNINGCONFIG_VERSION'
  /** A service validity window missing, without `start`, or ending before it starts. */
  | 'ERR_SIGNINGCONFIG_VALIDITY'
  /** A service selector is undefined, or `EXACT` with a count of 0 or above the services listed. */
  | 'ERR_SIGNINGCONFIG_SELECTOR'
  /** A service URL is not an absolute http(s) URL. */
  | 'ERR_SIGNINGCONFIG_URL';

/**
 * A bundle, trusted root or signing config failed strict parsing. `path` is the JSON path of
 * the offending value (`$` is the document root), e.g.
 * `$.verificationMaterial.tlogEntries[0].logIndex`; the message starts with it.
 */
export class BundleError extends SignetError {
  declare readonly code: BundleErrorCode;
  /** JSON path of the offending value, `$`-rooted. */
  readonly path: string;

  constructor(code: BundleErrorCode, path: string, message: string, options?: { cause?: unknown }) {
    super(code, `${path}: ${message}`, options);
    this.path = path;
  }
}
