import {
  KeyObject,
  constants,
  createHash,
  createPublicKey,
  privateEncrypt,
  publicDecrypt,
  timingSafeEqual,
} from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { p256 } from '@noble/curves/nist.js';
import { CoreError } from './errors.js';
import { DerTag, derOid, derSequence, derValue, expectTag, parseDer } from './der.js';

// node:crypto signs and verifies only data it hashes itself, but Sigstore hands us digests
// (hashedrekord entries, RFC 3161 message imprints, artifacts hashed while streaming). The
// native addon (native/digest_sign.c, built at install) calls OpenSSL's EVP_PKEY_sign/verify on
// the digest; without it we fall back to @noble/curves for ECDSA and to raw RSA for RSA.

/** How to sign or verify a precomputed digest. */
export interface DigestSignatureOptions {
  /** The hash that produced the digest; the digest length must match it. */
  hash: 'sha256' | 'sha384' | 'sha512';
  /**
   * RSA only (ignored for ECDSA): PKCS#1 v1.5 (default for `rsa` keys) or PSS with MGF1 over
   * the same hash and a salt as long as the digest (default for `rsa-pss` keys).
   */
  rsaPadding?: 'pkcs1' | 'pss';
}

type HashName = DigestSignatureOptions['hash'];
type Curve = typeof p256;

const HASH_LENGTH: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

// RFC 8017 §9.2 note 1: DER of DigestInfo { AlgorithmIdentifier(hash, NULL), OCTET STRING },
// without the trailing digest bytes.
const DIGEST_INFO_PREFIX: Record<HashName, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

/** Node's curve names → the names OpenSSL's EC key import and @noble/curves use. */
const CURVES: Record<string, CurveName> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
/** namedCurve OIDs of SPKI (RFC 5480 §2.1.1.1). */
const CURVE_OIDS: Record<string, CurveName> = { '1.2.840.10045.3.1.7': 'P-256', '1.3.132.0.34': 'P-384', '1.3.132.0.35': 'P-521' };
type CurveName = 'P-256' | 'P-384' | 'P-521';

// The JS fallback is loaded only when it is needed: importing it costs ~30 ms of start-up.
let noble: Record<CurveName, Curve> | undefined;
function nobleCurve(name: CurveName): Curve {
  if (!noble) {
    const m = createRequire(import.meta.url)('@noble/curves/nist.js') as { p256: Curve; p384: Curve; p521: Curve };
    noble = { 'P-256': m.p256, 'P-384': m.p384, 'P-521': m.p521 };
  }
  return noble[name];
}

/** What a key means for a digest signature. */
type Scheme =
  | { kind: 'ecdsa'; curve: CurveName }
  | { kind: 'rsa'; modulusBits: number; pssOnly: boolean };

// ---- native addon ---------------------------------------------------------------------------

declare const nativeKeyBrand: unique symbol;
/** An EVP_PKEY inside a napi external; freed by its finalizer. */
type NativeKey = { readonly [nativeKeyBrand]: true };

interface DigestAddon {
  importPublicKey(spki: Uint8Array): NativeKey;
  importPrivateKey(pkcs8: Uint8Array): NativeKey;
  importEcPublicKey(curve: string, point: Uint8Array): NativeKey;
  verify(key: NativeKey, hash: string, digest: Uint8Array, sig: Uint8Array, padding: number, saltLength: number): boolean;
  verifyEcPoint(curve: CurveName, point: Uint8Array, digest: Uint8Array, sig: Uint8Array): boolean;
  sign(key: NativeKey, hash: string, digest: Uint8Array, padding: number, saltLength: number): Buffer;
}

/**
 * The addon, found from this package's own root (resolved by name, so that the CLI's bundle,
 * which holds this module in another directory, finds it too).
 */
function addonPath(): string {
  const pkg = createRequire(import.meta.url).resolve('@signet/core/package.json');
  return join(dirname(pkg), 'build', 'Release', 'signet_digest.node');
}

