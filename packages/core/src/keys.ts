import { createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, constants, type KeyObject } from 'node:crypto';
import { CoreError } from './errors.js';
import { decodePem } from './encoding.js';

/** Hash functions Signet signs and verifies with. */
export type HashName = 'sha256' | 'sha384' | 'sha512';

/** The algorithms Signet accepts for keys. */
export type KeyAlgorithm = 'ecdsa-p256' | 'ecdsa-p384' | 'ecdsa-p521' | 'ed25519' | 'rsa';

/** What a key is, as far as signature schemes care. */
export interface KeyDescription {
  algorithm: KeyAlgorithm;
  /** RSA modulus length in bits; curve size for EC keys. */
  bits: number;
  /** The hash conventionally paired with this key (Ed25519: none). */
  defaultHash: HashName | undefined;
}

/** Options of a signature: hash (ignored for Ed25519) and RSA padding. */
export interface SignatureOptions {
  hash?: HashName;
  rsaPadding?: 'pkcs1' | 'pss';
}

const CURVES: Record<string, { algorithm: KeyAlgorithm; bits: number; hash: HashName }> = {
  prime256v1: { algorithm: 'ecdsa-p256', bits: 256, hash: 'sha256' },
  secp384r1: { algorithm: 'ecdsa-p384', bits: 384, hash: 'sha384' },
  secp521r1: { algorithm: 'ecdsa-p521', bits: 521, hash: 'sha512' },
};

const describeCache = new WeakMap<KeyObject, KeyDescription>();

/**
 * Classifies a key; anything other than ECDSA P-256/384/521, Ed25519 and RSA is rejected.
 * @throws CoreError `ERR_CORE_KEY_UNSUPPORTED`
 */
export function describeKey(key: KeyObject): KeyDescription {
  const cached = describeCache.get(key);
  if (cached) return cached;
  let d: KeyDescription;
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'ec') {
    const curve = CURVES[details.namedCurve ?? ''];
    if (!curve) throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `unsupported EC curve ${details.namedCurve ?? '(unknown)'}`);
    d = { algorithm: curve.algorithm, bits: curve.bits, defaultHash: curve.hash };
  } else if (type === 'ed25519') {
    d = { algorithm: 'ed25519', bits: 256, defaultHash: undefined };
  } else if (type === 'rsa' || type === 'rsa-pss') {
    d = { algorithm: 'rsa', bits: details.modulusLength ?? 0, defaultHash: 'sha256' };
  } else {
    throw new CoreError('ERR_CORE_KEY_UNSUPPORTED', `unsupported key type ${type ?? '(unknown)'}`);
  }
  describeCache.set(key, d);
  return d;
}

function looksLikePem(input: string | Uint8Array): string | undefined {
  if (typeof input === 'string') return input;
  const head = Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, 64)).toString('latin1');
  return head.includes('-----BEGIN') ? Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8') : undefined;
}

type KeyImport = { readonly kind: 'public' | 'private'; readonly pemTypes: Readonly<Record<string, 'spki' | 'pkcs1' | 'pkcs8' | 'sec1' | 'x509'>>; readonly derType: 'spki' | 'pkcs8' };

const PUBLIC_IMPORT: KeyImport = { kind: 'public', pemTypes: { 'PUBLIC KEY': 'spki', 'RSA PUBLIC KEY': 'pkcs1', CERTIFICATE: 'x509' }, derType: 'spki' };
const PRIVATE_IMPORT: KeyImport = { kind: 'private', pemTypes: { 'PRIVATE KEY': 'pkcs8', 'EC PRIVATE KEY': 'sec1', 'RSA PRIVATE KEY': 'pkcs1' }, derType: 'pkcs8' };

