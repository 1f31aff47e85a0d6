import { OID, isIssuedBy, type Certificate } from '@signet/core';
import { VerificationError } from './errors.js';
import { isWithin, type CertificateAuthorityTrust } from './trust-material.js';

/** A leaf's path to trust: the authority that issued it and the chain above the leaf. */
export interface CertificatePath {
  readonly authority: CertificateAuthorityTrust;
  /** Issuer of the leaf first, root last. */
  readonly chain: readonly Certificate[];
}

// Chains of the trusted root are verified once per trust-material object, not per bundle.
const verifiedChains = new WeakMap<CertificateAuthorityTrust, boolean>();

function chainIsSound(ca: CertificateAuthorityTrust): boolean {
  let ok = verifiedChains.get(ca);
  if (ok === undefined) {
    ok = true;
    const certs = ca.certificates;
    for (let i = 0; i < certs.length && ok; i++) {
      const cert = certs[i] as Certificate;
      const issuer = certs[i + 1] ?? cert; // the last one must be self-signed
      ok = cert.isCA && isIssuedBy(cert, issuer);
    }
    verifiedChains.set(ca, ok);
  }
  return ok;
}

/**
 * Finds a trusted CA that issued `leaf` and checks the path at every verified time
 * (RFC 5280 §6, as Sigstore profiles it: DESIGN.md step 4): the CA's validity window and every
 * certificate's validity contain each time; the leaf is not a CA and has the code-signing EKU.
 * @throws VerificationError `ERR_VERIFY_CERT_IS_CA`, `ERR_VERIFY_CERT_EKU`, `ERR_VERIFY_CERT_VALIDITY`, `ERR_VERIFY_CERT_CHAIN`
 */
export function verifyCertificatePath(leaf: Certificate, authorities: readonly CertificateAuthorityTrust[], times: readonly Date[]): CertificatePath {
  if (leaf.isCA) throw new VerificationError('ERR_VERIFY_CERT_IS_CA', 'signing certificate is a CA certificate');
  if (!leaf.extKeyUsage.includes(OID.codeSigning)) {
    throw new VerificationError('ERR_VERIFY_CERT_EKU', 'signing certificate lacks the code-signing extended key usage');
  }
  if (times.length === 0) throw new VerificationError('ERR_VERIFY_CERT_VALIDITY', 'no verified time to check the certificate at');
  for (const t of times) {
    if (t < leaf.notBefore || t > leaf.notAfter) {
      throw new VerificationError('ERR_VERIFY_CERT_VALIDITY', `signing time ${t.toISOString()} is outside the certificate's validity (${leaf.notBefore.toISOString()} – ${leaf.notAfter.toISOString()})`);
    }
  }
  let issuedButOutOfWindow = false;
  for (const ca of authorities) {
    const first = ca.certificates[0];
    if (!first || !isIssuedBy(leaf, first)) continue;
    if (!times.every((t) => isWithin(ca.validFor, t) && ca.certificates.every((c) => t >= c.notBefore && t <= c.notAfter))) {
      issuedButOutOfWindow = true;
      continue;
    }
    if (!chainIsSound(ca)) continue;
    return { authority: ca, chain: ca.certificates };
  }
  if (issuedButOutOfWindow) {
    throw new VerificationError('ERR_VERIFY_CERT_VALIDITY', 'the issuing CA was not valid at the signing time');
  }
  throw new VerificationError('ERR_VERIFY_CERT_CHAIN', 'signing certificate does not chain to a trusted CA');
}
