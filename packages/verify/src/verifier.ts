import { createPublicKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CoreError, parseCertificate, type Certificate, type HashName } from '@signet/core';
import type { Bundle, HashAlgorithm, TransparencyLogEntry } from '@signet/bundle';
import { VerificationError } from './errors.js';
import { buildTrustMaterial, isWithin, type CertificateAuthorityTrust, type LogKey, type TrustMaterial } from './trust-material.js';
import { verifyRFC3161Timestamp } from './rfc3161.js';
import { verifyEmbeddedSCTs } from './sct.js';
import { verifyCertificatePath } from './certificate-chain.js';
import { findLog, verifyInclusion, verifySignedEntryTimestamp } from './tlog.js';
import { verifyTLogBody, type SignedContent } from './tlog-body.js';
import { verifyEnvelope, verifyMessageSignature, type Artifact, type SignerKey } from './artifact.js';
import { verifyIdentityPolicy, type IdentityPolicy } from './policy.js';
import { certificateClaims, certificateIdentity, certificateIssuer } from './fulcio-extensions.js';
import type { TrustedRoot } from '@signet/bundle';

/** Thresholds of distinct trusted parties (never counted per entry). */
export interface VerifierOptions {
  /** Distinct transparency logs whose entries must verify. Default 1. */
  tlogThreshold?: number;
  /** Distinct CT logs whose embedded SCTs must verify. Default 1. */
  ctlogThreshold?: number;
  /** Distinct time sources (SET-backed logs and TSAs) that must vouch for the signing time. Default 1. */
  timestampThreshold?: number;
}

/** What to check a bundle against. */
export interface VerificationInput {
  /** The artifact (for DSSE: a subject of the statement). Omit only to verify a DSSE envelope alone. */
  artifact?: Artifact | undefined;
  /** Identity policy for certificate bundles. */
  policy?: IdentityPolicy | undefined;
  /** Caller-trusted key for keyed bundles. */
  key?: KeyObject | undefined;
}

/** A time that a trusted party vouched for. */
export interface VerifiedTimestamp {
  readonly source: 'transparency-log' | 'timestamp-authority';
  readonly uri: string;
  readonly time: Date;
}

/** Who signed: a certificate identity, or a caller-trusted key. */
export type Signer =
  | { readonly kind: 'certificate'; readonly certificate: Certificate; readonly identity: string | undefined; readonly issuer: string | undefined; readonly claims: Readonly<Record<string, string>> }
  | { readonly kind: 'key'; readonly key: KeyObject };

/** The outcome of a successful verification: every field has been verified. */
export interface VerificationResult {
  readonly signer: Signer;
  readonly timestamps: readonly VerifiedTimestamp[];
  readonly tlogEntries: readonly { readonly logIndex: number; readonly baseUrl: string }[];
  /** The in-toto statement of a DSSE bundle. */
  readonly statement?: unknown;
}

const HASH_OF: Record<HashAlgorithm, HashName> = { SHA2_256: 'sha256', SHA2_384: 'sha384', SHA2_512: 'sha512' };

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The signer of a certificate bundle. Identity, issuer and claims are decoded from the (verified)
 * certificate when first read, not on every verification: most callers read none of them.
 */
function certificateSigner(certificate: Certificate): Signer {
  let identity: { value: string | undefined } | undefined;
  let issuer: { value: string | undefined } | undefined;
  let claims: Readonly<Record<string, string>> | undefined;
  return {
    kind: 'certificate',
    certificate,
    get identity() {
      identity ??= { value: certificateIdentity(certificate) };
      return identity.value;
    },
    get issuer() {
      issuer ??= { value: certificateIssuer(certificate) };
      return issuer.value;
    },
    get claims() {
      claims ??= certificateClaims(certificate);
      return claims;
    },
  };
}

/** The hash an artifact must be digested with to verify `bundle` (message signatures name it). */
export function artifactHashFor(bundle: Bundle): HashName {
  return bundle.content.$case === 'messageSignature' && bundle.content.messageSignature.messageDigest
    ? HASH_OF[bundle.content.messageSignature.messageDigest.algorithm]
    : 'sha256';
}

/**
 * Verifies Sigstore bundles against trust material, in the fixed order of DESIGN.md
 * §"Verification procedure": timestamps → key/certificate → transparency log → signature → policy.
 * Trust material is imported once; a Verifier is cheap to reuse across many bundles.
 */