// Loaded once per process, on first use. SIGNET_DIGEST_BACKEND: unset/'auto' = the addon when
// it loads, else JS; 'js' = always JS (tests cover the fallback this way); 'native' = the addon
// or an error (CI uses it to catch a silently broken build).
let loaded: { addon: DigestAddon | undefined } | undefined;

function digestAddon(): DigestAddon | undefined {
  if (loaded) return loaded.addon;
  const mode = process.env['SIGNET_DIGEST_BACKEND'] ?? 'auto';
  if (mode !== 'auto' && mode !== 'js' && mode !== 'native') {
    throw new RangeError(`SIGNET_DIGEST_BACKEND must be auto, js or native, not ${JSON.stringify(mode)}`);
  }
  let addon: DigestAddon | undefined;
  if (mode !== 'js') {
    try {
      addon = createRequire(import.meta.url)(addonPath()) as DigestAddon;
    } catch (err) {
      if (mode === 'native') throw new Error('SIGNET_DIGEST_BACKEND=native but the digest-signature addon (build/Release/signet_digest.node) did not load', { cause: err });
    }
  }
  loaded = { addon };
  return addon;
}

/** Imported keys, per KeyObject (KeyObjects are immutable), public and private apart. */
const nativePublicKeys = new WeakMap<KeyObject, NativeKey>();
const nativePrivateKeys = new WeakMap<KeyObject, NativeKey>();

function nativeKey(addon: DigestAddon, key: KeyObject, usage: 'sign' | 'verify'): NativeKey {
  const cache = usage === 'sign' ? nativePrivateKeys : nativePublicKeys;
  let handle = cache.get(key);
  if (handle) return handle;
  try {
    if (usage === 'sign') {
      const der = key.export({ type: 'pkcs8', format: 'der' });
      try {
        handle = addon.importPrivateKey(der);
      } finally {
        der.fill(0); // do not leave a copy of the private key for the GC to find
      }
    } else {
      const pub = key.type === 'private' ? createPublicKey(key) : key;
      handle = addon.importPublicKey(pub.export({ type: 'spki', format: 'der' }));
    }
  } catch (err) {
    throw new CoreError('ERR_CORE_KEY_FORMAT', `key not accepted by OpenSSL: ${messageOf(err)}`, { cause: err });
  }
  cache.set(key, handle);
  return handle;
}

/** OpenSSL's RSA padding constant and PSS salt length for a request. */
function nativePadding(scheme: Scheme, padding: 'pkcs1' | 'pss'): number {
  if (scheme.kind === 'ecdsa') return 0;
  return padding === 'pss' ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
}

// ---- public API -----------------------------------------------------------------------------

/**
 * Which implementation {@link signDigest} and {@link verifyDigest} use in this process:
 * `'native'` (the OpenSSL addon) or `'js'` (the fallback; slower, no RSA-PSS signing).
 * Set `SIGNET_DIGEST_BACKEND=js` to force the fallback, `=native` to require the addon.
 */
export function digestSignatureBackend(): 'native' | 'js' {
  return digestAddon() ? 'native' : 'js';
}

/**
 * Verifies `signature` over a precomputed `digest` (ECDSA P-256/384/521 with a DER signature,
 * or RSA PKCS#1 v1.5 / PSS). A wrong or malformed signature is `false`, not an error.
 * `key` may be a public or a private key.
 * @throws CoreError `ERR_CORE_DIGEST` (digest length does not match `options.hash`),
 *   `ERR_CORE_KEY_UNSUPPORTED` (Ed25519, other curves; RSA-PSS keys in the JS fallback),
 *   `ERR_CORE_KEY_FORMAT`, `ERR_CORE_SIGNATURE_ALGORITHM` (key rejects these options);
 *   TypeError on misuse.
 */
