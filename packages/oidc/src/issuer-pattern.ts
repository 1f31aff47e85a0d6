/**
 * Meta-issuer patterns: an issuer URL in which each `*` stands for one or more characters of
 * `[A-Za-z0-9_-]`. A `*` never matches `.`, `/`, `:`, `?`, `#`, `@` or `%`, so it can fill one
 * DNS label or one path segment and nothing more; the whole URL is anchored at both ends.
 * This is Fulcio's meta-issuer rule (pkg/config `MetaRegex`) — its unanchored first version let
 * `https://evil.example/?https://oidc.eks.x.amazonaws.com/id/1` through (a Fulcio advisory).
 */

const WILDCARD = '[A-Za-z0-9_-]+';

/** Escapes every regular-expression metacharacter of a literal piece. */
function escapeLiteral(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/**
 * Compiles a meta-issuer pattern to an anchored regular expression.
 * @throws TypeError when the pattern is not an absolute https URL (http only on loopback), has a
 *   wildcard in its scheme, or has no wildcard.
 */
export function compileIssuerPattern(pattern: string): RegExp {
  if (!pattern.includes('*')) throw new TypeError(`issuer pattern ${JSON.stringify(pattern)} has no '*'`);
  const scheme = /^(https?):\/\//.exec(pattern);
  if (!scheme) throw new TypeError(`issuer pattern ${JSON.stringify(pattern)} must start with https://`);
  if (/[?#@\s]/.test(pattern)) throw new TypeError(`issuer pattern ${JSON.stringify(pattern)} may not contain '?', '#', '@' or spaces`);
  if (scheme[1] === 'http') {
    // Validate the host as a URL with the wildcards filled in.
    const sample = new URL(pattern.replaceAll('*', 'x'));
    if (!isLoopbackHost(sample.hostname)) throw new TypeError(`issuer pattern ${JSON.stringify(pattern)}: http is allowed only on loopback`);
  } else {
    new URL(pattern.replaceAll('*', 'x')); // throws TypeError on a malformed URL
  }
  const body = pattern.split('*').map(escapeLiteral).join(WILDCARD);
  return new RegExp(`^${body}$`);
}

/**
 * True when `issuer` matches the meta-issuer `pattern` (anchored; see the module comment for
 * what `*` may match).
 * @throws TypeError for an invalid pattern (see {@link compileIssuerPattern}).
 */
export function matchIssuerPattern(pattern: string, issuer: string): boolean {
  return compileIssuerPattern(pattern).test(issuer);
}

/** Hosts reached without leaving the machine: http is acceptable for them only. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