export class Verifier {
  readonly trust: TrustMaterial;
  readonly #tlogThreshold: number;
  readonly #ctlogThreshold: number;
  readonly #timestampThreshold: number;

  constructor(trust: TrustMaterial | TrustedRoot, options: VerifierOptions = {}) {
    this.trust = 'mediaType' in trust ? buildTrustMaterial(trust) : trust;
    this.#tlogThreshold = options.tlogThreshold ?? 1;
    this.#ctlogThreshold = options.ctlogThreshold ?? 1;
    this.#timestampThreshold = options.timestampThreshold ?? 1;
  }

  /**
   * Verifies one bundle. Returns only when every step passed.
   * @throws VerificationError with the code of the first failing step
   */
  verify(bundle: Bundle, input: VerificationInput = {}): VerificationResult {
    const material = this.#keyMaterial(bundle, input);
    const content = this.#signedContent(bundle, material, input.artifact);

    // 3. Signing time(s), from SET-backed log entries and RFC 3161 timestamps.
    const timestamps = this.#verifyTimestamps(bundle, content.signature, material.certificate !== undefined);

    // 4. Certificate path at every verified time, SCTs; or the caller's key.
    let signer: Signer;
    if (material.certificate) {
      const times = timestamps.map((t) => t.time);
      const path = verifyCertificatePath(material.certificate, this.trust.certificateAuthorities, times);
      if (this.#ctlogThreshold > 0) {
        verifyEmbeddedSCTs(material.certificate, path.chain[0] as Certificate, this.trust.ctlogs, this.#ctlogThreshold);
      }
      signer = certificateSigner(material.certificate);
    } else {
      signer = { kind: 'key', key: material.key.keyObject() };
    }

    // 6. Transparency log: body bound to the bundle, inclusion proof and checkpoint.
    const tlogEntries = this.#verifyTLogEntries(bundle, content, timestamps);

    // 5. The signature over the artifact (or DSSE PAE and subject).
    let statement: unknown;
    if (bundle.content.$case === 'messageSignature') {
      if (!input.artifact) throw new TypeError('verifying a message signature needs the artifact');
      verifyMessageSignature(bundle.content.messageSignature, input.artifact, material.key, artifactHashFor(bundle));
    } else {
      statement = verifyEnvelope(bundle.content.dsseEnvelope, input.artifact, material.key);
    }

    // 7. Identity policy.
    if (material.certificate && input.policy) verifyIdentityPolicy(material.certificate, input.policy);

    return { signer, timestamps, tlogEntries, ...(statement === undefined ? {} : { statement }) };
  }

  #keyMaterial(bundle: Bundle, input: VerificationInput): { certificate?: Certificate; key: SignerKey; der: Buffer } {
    const vm = bundle.verificationMaterial.content;
    if (vm.$case === 'publicKey') {
      const key = input.key;
      if (!key) throw new VerificationError('ERR_VERIFY_KEY', 'bundle is signed with a public key; supply the key to verify it');
      const spki = key.export({ format: 'der', type: 'spki' });
      return { key: { spki, keyObject: () => key }, der: spki };
    }
    const der = vm.$case === 'certificate' ? vm.certificate : vm.x509CertificateChain.certificates[0];
    if (!der) throw new VerificationError('ERR_VERIFY_CERT_CHAIN', 'bundle certificate chain is empty');
    let certificate: Certificate;
    try {
      certificate = parseCertificate(der);
    } catch (cause) {
      if (cause instanceof CoreError) throw new VerificationError('ERR_VERIFY_CERT_CHAIN', `malformed signing certificate: ${cause.message}`, { cause });
      throw cause;
    }
    if (input.key) {
      // A caller-supplied key must be the certificate's key: never verify with one and report the other.
      const spki = input.key.export({ format: 'der', type: 'spki' });
      if (!equal(spki, certificate.spki)) throw new VerificationError('ERR_VERIFY_KEY', 'the supplied key is not the key of the bundle certificate');
    }
    return { certificate, key: { spki: certificate.spki, keyObject: () => certificate.publicKey }, der: certificate.der };
  }