export function verifyDigest(key: KeyObject, digest: Uint8Array, signature: Uint8Array, options: DigestSignatureOptions): boolean {
  const { scheme, hash, padding } = checkRequest(key, digest, options);
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array');
  const addon = digestAddon();
  if (addon) {
    const handle = nativeKey(addon, key, 'verify');
    try {
      return addon.verify(handle, hash, digest, signature, nativePadding(scheme, padding), HASH_LENGTH[hash]);
    } catch (err) {
      throw foreignError(err);
    }
  }
  if (scheme.kind === 'ecdsa') return verifyEcdsaJs(nobleCurve(scheme.curve), key, digest, signature);
  if (scheme.pssOnly) throw jsUnsupported('RSA-PSS keys');
  return padding === 'pss'
    ? verifyPssJs(key, scheme.modulusBits, hash, digest, signature)
    : verifyPkcs1Js(key, scheme.modulusBits, hash, digest, signature);
}

/**
 * Like {@link verifyDigest}, for a key given as SubjectPublicKeyInfo DER (a certificate's key):
 * EC keys go to the native addon through the provider import, without a KeyObject — OpenSSL 3.0
 * spends ~150 µs decoding a KeyObject, twice the cost of the verification itself.
 * @throws CoreError `ERR_CORE_KEY_FORMAT` for malformed SPKI, and as {@link verifyDigest}
 */
export function verifyDigestWithSpki(spki: Uint8Array, digest: Uint8Array, signature: Uint8Array, options: DigestSignatureOptions): boolean {
  const addon = digestAddon();
  const ec = addon ? (canonicalEcPoint(spki) ?? ecPointOf(spki)) : undefined;
  if (!addon || !ec) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: 'der', type: 'spki' });
    } catch (err) {
      throw new CoreError('ERR_CORE_KEY_FORMAT', `malformed public key: ${messageOf(err)}`, { cause: err });
    }
    return verifyDigest(key, digest, signature, options);
  }
  const hash = options?.hash;
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') throw new TypeError(`options.hash must be sha256, sha384 or sha512, not ${String(hash)}`);
  if (digest.length !== HASH_LENGTH[hash]) throw new CoreError('ERR_CORE_DIGEST', `a ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`);
  if (!(signature instanceof Uint8Array)) throw new TypeError('signature must be a Uint8Array');
  // A key used once: verified on a throwaway EC_KEY instead of an imported EVP_PKEY (~35 µs less).
  try {
    return addon.verifyEcPoint(ec.curve, ec.point, digest, signature);
  } catch (err) {
    if ((err as { code?: unknown })?.code !== 'ERR_SIGNET_NATIVE') throw err;
    throw new CoreError('ERR_CORE_KEY_FORMAT', `malformed EC public key: ${messageOf(err)}`, { cause: err });
  }
}

/** An ECDSA public key held by the native addon: verifies digests without a KeyObject. */
export interface NativeEcPublicKey {
  readonly algorithm: 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521';
  /** The hash conventionally paired with the curve (as `describeKey(...).defaultHash`). */
  readonly defaultHash: HashName;
  /** The SubjectPublicKeyInfo DER it was imported from (the canonical form, see {@link importCanonicalEcSpki}). */
  readonly spki: Buffer;
  /**
   * Verifies a DER ECDSA signature over a digest made with `hash`; false for a wrong or
   * malformed signature.
   * @throws CoreError `ERR_CORE_DIGEST` (digest length does not match `hash`); TypeError on misuse
   */
  verifyDigest(digest: Uint8Array, signature: Uint8Array, hash: HashName): boolean;
}

// The one DER encoding of an id-ecPublicKey SubjectPublicKeyInfo with a named curve and an
// uncompressed point (RFC 5480 §2), up to the point: what node:crypto and OpenSSL export.
const CANONICAL_EC_SPKI: readonly { prefix: Buffer; pointLength: number; algorithm: NativeEcPublicKey['algorithm']; curve: CurveName; hash: HashName }[] = [
  { prefix: Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), pointLength: 65, algorithm: 'ecdsa-p256', curve: 'P-256', hash: 'sha256' },
  { prefix: Buffer.from('3076301006072a8648ce3d020106052b81040022036200', 'hex'), pointLength: 97, algorithm: 'ecdsa-p384', curve: 'P-384', hash: 'sha384' },
  { prefix: Buffer.from('30819b301006072a8648ce3d020106052b81040023038186' + '00', 'hex'), pointLength: 133, algorithm: 'ecdsa-p521', curve: 'P-521', hash: 'sha512' },
];

