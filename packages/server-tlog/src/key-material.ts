import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import {
  CoreError, DerTag, SignetError, decodePem, derIntegerBytes, derOid, derSequence, derValue, encodePem, expectTag,
  parseCertificate, parseDer, verifyDigestWithSpki, verifyEd25519ph, verifySignature, type HashName,
} from '@signet/core';
import { TLogServerError } from './errors.js';
import { base64Text } from './json-fields.js';

/** What the log accepts as a signing key, by algorithm (the SPKI's, not the client's claim). */
export type SignerAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'rsa' | 'ed25519';

/** A proposed entry's key or certificate, decoded and classified once. */
export interface KeyMaterial {
  readonly isCertificate: boolean;
  /** Certificate DER, or SubjectPublicKeyInfo DER for a bare key. */
  readonly der: Buffer;
  /** SubjectPublicKeyInfo DER (the certificate's key for a certificate). */
  readonly spki: Buffer;
  readonly algorithm: SignerAlgorithm;
  /** Curve size or RSA modulus length in bits (255 for Ed25519). */
  readonly bits: number;
  /** rfc822Name SANs of a certificate, lower-cased (Rekor's email index). */
  readonly emails: readonly string[];
}

// RFC 5480 §2.1.1 / RFC 8017 Appendix C / RFC 8410 §3.
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_ED25519 = '1.3.101.112';
const CURVES: Record<string, { algorithm: SignerAlgorithm; bits: number }> = {
  '1.2.840.10045.3.1.7': { algorithm: 'ecdsa-p256', bits: 256 },
  '1.3.132.0.34': { algorithm: 'ecdsa-p384', bits: 384 },
  '1.3.132.0.35': { algorithm: 'ecdsa-p521', bits: 521 },
};

/** Most bytes of key material accepted in one entry (a certificate chain leaf is ~1–2 KiB). */
export const MAX_KEY_MATERIAL_BYTES = 16 * 1024;

function keyError(message: string, cause?: unknown): TLogServerError {
  return new TLogServerError('ERR_TLOG_KEY', message, cause === undefined ? undefined : { cause });
}

/**
 * Classifies an SPKI from its DER alone (no OpenSSL decode: the hot path verifies thousands of
 * entries per second and OpenSSL 3.0 spends ~150 µs building a KeyObject).
 */
function classifySpki(spki: Buffer): { algorithm: SignerAlgorithm; bits: number } {
  try {
    const [alg, bits] = derSequence(parseDer(spki), 'SubjectPublicKeyInfo');
    if (!alg || !bits) throw keyError('SubjectPublicKeyInfo needs an algorithm and a key');
    const [oidNode, params] = derSequence(alg, 'AlgorithmIdentifier');
    if (!oidNode) throw keyError('AlgorithmIdentifier has no OID');
    const oid = derOid(oidNode);
    const keyBits = derValue(expectTag(bits, DerTag.BIT_STRING, 'subjectPublicKey'));
    if (keyBits[0] !== 0) throw keyError('subjectPublicKey has unused bits');
    if (oid === OID_EC_PUBLIC_KEY) {
      if (!params || params.tag !== DerTag.OID) throw keyError('EC key without a named curve');
      const curve = CURVES[derOid(params)];
      if (!curve) throw keyError(`unsupported EC curve ${derOid(params)} (P-256, P-384, P-521 are accepted)`);
      return curve;
    }
    if (oid === OID_RSA_ENCRYPTION) {
      const [n] = derSequence(parseDer(keyBits.subarray(1)), 'RSAPublicKey');
      if (!n) throw keyError('RSAPublicKey has no modulus');
      const modulus = derIntegerBytes(n);
      let len = modulus.length;
      let i = 0;
      while (i < modulus.length - 1 && modulus[i] === 0) { i++; len--; }
      const top = modulus[i] ?? 0;
      const bitLength = (len - 1) * 8 + (32 - Math.clz32(top));
      return { algorithm: 'rsa', bits: bitLength };
    }
    if (oid === OID_ED25519) return { algorithm: 'ed25519', bits: 255 };
    throw keyError(`unsupported public key algorithm ${oid}`);
  } catch (err) {
    if (err instanceof TLogServerError) throw err;
    throw keyError('malformed SubjectPublicKeyInfo', err);
  }
}

/** RSA keys the log accepts: PKCS#1 v1.5 with 2048 to 4096-bit moduli (Sigstore's algorithm registry). */
function checkRsaSize(bits: number): void {
  if (bits < 2048 || bits > 4096) throw keyError(`RSA keys of ${bits} bits are not accepted (2048–4096)`);
}

