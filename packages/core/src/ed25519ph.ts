import { KeyObject, createHash, createPublicKey } from 'node:crypto';
import { createRequire } from 'node:module';
import type { EdDSA, eddsa as EdDSAFactory } from '@noble/curves/abstract/edwards.js';
import type { ed25519 as Ed25519Curve } from '@noble/curves/ed25519.js';
import { CoreError } from './errors.js';

// Ed25519ph (RFC 8032 §5.1, HashEdDSA): the signature is over PH(M) = SHA-512(M), with the
// domain separator dom2(phflag = 1, context). A transparency log sees only the digest, so it
// needs "verify over an already-computed PH(M)". node:crypto cannot: Node 20 ships OpenSSL 3.0,
// which has pure Ed25519 only (OpenSSL 3.2 added the "instance" parameter, and Node's
// crypto.verify does not expose it). noble's `ed25519ph` hashes the message itself, so we build
// the same scheme from noble's public pieces — `eddsa()` over `ed25519.Point`, with the RFC 8032
// dom2 and an identity pre-hash: noble then treats our digest as PH(M) and does everything
// else (decoding, scalar range checks, the group equation) as for its own ed25519ph.

/** dom2 prefix, RFC 8032 §2. */
const DOM2_PREFIX = Buffer.from('SigEd25519 no Ed25519 collisions', 'latin1');
/** SubjectPublicKeyInfo of an Ed25519 key up to the 32 key bytes (RFC 8410 §4): the one DER form. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const DIGEST_BYTES = 64;
const MAX_CONTEXT_BYTES = 255;

/** dom2(F, C) || data with F = 1 (RFC 8032 §2): noble calls it for every hash-to-scalar. */
function dom2(data: Uint8Array, context: Uint8Array, phflag: boolean): Uint8Array {
  if (!phflag) throw new Error('Ed25519ph always sets phflag');
  if (context.length > MAX_CONTEXT_BYTES) throw new RangeError('an Ed25519ph context is at most 255 bytes');
  return Buffer.concat([DOM2_PREFIX, Buffer.of(1, context.length), context, data]);
}

/** RFC 8032 §5.1.5 step 2: clear the low 3 bits and the top bit, set bit 254. */
function clamp(bytes: Uint8Array): Uint8Array {
  bytes[0] = (bytes[0] as number) & 248;
  bytes[31] = ((bytes[31] as number) & 127) | 64;
  return bytes;
}

/** SHA-512 by node:crypto (noble's hash parameter; noble only passes bytes). */
function sha512(data: Uint8Array | string): Uint8Array {
  return createHash('sha512').update(data).digest();
}

// Loaded on first use: requiring noble costs tens of milliseconds of start-up (see
// digest-signature.ts), and most processes never meet an Ed25519ph key.
let scheme: { eddsa: EdDSA; Point: typeof Ed25519Curve.Point } | undefined;
function ed25519phOverDigest(): { eddsa: EdDSA; Point: typeof Ed25519Curve.Point } {
  if (!scheme) {
    const require = createRequire(import.meta.url);
    const { ed25519 } = require('@noble/curves/ed25519.js') as { ed25519: typeof Ed25519Curve };
    const { eddsa } = require('@noble/curves/abstract/edwards.js') as { eddsa: typeof EdDSAFactory };
    // The pre-hash is the identity: callers hand us PH(M). Its presence is what makes noble set
    // phflag = 1 in dom2, exactly as for its own ed25519ph (which pre-hashes with SHA-512).
    const instance = eddsa(ed25519.Point, sha512, { domain: dom2, prehash: (digest: Uint8Array | string) => digest as Uint8Array, adjustScalarBytes: clamp });
    scheme = { eddsa: instance, Point: ed25519.Point };
  }
  return scheme;
}

/** The 32 raw bytes of an Ed25519 public key given as a KeyObject, raw bytes or SPKI DER. */
function rawPublicKey(publicKey: KeyObject | Uint8Array): Uint8Array {
  if (publicKey instanceof KeyObject) {
    if (publicKey.type === 'secret' || publicKey.asymmetricKeyType !== 'ed25519') {
      throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `Ed25519ph needs an Ed25519 key, not ${publicKey.asymmetricKeyType ?? publicKey.type}`);
    }
    const pub = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    return Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
  }
  if (!(publicKey instanceof Uint8Array)) throw new TypeError('publicKey must be a KeyObject or a Uint8Array');
  if (publicKey.length === KEY_BYTES) return publicKey;
  const der = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength);
  if (der.length === ED25519_SPKI_PREFIX.length + KEY_BYTES && der.subarray(0, ED25519_SPKI_PREFIX.length).equals(ED25519_SPKI_PREFIX)) {
    return der.subarray(ED25519_SPKI_PREFIX.length);
  }
  throw new CoreError('ERR_CORE_KEY_FORMAT', `an Ed25519 public key is 32 raw bytes or a ${ED25519_SPKI_PREFIX.length + KEY_BYTES}-byte SubjectPublicKeyInfo, got ${publicKey.length} bytes`);
}