/**
 * Imports an ECDSA P-256/384/521 public key given as the canonical SubjectPublicKeyInfo — named
 * curve, uncompressed point (SEC 1 §2.3.3), minimal DER, nothing trailing — straight into the
 * native addon. OpenSSL's EVP_PKEY_fromdata checks that the coordinates are below the field
 * prime and that the point lies on the curve, as `createPublicKey` does; it costs ~20 µs where
 * a KeyObject costs ~150 µs to build and ~125 µs more to export again (OpenSSL 3.0 decoders and
 * encoders). A fast path over a subset: returns undefined, and the caller takes the
 * `importPublicKey` path, for any other encoding (compressed point, explicit parameters, other
 * key types) and when the addon is not loaded.
 * @throws CoreError `ERR_CORE_KEY_FORMAT` when the point is not a valid point of the curve
 */
export function importCanonicalEcSpki(spki: Uint8Array): NativeEcPublicKey | undefined {
  if (!(spki instanceof Uint8Array)) throw new TypeError('spki must be a Uint8Array');
  const form = CANONICAL_EC_SPKI.find((f) => spki.length === f.prefix.length + f.pointLength);
  if (!form) return undefined;
  const der = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  if (!der.subarray(0, form.prefix.length).equals(form.prefix) || der[form.prefix.length] !== 0x04) return undefined;
  const addon = digestAddon();
  if (!addon) return undefined;
  let handle: NativeKey;
  try {
    handle = addon.importEcPublicKey(form.curve, der.subarray(form.prefix.length));
  } catch (err) {
    throw new CoreError('ERR_CORE_KEY_FORMAT', `malformed EC public key: ${messageOf(err)}`, { cause: err });
  }
  const copy = Buffer.from(der); // the caller may reuse its buffer
  return Object.freeze({
    algorithm: form.algorithm,
    defaultHash: form.hash,
    spki: copy,
    verifyDigest(digest: Uint8Array, signature: Uint8Array, hash: HashName): boolean {
      if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') throw new TypeError(`hash must be sha256, sha384 or sha512, not ${String(hash)}`);
      if (!(digest instanceof Uint8Array) || !(signature instanceof Uint8Array)) throw new TypeError('digest and signature must be Uint8Arrays');
      if (digest.length !== HASH_LENGTH[hash]) throw new CoreError('ERR_CORE_DIGEST', `a ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`);
      try {
        return addon.verify(handle, hash, digest, signature, 0, 0);
      } catch (err) {
        throw foreignError(err);
      }
    },
  });
}

/**
 * The curve and point of a canonical EC SPKI (see CANONICAL_EC_SPKI), by prefix comparison
 * alone; undefined for any other encoding, which {@link ecPointOf} then parses.
 */
function canonicalEcPoint(spki: Uint8Array): { curve: CurveName; point: Buffer } | undefined {
  const der = Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength);
  for (const f of CANONICAL_EC_SPKI) {
    if (der.length === f.prefix.length + f.pointLength && der.compare(f.prefix, 0, f.prefix.length, 0, f.prefix.length) === 0) {
      return { curve: f.curve, point: der.subarray(f.prefix.length) };
    }
  }
  return undefined;
}

