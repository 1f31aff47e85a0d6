import { randomBytes } from 'node:crypto';
import { encodePem, parseCertificate, type Certificate } from '@signet/core';
import { OidcError, TokenVerifier, type IssuerPolicy, type TokenVerifierOptions, type VerifiedToken } from '@signet/oidc';
import { CAError } from './errors.js';
import type { CAConfig, IssuerConfig } from './config.js';
import { findIssuer, principalFromClaims, type Claims, type Principal } from './identity.js';
import { readSubjectKey, verifySubjectProofOfPossession, type SubjectKey } from './public-key.js';
import { subjectKeyFromCSR } from './csr.js';
import { leafExtensions, leafTBS, poisonExtension, sctListExtension, type LeafTemplate } from './leaf-certificate.js';
import { randomSerial, signCertificate, spkiOf, type CAKeys } from './signer.js';

/** How long a leaf is valid: Fulcio's 10 minutes. */
export const LEAF_VALIDITY_MS = 10 * 60 * 1000;

/** What verifies identity tokens (`@signet/oidc`'s `TokenVerifier` fits). */
export interface IdentityTokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

/** The CT log as the CA needs it: submit a precertificate chain, get a serialized SCT. */
export interface PrecertificateLog {
  addPreChain(chain: readonly Uint8Array[]): Promise<{ readonly sct: Buffer }>;
}

/** How to build a CA. */
export interface CertificateAuthorityOptions {
  config: CAConfig;
  keys: CAKeys;
  /** Where precertificates go for SCTs; without one, certificates carry no SCT. */
  ctLog?: PrecertificateLog;
  /** Token verifier; default a `TokenVerifier` over the configured issuers. */
  tokenVerifier?: IdentityTokenVerifier;
  /** Options of the default token verifier (fetch, timeouts, skew). */
  tokenVerifierOptions?: TokenVerifierOptions;
  /** Time source; default the real time. Also drives the default token verifier. */
  clock?: () => Date;
  /** Randomness for serials; default `crypto.randomBytes`. */
  random?: (n: number) => Buffer;
}

/** A signing-certificate request: the token plus either a key with its proof, or a CSR. */
export type SigningCertificateRequest =
  | { token: string; publicKey: string | Uint8Array; proofOfPossession: Uint8Array; csr?: undefined }
  | { token: string; csr: string; publicKey?: undefined; proofOfPossession?: undefined };

/** An issued certificate. */
export interface IssuedCertificate {
  /** Leaf, intermediate, root (DER). */
  readonly chain: readonly Buffer[];
  readonly principal: Principal;
}

/** One issuer as `/api/v2/configuration` lists it. */
export interface IssuerDescription {
  issuerUrl?: string;
  wildcardIssuerUrl?: string;
  audience: string;
  challengeClaim: string;
  spiffeTrustDomain?: string;
  type: string;
}

function policyOf(i: IssuerConfig): IssuerPolicy {
  return {
    issuerUrl: i.isPattern ? { pattern: i.issuer } : i.issuer,
    clientId: i.clientId,
    // email issuers need email_verified (unless skip-email-verification); others never look at it.
    requireEmailVerified: i.type === 'email' ? !i.skipEmailVerification : false,
  };
}

/**
 * A Fulcio-compatible certificate authority: verifies an OIDC token, maps its claims to an
 * identity, checks the proof of possession, issues a precertificate, obtains an SCT for it from
 * the CT log and issues the final certificate with the SCT embedded. Every check runs before
 * anything is signed or logged.
 */
export class CertificateAuthority {
  readonly config: CAConfig;
  private readonly keys: CAKeys;
  private readonly ctLog: PrecertificateLog | undefined;
  private readonly verifier: IdentityTokenVerifier;
  private readonly issuerByPolicy = new Map<IssuerPolicy, IssuerConfig>();
  private readonly clock: () => Date;
  private readonly random: (n: number) => Buffer;
  private readonly intermediate: Certificate;
  private readonly intermediateSpki: Buffer;

  /** @throws CAError `ERR_CA_CONFIG` (an issuer the token verifier refuses), `ERR_CA_KEYSTORE` (key does not match the chain) */
  constructor(o: CertificateAuthorityOptions) {
    this.config = o.config;
    this.keys = o.keys;
    this.ctLog = o.ctLog;
    this.clock = o.clock ?? (() => new Date());
    this.random = o.random ?? randomBytes;
    this.intermediate = parseCertificate(o.keys.intermediate);
    this.intermediateSpki = spkiOf(o.keys.signer.publicKey);
    if (!this.intermediateSpki.equals(this.intermediate.spki)) throw new CAError('ERR_CA_KEYSTORE', 'the signer key does not match the issuing certificate');
    if (o.tokenVerifier) {
      this.verifier = o.tokenVerifier;
    } else {
      const policies: IssuerPolicy[] = [];
      for (const i of [...o.config.oidcIssuers, ...o.config.metaIssuers]) {
        const p = policyOf(i);
        policies.push(p);
        this.issuerByPolicy.set(p, i);
      }
      try {
        this.verifier = new TokenVerifier(policies, { clock: this.clock, ...o.tokenVerifierOptions });
      } catch (cause) {
        throw new CAError('ERR_CA_CONFIG', `issuer configuration refused: ${(cause as Error).message}`, { cause });
      }
    }
  }