  #signedContent(bundle: Bundle, material: { certificate?: Certificate; der: Buffer }, artifact: Artifact | undefined): SignedContent {
    const common = { verifierDer: material.der, verifierIsCertificate: material.certificate !== undefined };
    if (bundle.content.$case === 'messageSignature') {
      const ms = bundle.content.messageSignature;
      const hash = artifactHashFor(bundle);
      const value = ms.messageDigest?.digest ?? artifact?.digests[hash];
      return { kind: 'message', signature: ms.signature, digest: value ? { hash, value } : undefined, ...common };
    }
    const env = bundle.content.dsseEnvelope;
    const first = env.signatures[0];
    if (env.signatures.length !== 1 || !first) {
      throw new VerificationError('ERR_VERIFY_SIGNATURE', `DSSE envelope must carry exactly one signature, has ${env.signatures.length}`);
    }
    return { kind: 'dsse', signature: first.sig, envelope: env, ...common };
  }

  /**
   * Every timestamp present must verify. The threshold applies to certificate bundles: a
   * short-lived certificate is only meaningful at a vouched-for time. A caller-trusted key has no
   * validity window to check, so keyed bundles need no time source (as cosign verifies --key).
   */
  #verifyTimestamps(bundle: Bundle, signature: Buffer, required: boolean): VerifiedTimestamp[] {
    const out: VerifiedTimestamp[] = [];
    const sources = new Set<LogKey | CertificateAuthorityTrust>();
    for (const entry of bundle.verificationMaterial.tlogEntries) {
      if (!entry.inclusionPromise) continue; // Rekor v2 and proof-only entries carry no signed time.
      const log = findLog(entry, this.trust.tlogs);
      out.push({ source: 'transparency-log', uri: log.baseUrl, time: verifySignedEntryTimestamp(entry, log) });
      sources.add(log);
    }
    for (const token of bundle.verificationMaterial.timestampVerificationData.rfc3161Timestamps) {
      const { time, authority } = verifyRFC3161Timestamp(token, signature, this.trust.timestampAuthorities);
      out.push({ source: 'timestamp-authority', uri: authority.uri, time });
      sources.add(authority);
    }
    if (required && sources.size < this.#timestampThreshold) {
      throw new VerificationError(
        'ERR_VERIFY_TIMESTAMP_THRESHOLD',
        `signing time vouched for by ${sources.size} trusted source(s), ${this.#timestampThreshold} required (Rekor v2 entries need an RFC 3161 timestamp)`,
      );
    }
    return out;
  }

  #verifyTLogEntries(bundle: Bundle, content: SignedContent, timestamps: readonly VerifiedTimestamp[]): { logIndex: number; baseUrl: string }[] {
    const logs = new Set<LogKey>();
    const out: { logIndex: number; baseUrl: string }[] = [];
    for (const entry of bundle.verificationMaterial.tlogEntries as readonly TransparencyLogEntry[]) {
      const log = findLog(entry, this.trust.tlogs);
      // Trust material is selected by its validity window: a log key counts only at the verified
      // signing times (a SET checks its own integrated time when it is verified).
      if (!entry.inclusionPromise) {
        const outside = timestamps.find((t) => !isWithin(log.validFor, t.time));
        if (outside) {
          throw new VerificationError('ERR_VERIFY_TLOG_UNKNOWN_LOG', `log ${log.baseUrl} was not trusted at ${outside.time.toISOString()}`);
        }
      }
      verifyTLogBody(entry, content);
      if (entry.inclusionProof) {
        verifyInclusion(entry, log);
      } else if (!entry.inclusionPromise || bundle.version !== '0.1') {
        // Only v0.1 bundles may rely on the SET alone (verified with the timestamps above).
        throw new VerificationError('ERR_VERIFY_TLOG_INCLUSION', `log entry ${entry.logIndex} has no inclusion proof`);
      }
      logs.add(log);
      out.push({ logIndex: entry.logIndex, baseUrl: log.baseUrl });
    }
    if (logs.size < this.#tlogThreshold) {
      throw new VerificationError('ERR_VERIFY_TLOG_THRESHOLD', `entries from ${logs.size} trusted log(s), ${this.#tlogThreshold} required`);
    }
    return out;
  }
}

/** Imports a public key given as SPKI DER (for callers holding raw bytes). */
export function publicKeyFromSpki(der: Uint8Array): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new VerificationError('ERR_VERIFY_KEY', 'malformed public key', { cause });
  }
}