function checkDigestAndContext(sha512Digest: Uint8Array, context: Uint8Array | undefined): Uint8Array {
  if (!(sha512Digest instanceof Uint8Array)) throw new TypeError('sha512Digest must be a Uint8Array');
  if (sha512Digest.length !== DIGEST_BYTES) throw new CoreError('ERR_CORE_DIGEST', `a sha512 digest is ${DIGEST_BYTES} bytes, got ${sha512Digest.length}`);
  if (context === undefined) return new Uint8Array(0);
  if (!(context instanceof Uint8Array)) throw new TypeError('context must be a Uint8Array');
  if (context.length > MAX_CONTEXT_BYTES) throw new RangeError(`an Ed25519ph context is at most ${MAX_CONTEXT_BYTES} bytes, got ${context.length}`);
  return context;
}

/**
 * Verifies an Ed25519ph signature (RFC 8032 §5.1, with PH = SHA-512) given the SHA-512 digest
 * of the message rather than the message. Verification follows RFC 8032 §5.1.7 / FIPS 186-5
 * strictly (noble's `zip215: false`): canonical encodings of A and R, S < L, small-order public
 * keys refused, and the cofactored group equation [8][S]B = [8]R + [8][k]A.
 * A wrong, malformed or wrong-length signature is `false`, not an error.
 * @param publicKey an Ed25519 KeyObject (public or private), 32 raw bytes, or SPKI DER
 * @param context RFC 8032 context, 0–255 bytes (default empty, as Sigstore uses)
 * @throws CoreError `ERR_CORE_DIGEST` (not 64 bytes), `ERR_CORE_KEY_FORMAT` (key bytes that are
 *   not an Ed25519 key or not a point of the curve), `ERR_CORE_KEY_UNSUPPORTED` (a KeyObject of
 *   another type); RangeError for a context over 255 bytes, TypeError on misuse
 */
export function verifyEd25519ph(publicKey: KeyObject | Uint8Array, sha512Digest: Uint8Array, signature: Uint8Array, context?: Uint8Array): boolean {
  const ctx = checkDigestAndContext(sha512Digest, context);
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array');
  const key = rawPublicKey(publicKey);
  const { eddsa, Point } = ed25519phOverDigest();
  try {
    Point.fromBytes(key, false);
  } catch (err) {
    throw new CoreError('ERR_CORE_KEY_FORMAT', 'the Ed25519 public key is not a canonical encoding of a curve point', { cause: err });
  }
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return eddsa.verify(signature, sha512Digest, key, { context: ctx, zip215: false });
  } catch {
    return false; // noble throws on inputs it cannot parse; none should reach here, but never crash
  }
}

/**
 * Signs a SHA-512 digest with Ed25519ph (RFC 8032 §5.1.6, PH = SHA-512): the signature an
 * Ed25519ph signer makes over the message the digest came from. Deterministic.
 * @param privateKey an Ed25519 private KeyObject, or its 32-byte seed
 * @param context RFC 8032 context, 0–255 bytes (default empty)
 * @throws CoreError `ERR_CORE_DIGEST`, `ERR_CORE_KEY_FORMAT` (a seed that is not 32 bytes),
 *   `ERR_CORE_KEY_UNSUPPORTED` (a KeyObject of another type); RangeError, TypeError on misuse
 */
export function signEd25519ph(privateKey: KeyObject | Uint8Array, sha512Digest: Uint8Array, context?: Uint8Array): Buffer {
  const ctx = checkDigestAndContext(sha512Digest, context);
  let seed: Uint8Array;
  let owned = false;
  if (privateKey instanceof KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `Ed25519ph signing needs an Ed25519 private key, not a ${privateKey.type} ${privateKey.asymmetricKeyType ?? ''} key`.trimEnd());
    }
    seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
    owned = true;
  } else if (privateKey instanceof Uint8Array) {
    if (privateKey.length !== KEY_BYTES) throw new CoreError('ERR_CORE_KEY_FORMAT', `an Ed25519 seed is ${KEY_BYTES} bytes, got ${privateKey.length}`);
    seed = privateKey;
  } else {
    throw new TypeError('privateKey must be a KeyObject or a Uint8Array');
  }
  try {
    return Buffer.from(ed25519phOverDigest().eddsa.sign(sha512Digest, seed, { context: ctx }));
  } finally {
    if (owned) seed.fill(0); // do not leave a copy of the private key for the GC to find
  }
}