/** One strict import path for both key kinds: PEM label → DER type, or raw DER; typed errors. */
function importKey(input: string | Uint8Array, how: KeyImport): KeyObject {
  const create = (key: Buffer | string, type?: string): KeyObject =>
    how.kind === 'public'
      ? type === undefined ? createPublicKey(key) : createPublicKey({ key: key as Buffer, format: 'der', type: type as 'spki' | 'pkcs1' })
      : createPrivateKey({ key: key as Buffer, format: 'der', type: type as 'pkcs8' | 'sec1' | 'pkcs1' });
  let key: KeyObject;
  try {
    const pem = looksLikePem(input);
    if (pem !== undefined) {
      const [block] = decodePem(pem, 1);
      if (!block) throw new CoreError('ERR_CORE_KEY_FORMAT', 'no PEM block');
      const type = how.pemTypes[block.label];
      if (!type) throw new CoreError('ERR_CORE_KEY_FORMAT', `unexpected PEM label ${block.label} for a ${how.kind} key`);
      // A certificate's key is read by OpenSSL from the certificate PEM itself.
      key = type === 'x509' ? create(pem) : create(block.der, type);
    } else {
      key = create(Buffer.from(input as Uint8Array), how.derType);
    }
  } catch (cause) {
    if (cause instanceof CoreError) throw cause;
    throw new CoreError('ERR_CORE_KEY_FORMAT', `malformed ${how.kind} key`, { cause });
  }
  describeKey(key);
  return key;
}

/**
 * Imports a public key from PEM (`PUBLIC KEY`, `RSA PUBLIC KEY`, or the key of a `CERTIFICATE`)
 * or DER SubjectPublicKeyInfo.
 * @throws CoreError `ERR_CORE_KEY_FORMAT`, `ERR_CORE_KEY_UNSUPPORTED`
 */
export function importPublicKey(input: string | Uint8Array): KeyObject {
  return importKey(input, PUBLIC_IMPORT);
}

/**
 * Imports a private key from PEM or DER: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`) or
 * PKCS#1 (`RSA PRIVATE KEY`). Encrypted keys are handled by the key-file layer, not here.
 * @throws CoreError `ERR_CORE_KEY_FORMAT`, `ERR_CORE_KEY_UNSUPPORTED`
 */
export function importPrivateKey(input: string | Uint8Array): KeyObject {
  return importKey(input, PRIVATE_IMPORT);
}

function padding(opts: SignatureOptions | undefined, d: KeyDescription, hash: HashName | undefined): object {
  if (d.algorithm !== 'rsa') return {};
  if (opts?.rsaPadding === 'pss') {
    return { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: hash === 'sha512' ? 64 : hash === 'sha384' ? 48 : 32 };
  }
  return { padding: constants.RSA_PKCS1_PADDING };
}

/**
 * Verifies `signature` over `data` with a public key. ECDSA signatures are DER (as Sigstore
 * encodes them); Ed25519 ignores `hash`. Returns false for a wrong or malformed signature.
 * @throws CoreError `ERR_CORE_KEY_UNSUPPORTED` for keys outside the accepted set
 */
export function verifySignature(key: KeyObject, data: Uint8Array, signature: Uint8Array, opts?: SignatureOptions): boolean {
  const d = describeKey(key);
  const hash = d.algorithm === 'ed25519' ? undefined : (opts?.hash ?? d.defaultHash);
  try {
    return cryptoVerify(hash ?? null, data, { key, ...padding(opts, d, hash), dsaEncoding: 'der' }, signature);
  } catch {
    // OpenSSL raises on some malformed signatures (e.g. wrong RSA length); that is a "no".
    return false;
  }
}

/** Signs `data` with a private key (DER ECDSA signatures). */
export function signMessage(key: KeyObject, data: Uint8Array, opts?: SignatureOptions): Buffer {
  const d = describeKey(key);
  const hash = d.algorithm === 'ed25519' ? undefined : (opts?.hash ?? d.defaultHash);
  return cryptoSign(hash ?? null, data, { key, ...padding(opts, d, hash), dsaEncoding: 'der' });
}