  /** The CA chain (intermediate, root), DER. */
  chain(): Buffer[] {
    return this.keys.intermediate.equals(this.keys.root) ? [this.keys.root] : [this.keys.intermediate, this.keys.root];
  }

  /** Configured issuers (exact, then meta), as `/api/v2/configuration` describes them. */
  issuers(): IssuerDescription[] {
    return [...this.config.oidcIssuers, ...this.config.metaIssuers].map((i) => ({
      ...(i.isPattern ? { wildcardIssuerUrl: i.issuer } : { issuerUrl: i.issuer }),
      audience: i.clientId,
      challengeClaim: i.challengeClaim,
      ...(i.spiffeTrustDomain ? { spiffeTrustDomain: i.spiffeTrustDomain } : {}),
      type: i.type === 'ci-provider' ? `ci-provider:${i.ciProvider}` : i.type,
    }));
  }

  /**
   * Verifies a token and maps it to the identity a certificate would carry (no issuance).
   * @throws CAError `ERR_CA_TOKEN`, `ERR_CA_ISSUER`, `ERR_CA_IDENTITY`
   */
  async identify(token: string): Promise<Principal> {
    if (typeof token !== 'string' || token === '') throw new CAError('ERR_CA_REQUEST', 'no identity token');
    let verified: VerifiedToken;
    try {
      verified = await this.verifier.verify(token);
    } catch (cause) {
      if (cause instanceof OidcError && cause.code === 'ERR_OIDC_UNKNOWN_ISSUER') throw new CAError('ERR_CA_ISSUER', cause.message, { cause });
      const code = (cause as { code?: unknown }).code;
      throw new CAError('ERR_CA_TOKEN', `identity token rejected${typeof code === 'string' ? ` (${code})` : ''}: ${(cause as Error).message}`, { cause });
    }
    const issuer = this.issuerByPolicy.get(verified.matchedIssuer) ?? findIssuer(this.config, verified.issuer);
    if (!issuer) throw new CAError('ERR_CA_ISSUER', `issuer ${verified.issuer} is not configured`);
    return principalFromClaims(this.config, issuer, verified.claims);
  }

  /**
   * The identity unverified claims would map to — for `signet ca whoami --insecure-skip-verify`
   * only: nothing about the token is checked but the issuer's presence in the configuration.
   * @throws CAError `ERR_CA_ISSUER`, `ERR_CA_IDENTITY`
   */
  identifyClaims(claims: Claims): Principal {
    const iss = claims['iss'];
    const issuer = typeof iss === 'string' ? findIssuer(this.config, iss) : undefined;
    if (!issuer) throw new CAError('ERR_CA_ISSUER', `issuer ${JSON.stringify(iss)} is not configured`);
    return principalFromClaims(this.config, issuer, claims);
  }

  /**
   * Issues a code-signing certificate (RFC 5280 profile above) for a verified identity.
   * Order: request shape → subject key (and CSR signature) → token → identity → proof of
   * possession → precertificate → SCT → final certificate.
   * @throws CAError `ERR_CA_REQUEST`, `ERR_CA_KEY`, `ERR_CA_CSR`, `ERR_CA_TOKEN`, `ERR_CA_ISSUER`,
   *   `ERR_CA_IDENTITY`, `ERR_CA_POP`, `ERR_CA_CT`
   */
  async issue(req: SigningCertificateRequest): Promise<IssuedCertificate> {
    let subjectKey: SubjectKey;
    if (req.csr !== undefined) {
      if (req.publicKey !== undefined) throw new CAError('ERR_CA_REQUEST', 'give a public key or a CSR, not both');
      const keyObject = subjectKeyFromCSR(req.csr);
      subjectKey = { spki: spkiOf(keyObject), keyObject };
    } else if (req.publicKey !== undefined) {
      subjectKey = readSubjectKey(req.publicKey);
    } else {
      throw new CAError('ERR_CA_REQUEST', 'a public key with its proof of possession, or a CSR, is required');
    }
    const principal = await this.identify(req.token);
    if (req.csr === undefined) verifySubjectProofOfPossession(subjectKey, principal.challenge, req.proofOfPossession);

    const now = this.clock();
    const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
    const template: LeafTemplate = {
      serial: randomSerial(this.random),
      signatureAlgorithm: this.keys.signer.signatureAlgorithm,
      issuerName: this.intermediate.subjectDer,
      issuerSpki: this.intermediateSpki,
      notBefore,
      notAfter: new Date(notBefore.getTime() + LEAF_VALIDITY_MS),
      subjectSpki: subjectKey.spki,
      principal,
    };
    const common = leafExtensions(template);
    const chain = this.chain();
    let last: Buffer | undefined;
    if (this.ctLog) {
      const precert = await signCertificate(leafTBS(template, common, poisonExtension()), this.keys.signer);
      let sct: Buffer;
      try {
        ({ sct } = await this.ctLog.addPreChain([precert, ...chain]));
      } catch (cause) {
        throw new CAError('ERR_CA_CT', `the CT log did not issue an SCT: ${(cause as Error).message}`, { cause });
      }
      last = sctListExtension([sct]);
    }
    const leaf = await signCertificate(leafTBS(template, common, last), this.keys.signer);
    return { chain: [leaf, ...chain], principal };
  }
}

/** PEM of each certificate of a chain. */
export function chainToPem(chain: readonly Buffer[]): string[] {
  return chain.map((c) => encodePem('CERTIFICATE', c));
}
