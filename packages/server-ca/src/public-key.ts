import { createHash, createPublicKey, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { decodePem, describeKey, importCanonicalEcSpki, importPublicKey, verifySignature, type KeyDescription, type NativeEcPublicKey } from '@signet/core';
import { CAError } from './errors.js';

/*
 * Which subject keys the CA certifies (Sigstore's algorithm registry): ECDSA P-256/384/521,
 * RSA 2048–4096 with e = 65537, Ed25519. Everything else — small RSA, other exponents,
 * secp256k1, DSA, X25519 — is refused before the token is even looked at.
 */

/** Largest accepted public key input (PEM or DER). */
export const MAX_PUBLIC_KEY_BYTES = 8 * 1024;

/**
 * Checks that a key is one the CA certifies.
 * @throws CAError `ERR_CA_KEY`
 */
export function checkSubjectKey(key: KeyObject): KeyDescription {
  let d: KeyDescription;
  try {
    d = describeKey(key);
  } catch (cause) {
    throw new CAError('ERR_CA_KEY', `unsupported public key: ${(cause as Error).message}`, { cause });
  }
  if (d.algorithm === 'rsa') {
    if (key.asymmetricKeyType !== 'rsa') throw new CAError('ERR_CA_KEY', 'RSA-PSS-restricted keys are not supported');
    if (d.bits < 2048 || d.bits > 4096) throw new CAError('ERR_CA_KEY', `RSA keys must be 2048 to 4096 bits, got ${d.bits}`);
    if (key.asymmetricKeyDetails?.publicExponent !== 65537n) throw new CAError('ERR_CA_KEY', 'RSA keys must use the public exponent 65537');
  }
  return d;
}

/**
 * Imports a subject key from PEM (`PUBLIC KEY`) or DER SPKI, and checks it.
 * @throws CAError `ERR_CA_KEY`
 */
export function importSubjectKey(content: string | Uint8Array): KeyObject {
  if (content.length === 0 || content.length > MAX_PUBLIC_KEY_BYTES) throw new CAError('ERR_CA_KEY', `public key must be 1..${MAX_PUBLIC_KEY_BYTES} bytes`);
  let key: KeyObject;
  try {
    key = importPublicKey(content);
  } catch (cause) {
    // importPublicKey classifies too; a well-formed but unsupported key lands here as well.
    try {
      key = typeof content === 'string' ? createPublicKey(content) : createPublicKey({ key: Buffer.from(content), format: 'der', type: 'spki' });
    } catch {
      throw new CAError('ERR_CA_KEY', 'malformed public key', { cause });
    }
  }
  checkSubjectKey(key);
  return key;
}

/**
 * Verifies a proof of possession: a signature over the challenge claim's UTF-8 bytes with the
 * key's default hash (as Fulcio checks it: SHA-256 for P-256 and RSA, SHA-384 for P-384,
 * SHA-512 for P-521, none for Ed25519); RSA signatures may be PKCS#1 v1.5 or PSS.
 * @throws CAError `ERR_CA_POP`
 */
export function verifyProofOfPossession(key: KeyObject, challenge: string, signature: Uint8Array): void {
  const data = Buffer.from(challenge, 'utf8');
  if (signature.length === 0 || signature.length > 1024) throw new CAError('ERR_CA_POP', 'proof of possession has a bad length');
  if (verifySignature(key, data, signature)) return;
  if (describeKey(key).algorithm === 'rsa') {
    try {
      if (cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature)) return;
    } catch {
      // falls through to the error
    }
  }
  throw new CAError('ERR_CA_POP', 'the proof of possession does not verify with the public key');
}

/**
 * A subject key as the CA uses it: the SubjectPublicKeyInfo the certificate will carry, and the
 * key that checks the proof of possession — a native EC key on the fast path, else a KeyObject.
 */
export type SubjectKey =
  | { readonly spki: Buffer; readonly native: NativeEcPublicKey; readonly keyObject?: undefined }
  | { readonly spki: Buffer; readonly keyObject: KeyObject; readonly native?: undefined };

/**
 * Reads a subject key from PEM (`PUBLIC KEY`) or DER SPKI, and checks it, like
 * {@link importSubjectKey}. Canonical ECDSA P-256/384/521 keys (what every Sigstore client
 * sends) skip the KeyObject: OpenSSL 3.0 spends ~300 µs decoding one and encoding its SPKI
 * again; the native import checks the point just the same (on the curve, coordinates in range).
 * Every other key takes {@link importSubjectKey}, and its SPKI is re-encoded as before.
 * @throws CAError `ERR_CA_KEY`
 */
export function readSubjectKey(content: string | Uint8Array): SubjectKey {
  if (content.length === 0 || content.length > MAX_PUBLIC_KEY_BYTES) throw new CAError('ERR_CA_KEY', `public key must be 1..${MAX_PUBLIC_KEY_BYTES} bytes`);
  let der: Uint8Array | undefined;
  if (typeof content !== 'string') {
    der = content;
  } else {
    try {
      const [block, more] = decodePem(content, 2);
      if (block?.label === 'PUBLIC KEY' && more === undefined) der = block.der;
    } catch {
      // not PEM this path understands: the general path decides (and names the error)
    }
  }
  if (der !== undefined) {
    let native: NativeEcPublicKey | undefined;
    try {
      native = importCanonicalEcSpki(der);
    } catch (cause) {
      throw new CAError('ERR_CA_KEY', 'malformed public key', { cause });
    }
    if (native) return { spki: native.spki, native };
  }
  const keyObject = importSubjectKey(content);
  return { spki: keyObject.export({ format: 'der', type: 'spki' }), keyObject };
}

/**
 * Verifies a proof of possession made with a {@link SubjectKey} (see
 * {@link verifyProofOfPossession}): on the fast path, the challenge is hashed with the curve's
 * hash and the DER ECDSA signature verified over that digest — the same check.
 * @throws CAError `ERR_CA_POP`
 */
export function verifySubjectProofOfPossession(key: SubjectKey, challenge: string, signature: Uint8Array): void {
  if (!key.native) return verifyProofOfPossession(key.keyObject, challenge, signature);
  if (signature.length === 0 || signature.length > 1024) throw new CAError('ERR_CA_POP', 'proof of possession has a bad length');
  const hash = key.native.defaultHash;
  const digest = createHash(hash).update(challenge, 'utf8').digest();
  if (key.native.verifyDigest(digest, signature, hash)) return;
  throw new CAError('ERR_CA_POP', 'the proof of possession does not verify with the public key');
}
