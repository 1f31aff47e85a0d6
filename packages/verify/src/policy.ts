import type { Certificate } from '@signet/core';
import { VerificationError } from './errors.js';
import { FULCIO_EXTENSIONS, certificateClaims, certificateIdentity, certificateIssuer, type FulcioExtensionName } from './fulcio-extensions.js';

/** A string matched exactly, or a regular expression (unanchored, as cosign's `-regexp` flags; anchor it with ^…$). */
export type Matcher = string | RegExp;

/**
 * Who must have signed: the certificate's SAN and OIDC issuer, and optionally CI claims
 * (Fulcio extensions by friendly name or dotted OID) that must equal the given values.
 */
export interface IdentityPolicy {
  subjectAlternativeName?: Matcher | undefined;
  issuer?: Matcher | undefined;
  extensions?: Readonly<Record<string, string>> | undefined;
}

function matches(m: Matcher, value: string): boolean {
  return typeof m === 'string' ? m === value : m.test(value);
}

/**
 * Checks a leaf certificate against an identity policy (DESIGN.md step 7).
 * @throws VerificationError `ERR_VERIFY_POLICY_SAN`, `ERR_VERIFY_POLICY_ISSUER`, `ERR_VERIFY_POLICY_EXTENSION`
 */
export function verifyIdentityPolicy(cert: Certificate, policy: IdentityPolicy): void {
  if (policy.subjectAlternativeName !== undefined) {
    const san = certificateIdentity(cert);
    if (san === undefined || !matches(policy.subjectAlternativeName, san)) {
      throw new VerificationError('ERR_VERIFY_POLICY_SAN', `certificate identity ${JSON.stringify(san ?? '(none)')} does not match ${String(policy.subjectAlternativeName)}`);
    }
  }
  if (policy.issuer !== undefined) {
    const issuer = certificateIssuer(cert);
    if (issuer === undefined || !matches(policy.issuer, issuer)) {
      throw new VerificationError('ERR_VERIFY_POLICY_ISSUER', `certificate OIDC issuer ${JSON.stringify(issuer ?? '(none)')} does not match ${String(policy.issuer)}`);
    }
  }
  if (policy.extensions) {
    const claims = certificateClaims(cert);
    for (const [key, want] of Object.entries(policy.extensions)) {
      const name = (Object.keys(FULCIO_EXTENSIONS) as FulcioExtensionName[]).find((n) => n === key || FULCIO_EXTENSIONS[n] === key);
      if (!name) throw new VerificationError('ERR_VERIFY_POLICY_EXTENSION', `unknown certificate extension ${key}`);
      if (claims[name] !== want) {
        throw new VerificationError('ERR_VERIFY_POLICY_EXTENSION', `certificate ${name} is ${JSON.stringify(claims[name] ?? '(absent)')}, expected ${JSON.stringify(want)}`);
      }
    }
  }
}
