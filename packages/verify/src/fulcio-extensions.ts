import { decodeDerString, type Certificate } from '@signet/core';

/** Sigstore's Fulcio certificate extensions (fulcio docs/oid-info.md), by friendly name. */
export const FULCIO_EXTENSIONS = {
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerURI: '1.3.6.1.4.1.57264.1.9',
  buildSignerDigest: '1.3.6.1.4.1.57264.1.10',
  runnerEnvironment: '1.3.6.1.4.1.57264.1.11',
  sourceRepositoryURI: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  sourceRepositoryIdentifier: '1.3.6.1.4.1.57264.1.15',
  sourceRepositoryOwnerURI: '1.3.6.1.4.1.57264.1.16',
  sourceRepositoryOwnerIdentifier: '1.3.6.1.4.1.57264.1.17',
  buildConfigURI: '1.3.6.1.4.1.57264.1.18',
  buildConfigDigest: '1.3.6.1.4.1.57264.1.19',
  buildTrigger: '1.3.6.1.4.1.57264.1.20',
  runInvocationURI: '1.3.6.1.4.1.57264.1.21',
  sourceRepositoryVisibilityAtSigning: '1.3.6.1.4.1.57264.1.22',
  deploymentEnvironment: '1.3.6.1.4.1.57264.1.23',
} as const;

/** Friendly name of a Fulcio extension. */
export type FulcioExtensionName = keyof typeof FULCIO_EXTENSIONS;

/** The deprecated issuer extension: the raw string bytes, not DER (oid-info.md). */
export const FULCIO_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1';

/** The OtherName type of username SANs. */
export const FULCIO_USERNAME_SAN = '1.3.6.1.4.1.57264.1.7';

/**
 * The OIDC issuer recorded in a Fulcio certificate: extension .1.8 (DER UTF8String), falling
 * back to the deprecated .1.1 (raw bytes). Undefined when neither is present or decodable.
 */
export function certificateIssuer(cert: Certificate): string | undefined {
  const v2 = cert.extension(FULCIO_EXTENSIONS.issuer);
  if (v2) {
    try {
      return decodeDerString(v2.value);
    } catch {
      return undefined;
    }
  }
  const v1 = cert.extension(FULCIO_ISSUER_V1);
  return v1 ? v1.value.toString('utf8') : undefined;
}

/** The signer identity: the certificate's one SAN (email, URI or username OtherName). */
export function certificateIdentity(cert: Certificate): string | undefined {
  for (const san of cert.subjectAltNames) {
    if (san.type === 'email' || san.type === 'uri') return san.value;
    if (san.type === 'otherName' && san.oid === FULCIO_USERNAME_SAN) return san.value;
  }
  return undefined;
}

/** All Fulcio CI-claim extensions present in a certificate, decoded, by friendly name. */
export function certificateClaims(cert: Certificate): Partial<Record<FulcioExtensionName, string>> {
  const out: Partial<Record<FulcioExtensionName, string>> = {};
  for (const [name, oid] of Object.entries(FULCIO_EXTENSIONS) as [FulcioExtensionName, string][]) {
    const ext = cert.extension(oid);
    if (!ext) continue;
    try {
      out[name] = decodeDerString(ext.value);
    } catch {
      // A malformed claim is simply not reported; a policy on it then fails to match.
    }
  }
  return out;
}
