import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { CoreError, derOid, derSequence, parseDer, preAuthEncoding, verifyDigestWithSpki, verifyEd25519ph, verifySignature, type HashName } from '@signet/core';
import type { Envelope, MessageSignature } from '@signet/bundle';
import { VerificationError } from './errors.js';

/**
 * The artifact being verified, as digests (always enough for ECDSA/RSA and DSSE) and, when
 * the caller has them, its bytes (needed only for pure Ed25519 message signatures; Ed25519ph
 * ones need the SHA-512 digest).
 */
export interface Artifact {
  readonly digests: Readonly<Partial<Record<HashName, Buffer>>>;
  readonly data?: Buffer | undefined;
}

/**
 * The signer's public key: its SPKI DER (enough for digest verification, the hot path) and a
 * way to get a KeyObject when one is needed (Ed25519 messages, DSSE), built only then.
 */
export interface SignerKey {
  readonly spki: Buffer;
  keyObject(): KeyObject;
}

const ED25519_OID = '1.3.101.112';

function isEd25519(spki: Buffer): boolean {
  const [alg] = derSequence(parseDer(spki), 'SubjectPublicKeyInfo');
  const [oid] = alg ? derSequence(alg, 'AlgorithmIdentifier') : [];
  return oid !== undefined && derOid(oid) === ED25519_OID;
}

/** Ed25519ph over a SHA-512 digest; a key core cannot use is a signature that does not verify. */
function verifyEd25519phDigest(spki: Buffer, digest: Buffer, signature: Buffer): boolean {
  try {
    return verifyEd25519ph(spki, digest, signature);
  } catch (err) {
    if (err instanceof CoreError) throw new VerificationError('ERR_VERIFY_SIGNATURE', `Ed25519ph signature cannot be checked: ${err.message}`, { cause: err });
    throw err;
  }
}

const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENT_TYPES = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);
const MAX_SUBJECTS = 1024;

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks a message signature over the artifact (DESIGN.md step 5): the bundle's digest must be
 * the artifact's, and the signature must verify over that digest with the signer's key.
 * @throws VerificationError `ERR_VERIFY_ARTIFACT_DIGEST`, `ERR_VERIFY_SIGNATURE`
 */
export function verifyMessageSignature(sig: MessageSignature, artifact: Artifact, key: SignerKey, hash: HashName): void {
  const digest = artifact.digests[hash];
  if (!digest) throw new VerificationError('ERR_VERIFY_ARTIFACT_DIGEST', `no ${hash} digest of the artifact was provided`);
  if (sig.messageDigest && !equal(sig.messageDigest.digest, digest)) {
    throw new VerificationError('ERR_VERIFY_ARTIFACT_DIGEST', 'artifact digest does not match the bundle');
  }
  let ok: boolean;
  if (isEd25519(key.spki)) {
    // Bundles do not say which Ed25519 scheme signed (keyDetails are not in them). Two are
    // meaningful: pure Ed25519 over the artifact bytes (RFC 8032 PureEdDSA), and Ed25519ph over
    // the artifact's SHA-512 (HashEdDSA; what a Rekor v2 hashedrekord entry with PKIX_ED25519_PH
    // holds). Their dom2 prefixes differ, so one scheme's signature never verifies as the other's,
    // and both bind the artifact: accepting either is as strong as each. Ed25519ph is tried only
    // when the digest is SHA-512 and it was checked against the bundle's above.
    const prehashed = hash === 'sha512';
    if (!artifact.data && !prehashed) {
      throw new VerificationError('ERR_VERIFY_SIGNATURE', 'an Ed25519 signature needs the artifact bytes, or a SHA-512 digest for Ed25519ph');
    }
    ok = artifact.data !== undefined && verifySignature(key.keyObject(), artifact.data, sig.signature);
    if (!ok && prehashed) ok = verifyEd25519phDigest(key.spki, digest, sig.signature);
    if (!ok && !artifact.data) {
      throw new VerificationError('ERR_VERIFY_SIGNATURE', 'Ed25519 signature does not verify as Ed25519ph over the SHA-512 digest (a pure Ed25519 signature needs the artifact bytes)');
    }
  } else {
    ok = verifyDigestWithSpki(key.spki, digest, sig.signature, { hash });
  }
  if (!ok) throw new VerificationError('ERR_VERIFY_SIGNATURE', 'signature over the artifact does not verify');
}

/**
 * Checks a DSSE envelope: exactly one signature, valid over the PAE with the signer's key, and
 * for in-toto payloads an artifact digest equal to one of the statement's subjects.
 * @returns the parsed in-toto statement, when the payload is one
 * @throws VerificationError `ERR_VERIFY_SIGNATURE`, `ERR_VERIFY_DSSE_SUBJECT`
 */
export function verifyEnvelope(env: Envelope, artifact: Artifact | undefined, key: SignerKey): unknown {
  if (env.signatures.length !== 1) throw new VerificationError('ERR_VERIFY_SIGNATURE', `DSSE envelope must carry exactly one signature, has ${env.signatures.length}`);
  const pae = preAuthEncoding(env.payloadType, env.payload);
  if (!verifySignature(key.keyObject(), pae, (env.signatures[0] as { sig: Buffer }).sig)) {
    throw new VerificationError('ERR_VERIFY_SIGNATURE', 'DSSE signature does not verify');
  }
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    if (artifact) throw new VerificationError('ERR_VERIFY_DSSE_SUBJECT', `DSSE payload type ${env.payloadType} has no subjects to match the artifact against`);
    return undefined;
  }
  let statement: unknown;
  try {
    statement = JSON.parse(env.payload.toString('utf8'));
  } catch {
    throw new VerificationError('ERR_VERIFY_DSSE_STATEMENT', 'in-toto payload is not JSON');
  }
  // in-toto attestation framework: only statement types whose semantics we know are read.
  const type = (statement as { _type?: unknown } | null)?._type;
  if (typeof type !== 'string' || !IN_TOTO_STATEMENT_TYPES.has(type)) {
    throw new VerificationError('ERR_VERIFY_DSSE_STATEMENT', `in-toto statement type ${JSON.stringify(type ?? null)} is not a known Statement version`);
  }
  if (artifact) matchSubject(statement, artifact);
  return statement;
}

function matchSubject(statement: unknown, artifact: Artifact): void {
  const subjects = (statement as { subject?: unknown })?.subject;
  if (!Array.isArray(subjects) || subjects.length === 0) throw new VerificationError('ERR_VERIFY_DSSE_SUBJECT', 'in-toto statement has no subject');
  if (subjects.length > MAX_SUBJECTS) throw new VerificationError('ERR_VERIFY_DSSE_SUBJECT', 'in-toto statement has too many subjects');
  for (const s of subjects) {
    const digests = (s as { digest?: unknown })?.digest;
    if (typeof digests !== 'object' || digests === null) continue;
    for (const [alg, value] of Object.entries(artifact.digests) as [HashName, Buffer][]) {
      const want = (digests as Record<string, unknown>)[alg];
      if (typeof want === 'string' && /^[0-9a-f]+$/i.test(want) && equal(Buffer.from(want, 'hex'), value)) return;
    }
  }
  throw new VerificationError('ERR_VERIFY_DSSE_SUBJECT', 'artifact digest matches no subject of the in-toto statement');
}