/** The curve and SEC1 point of an id-ecPublicKey SPKI (RFC 5480), or undefined for other keys. */
function ecPointOf(spki: Uint8Array): { curve: CurveName; point: Buffer } | undefined {
  try {
    const [alg, bits] = derSequence(parseDer(spki), 'SubjectPublicKeyInfo');
    if (!alg || !bits) throw new CoreError('ERR_CORE_KEY_FORMAT', 'SubjectPublicKeyInfo needs two fields');
    const [oid, params] = derSequence(alg, 'AlgorithmIdentifier');
    if (!oid || !params || derOid(oid) !== '1.2.840.10045.2.1' || params.tag !== DerTag.OID) return undefined;
    const curve = CURVE_OIDS[derOid(params)];
    const value = derValue(expectTag(bits, DerTag.BIT_STRING, 'subjectPublicKey'));
    if (!curve || value[0] !== 0) return undefined;
    return { curve, point: value.subarray(1) };
  } catch (err) {
    throw new CoreError('ERR_CORE_KEY_FORMAT', `malformed public key: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * Signs a precomputed `digest` with a private key. ECDSA signatures are DER-encoded (as in
 * Sigstore bundles); RSA signatures are PKCS#1 v1.5 or PSS.
 * @throws CoreError `ERR_CORE_DIGEST`, `ERR_CORE_KEY_UNSUPPORTED` (Ed25519, other curves;
 *   RSA-PSS in the JS fallback), `ERR_CORE_KEY_FORMAT`, `ERR_CORE_SIGNATURE_ALGORITHM`;
 *   TypeError on misuse (e.g. a public key).
 */
export function signDigest(key: KeyObject, digest: Uint8Array, options: DigestSignatureOptions): Buffer {
  const { scheme, hash, padding } = checkRequest(key, digest, options);
  if (key.type !== 'private') throw new TypeError('signDigest needs a private key');
  const addon = digestAddon();
  if (addon) {
    const handle = nativeKey(addon, key, 'sign');
    try {
      return addon.sign(handle, hash, digest, nativePadding(scheme, padding), HASH_LENGTH[hash]);
    } catch (err) {
      throw foreignError(err);
    }
  }
  if (scheme.kind === 'ecdsa') return signEcdsaJs(nobleCurve(scheme.curve), key, digest);
  if (scheme.pssOnly || padding === 'pss') throw jsUnsupported('RSA-PSS signing');
  try {
    return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]));
  } catch (err) {
    throw foreignError(err);
  }
}

// ---- validation -----------------------------------------------------------------------------

function checkRequest(key: KeyObject, digest: Uint8Array, options: DigestSignatureOptions) {
  if (!(key instanceof KeyObject) || key.type === 'secret') throw new TypeError('key must be an asymmetric KeyObject');
  const hash = options?.hash;
  if (hash !== 'sha256' && hash !== 'sha384' && hash !== 'sha512') {
    throw new TypeError(`options.hash must be sha256, sha384 or sha512, not ${String(hash)}`);
  }
  const rsaPadding = options.rsaPadding;
  if (rsaPadding !== undefined && rsaPadding !== 'pkcs1' && rsaPadding !== 'pss') {
    throw new TypeError(`options.rsaPadding must be pkcs1 or pss, not ${String(rsaPadding)}`);
  }
  if (!(digest instanceof Uint8Array)) throw new TypeError('digest must be a Uint8Array');
  if (digest.length !== HASH_LENGTH[hash]) {
    throw new CoreError('ERR_CORE_DIGEST', `a ${hash} digest is ${HASH_LENGTH[hash]} bytes, got ${digest.length}`);
  }
  const scheme = schemeOf(key);
  const padding = rsaPadding ?? (scheme.kind === 'rsa' && scheme.pssOnly ? 'pss' : 'pkcs1');
  return { scheme, hash, padding };
}

function schemeOf(key: KeyObject): Scheme {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (!curve) throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `unsupported EC curve ${details.namedCurve ?? '(unknown)'}`);
    return { kind: 'ecdsa', curve };
  }
  if (type === 'rsa' || type === 'rsa-pss') {
    return { kind: 'rsa', modulusBits: details.modulusLength ?? 0, pssOnly: type === 'rsa-pss' };
  }
  if (type === 'ed25519' || type === 'ed448') {
    throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `${type} signs messages, not digests`);
  }
  throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `unsupported key type ${type ?? '(unknown)'} for a digest signature`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** OpenSSL/noble exceptions never reach the caller raw: a key rejecting these options. */
function foreignError(err: unknown): Error {
  if (err instanceof CoreError) return err;
  return new CoreError('ERR_CORE_SIGNATURE_ALGORITHM', `key cannot sign or verify with these options: ${messageOf(err)}`, { cause: err });
}

function jsUnsupported(what: string): CoreError {
  return new CoreError('ERR_CORE_KEY_UNSUPPORTED', `${what} over a digest need the native addon (packages/core/build/Release/signet_digest.node), which is not loaded`);
}

// ---- JS fallback ----------------------------------------------------------------------------

const ecPublicPoints = new WeakMap<KeyObject, Uint8Array>();

/** SEC 1 §2.3.3 uncompressed point 04 || X || Y, from the key's JWK. */
function ecPublicPoint(key: KeyObject): Uint8Array {
  let point = ecPublicPoints.get(key);
  if (!point) {
    const jwk = key.export({ format: 'jwk' });
    point = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x ?? '', 'base64url'), Buffer.from(jwk.y ?? '', 'base64url')]);
    ecPublicPoints.set(key, point);
  }
  return point;
}

function verifyEcdsaJs(curve: Curve, key: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  try {
    // The digest is the message (prehash: false); high-S signatures are valid ECDSA (OpenSSL
    // and Go accept them), so lowS: false.
    return curve.verify(signature, digest, ecPublicPoint(key), { prehash: false, lowS: false, format: 'der' });
  } catch {
    return false; // malformed DER or an out-of-range integer
  }
}

function signEcdsaJs(curve: Curve, key: KeyObject, digest: Uint8Array): Buffer {
  const secret = Buffer.from(key.export({ format: 'jwk' }).d ?? '', 'base64url');
  try {
    // RFC 6979 deterministic nonce; lowS: false to match what OpenSSL produces.
    return Buffer.from(curve.sign(digest, secret, { prehash: false, lowS: false }).toBytes('der'));
  } catch (err) {
    throw foreignError(err);
  } finally {
    secret.fill(0);
  }
}

/** RFC 8017 §8.2.2: s^e mod n must equal EMSA-PKCS1-v1_5-ENCODE(digest), compared whole. */
function verifyPkcs1Js(key: KeyObject, modulusBits: number, hash: HashName, digest: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== Math.ceil(modulusBits / 8)) return false; // §8.2.2 step 1
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  const expected = Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
  return recovered.length === expected.length && timingSafeEqual(recovered, expected);
}

/** RFC 8017 §8.1.2 + §9.1.2: RSASSA-PSS-VERIFY with MGF1(hash) and sLen = hLen. */
function verifyPssJs(key: KeyObject, modulusBits: number, hash: HashName, mHash: Uint8Array, signature: Uint8Array): boolean {
  const k = Math.ceil(modulusBits / 8);
  if (signature.length !== k) return false; // §8.1.2 step 1
  let m: Buffer;
  try {
    m = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature); // RSAVP1, s < n checked
  } catch {
    return false;
  }
  // §8.1.2 step 2c: EM = I2OSP(m, emLen) with emBits = modBits - 1; one fewer byte when
  // modBits ≡ 1 (mod 8), and then the dropped leading byte must be zero.
  const emBits = modulusBits - 1;
  const emLen = Math.ceil(emBits / 8);
  if (m.length !== k || (emLen < k && m[0] !== 0)) return false;
  const em = m.subarray(k - emLen);
  const hLen = mHash.length;
  const sLen = hLen;
  if (emLen < hLen + sLen + 2) return false; // step 3
  if (em[emLen - 1] !== 0xbc) return false; // step 4
  const maskedDB = em.subarray(0, emLen - hLen - 1); // step 5
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDB[0] & ~topMask & 0xff) !== 0) return false; // step 6
  const db = mgf1(hash, h, maskedDB.length); // step 7
  for (let i = 0; i < db.length; i++) db[i] ^= maskedDB[i]; // step 8
  db[0] &= topMask; // step 9
  const psLen = emLen - hLen - sLen - 2; // step 10: PS is zeros, then 0x01
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const salt = db.subarray(db.length - sLen); // step 11
  const h2 = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest(); // steps 12–13
  return timingSafeEqual(h, h2); // step 14
}

/** RFC 8017 §B.2.1 MGF1. */
function mgf1(hash: HashName, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const counter = Buffer.alloc(4);
  for (let i = 0, offset = 0; offset < length; i++) {
    counter.writeUInt32BE(i);
    offset += createHash(hash).update(seed).update(counter).digest().copy(out, offset);
  }
  return out;
}