function fromCertificate(der: Buffer): KeyMaterial {
  let cert;
  try {
    cert = parseCertificate(der);
  } catch (err) {
    throw keyError(`malformed certificate: ${(err as Error).message}`, err);
  }
  const { algorithm, bits } = classifySpki(cert.spki);
  if (algorithm === 'rsa') checkRsaSize(bits);
  const emails = cert.subjectAltNames.filter((n) => n.type === 'email').map((n) => (n as { value: string }).value.toLowerCase());
  return { isCertificate: true, der, spki: cert.spki, algorithm, bits, emails };
}

function fromSpki(der: Buffer): KeyMaterial {
  const { algorithm, bits } = classifySpki(der);
  if (algorithm === 'rsa') checkRsaSize(bits);
  return { isCertificate: false, der, spki: der, algorithm, bits, emails: [] };
}

/**
 * Key material as Rekor v1 carries it: a PEM `CERTIFICATE` or `PUBLIC KEY` (the bytes after
 * base64 decoding of the request field). Exactly one PEM block.
 * @throws TLogServerError `ERR_TLOG_KEY`
 */
export function keyMaterialFromPem(pem: Buffer): KeyMaterial {
  if (pem.length > MAX_KEY_MATERIAL_BYTES) throw keyError('key material is too large');
  let blocks;
  try {
    blocks = decodePem(pem.toString('utf8'), 2);
  } catch (err) {
    throw keyError(`key material is not PEM: ${(err as Error).message}`, err);
  }
  if (blocks.length !== 1) throw keyError('key material must be exactly one PEM block');
  const [block] = blocks as [{ label: string; der: Buffer }];
  if (block.label === 'CERTIFICATE') return fromCertificate(block.der);
  if (block.label === 'PUBLIC KEY') return fromSpki(block.der);
  throw keyError(`unsupported PEM label ${block.label} (CERTIFICATE or PUBLIC KEY)`);
}

/**
 * Key material as Rekor v2 carries it: raw DER of an X.509 certificate or of an SPKI.
 * @throws TLogServerError `ERR_TLOG_KEY`
 */
export function keyMaterialFromDer(der: Buffer, isCertificate: boolean): KeyMaterial {
  if (der.length === 0) throw keyError('key material is empty');
  if (der.length > MAX_KEY_MATERIAL_BYTES) throw keyError('key material is too large');
  return isCertificate ? fromCertificate(der) : fromSpki(der);
}

/** The canonical PEM of key material, as Rekor v1 stores it (re-encoded, so whitespace variants dedupe). */
export function canonicalPem(m: KeyMaterial): string {
  return encodePem(m.isCertificate ? 'CERTIFICATE' : 'PUBLIC KEY', m.der);
}

/** `canonicalPem` in base64, as Rekor v1 entry bodies carry keys. */
export function canonicalPemBase64(m: KeyMaterial): string {
  return Buffer.from(canonicalPem(m), 'utf8').toString('base64');
}

/** The hash an ECDSA key conventionally signs with; RSA: SHA-256. */
export function defaultHash(m: KeyMaterial): HashName {
  return m.algorithm === 'ecdsa-p384' ? 'sha384' : m.algorithm === 'ecdsa-p521' ? 'sha512' : 'sha256';
}

/**
 * Verifies a signature over a precomputed digest (hashedrekord). Pure Ed25519 is refused: it
 * signs messages, and the log only sees the digest.
 * @throws TLogServerError `ERR_TLOG_KEY` (unusable key), `ERR_TLOG_SIGNATURE` (does not verify)
 */
export function verifyDigestSignature(m: KeyMaterial, hash: HashName, digest: Buffer, signature: Buffer): void {
  if (m.algorithm === 'ed25519') {
    throw keyError('Ed25519 signs messages, not digests: a hashedrekord entry cannot be verified with a pure Ed25519 key');
  }
  let ok: boolean;
  try {
    ok = verifyDigestWithSpki(m.spki, digest, signature, { hash, rsaPadding: 'pkcs1' });
  } catch (err) {
    if (err instanceof CoreError) throw keyError(`key cannot verify this signature: ${err.message}`, err);
    throw err;
  }
  if (!ok) throw new TLogServerError('ERR_TLOG_SIGNATURE', 'the signature does not verify against the entry\'s key over the given digest');
}

/**
 * Verifies an Ed25519ph signature (RFC 8032 HashEdDSA, empty context) over a SHA-512 digest:
 * how Rekor v2 verifies a hashedrekord entry whose verifier says `PKIX_ED25519_PH`.
 * @throws TLogServerError `ERR_TLOG_KEY` (not a usable Ed25519 key), `ERR_TLOG_SIGNATURE`
 */
export function verifyEd25519phSignature(m: KeyMaterial, sha512Digest: Buffer, signature: Buffer): void {
  if (m.algorithm !== 'ed25519') throw keyError(`Ed25519ph needs an Ed25519 key, not ${m.algorithm}`);
  let ok: boolean;
  try {
    ok = verifyEd25519ph(m.spki, sha512Digest, signature);
  } catch (err) {
    if (err instanceof CoreError) throw keyError(`key cannot verify this signature: ${err.message}`, err);
    throw err;
  }
  if (!ok) throw new TLogServerError('ERR_TLOG_SIGNATURE', 'the Ed25519ph signature does not verify against the entry\'s key over the given SHA-512 digest');
}

function publicKeyOf(m: KeyMaterial): KeyObject {
  try {
    return createPublicKey({ key: m.spki, format: 'der', type: 'spki' });
  } catch (err) {
    throw keyError('public key not accepted by OpenSSL', err);
  }
}

/**
 * Verifies a signature over a message (the DSSE PAE). ECDSA is tried with the curve's hash, then
 * SHA-256 (Rekor v1 verifies DSSE with SHA-256 whatever the curve); Ed25519 signs the message.
 * @throws TLogServerError `ERR_TLOG_KEY`, `ERR_TLOG_SIGNATURE`
 */
export function verifyMessageSignature(m: KeyMaterial, message: Buffer, signature: Buffer): void {
  let ok = false;
  try {
    if (m.algorithm === 'ed25519') {
      ok = verifySignature(publicKeyOf(m), message, signature);
    } else {
      const hashes: HashName[] = defaultHash(m) === 'sha256' ? ['sha256'] : [defaultHash(m), 'sha256'];
      for (const hash of hashes) {
        const digest = createHash(hash).update(message).digest();
        if (verifyDigestWithSpki(m.spki, digest, signature, { hash, rsaPadding: 'pkcs1' })) { ok = true; break; }
      }
    }
  } catch (err) {
    if (err instanceof SignetError && !(err instanceof TLogServerError)) throw keyError(`key cannot verify this signature: ${err.message}`, err);
    throw err;
  }
  if (!ok) throw new TLogServerError('ERR_TLOG_SIGNATURE', 'the DSSE signature does not verify against the given key');
}

/** SHA-256 of the SPKI, hex: the search key by which entries signed with this key are found. */
export function keyFingerprint(m: KeyMaterial): string {
  return createHash('sha256').update(m.spki).digest('hex');
}

/** Search keys of key material: its key fingerprint and certificate emails. */
export function keyIndexKeys(m: KeyMaterial): string[] {
  return [`key:${keyFingerprint(m)}`, ...m.emails.map((e) => `email:${e}`)];
}

/** Key material with what every entry signed by it repeats: its canonical PEM in base64 and its search keys. */
export interface DecodedKey {
  readonly key: KeyMaterial;
  /** Base64 of the canonical PEM (how Rekor v1 bodies carry a key). */
  readonly pemBase64: string;
  readonly indexKeys: readonly string[];
}

/** Keys decoded recently, by the exact request text: most clients sign many entries with one key. */
const decodedKeys = new Map<string, DecodedKey>();
/** Most keys kept, and the longest request text kept (a certificate is ~1–3 KiB in base64). */
const DECODED_KEYS_LIMIT = 1024;
const DECODED_KEY_MAX_CHARS = 8192;

/**
 * Key material from the base64 of a PEM, as Rekor v1 requests carry it, with its canonical PEM
 * and search keys; a text seen recently is decoded once (decoding, DER classification and the
 * fingerprint cost about as much as a third of a P-256 verification). Only successes are kept.
 * `where` names the request field in errors.
 * @throws TLogServerError `ERR_TLOG_KEY`; `ERR_TLOG_REQUEST` for text that is not canonical base64
 */
export function decodedKeyFromPemBase64(text: string, where: string): DecodedKey {
  const hit = decodedKeys.get(text);
  if (hit !== undefined) return hit;
  const key = keyMaterialFromPem(base64Text(text, where));
  const out: DecodedKey = Object.freeze({
    key: Object.freeze({ ...key, emails: Object.freeze([...key.emails]) }),
    pemBase64: canonicalPemBase64(key),
    indexKeys: Object.freeze(keyIndexKeys(key)),
  });
  if (text.length <= DECODED_KEY_MAX_CHARS) {
    if (decodedKeys.size >= DECODED_KEYS_LIMIT) decodedKeys.delete(decodedKeys.keys().next().value as string);
    decodedKeys.set(text, out);
  }
  return out;
}
