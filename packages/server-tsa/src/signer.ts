import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  SignetError, describeKey, isIssuedBy, parseCertificate, signMessage, OID as X509_OID, type Certificate, type KeyDescription,
} from '@signet/core';
import { TimestampError } from './errors.js';
import { OIDS, type TimestampHash } from './oids.js';

/**
 * What signs timestamp tokens: the TSA's certificate chain and a key that signs bytes. A
 * file-backed key implements it here ({@link createKeyTimestampSigner}); an HSM or KMS can
 * implement it elsewhere, since only `sign` touches the private key.
 */
export interface TimestampSigner {
  /** DER certificates: the TSA leaf first, then its issuers up to (and including) the root. */
  readonly certificateChain: readonly Buffer[];
  /** The hash of the CMS signature and of the message-digest attribute. */
  readonly hash: TimestampHash;
  /**
   * Signs `data` (the DER SET OF signed attributes, RFC 5652 §5.4) with the leaf's private key
   * using `hash`: ECDSA returns a DER `ECDSA-Sig-Value`, RSA a PKCS#1 v1.5 signature.
   */
  sign(data: Buffer): Promise<Buffer>;
}

/** Most certificates a TSA chain may have. */
const MAX_CHAIN = 8;

/** The TSA chain as the authority uses it: parsed once, checked against the RFC 3161 profile. */
export interface TimestampChain {
  readonly leaf: Certificate;
  readonly certificates: readonly Certificate[];
  readonly key: KeyDescription;
}

function chainError(message: string, cause?: unknown): never {
  throw new TimestampError('ERR_TSA_CHAIN', message, cause === undefined ? undefined : { cause });
}

/**
 * Checks a TSA chain (leaf first): every certificate parses; the leaf is no CA, has a critical
 * extended key usage listing only id-kp-timeStamping (RFC 3161 §2.3) and, if it has a key usage,
 * only digitalSignature/nonRepudiation; each certificate is issued by the next, a CA; the leaf's
 * key is ECDSA P-256/384/521 or RSA of at least 2048 bits.
 * @throws TimestampError `ERR_TSA_CHAIN`
 */
export function inspectTimestampChain(chain: readonly Uint8Array[]): TimestampChain {
  if (!Array.isArray(chain) || chain.length === 0) chainError('the TSA certificate chain is empty');
  if (chain.length > MAX_CHAIN) chainError(`the TSA certificate chain has more than ${MAX_CHAIN} certificates`);
  const certificates = chain.map((der, i) => {
    try {
      return parseCertificate(der);
    } catch (cause) {
      chainError(`TSA chain certificate ${i} cannot be parsed`, cause);
    }
  });
  const leaf = certificates[0] as Certificate;
  if (leaf.isCA) chainError('the TSA leaf certificate is a CA');
  const eku = leaf.extension(X509_OID.extKeyUsage);
  if (!eku || !eku.critical || leaf.extKeyUsage.length !== 1 || leaf.extKeyUsage[0] !== OIDS.timeStamping) {
    chainError('the TSA leaf certificate needs a critical extended key usage of id-kp-timeStamping only (RFC 3161 §2.3)');
  }
  if (leaf.keyUsage.size > 0 && (!leaf.keyUsage.has('digitalSignature') || [...leaf.keyUsage].some((u) => u !== 'digitalSignature' && u !== 'nonRepudiation'))) {
    chainError('the TSA leaf certificate key usage must be digitalSignature');
  }
  for (let i = 0; i + 1 < certificates.length; i++) {
    const issuer = certificates[i + 1] as Certificate;
    if (!issuer.isCA) chainError(`TSA chain certificate ${i + 1} is not a CA`);
    if (!isIssuedBy(certificates[i] as Certificate, issuer)) chainError(`TSA chain certificate ${i} is not issued by certificate ${i + 1}`);
  }
  let key: KeyDescription;
  try {
    if (leaf.publicKey.asymmetricKeyType === 'rsa-pss') throw new TimestampError('ERR_TSA_CHAIN', 'RSA-PSS keys are not supported');
    key = describeKey(leaf.publicKey);
  } catch (cause) {
    chainError(`the TSA leaf key is not supported: ${(cause as Error).message}`, cause);
  }
  if (key.algorithm === 'ed25519') chainError('the TSA leaf key must be ECDSA or RSA (Ed25519 is not used for timestamps by Sigstore clients)');
  if (key.algorithm === 'rsa' && key.bits < 2048) chainError(`the TSA leaf RSA key has ${key.bits} bits; at least 2048 are required`);
  return { leaf, certificates, key };
}

/** The conventional hash of a key: SHA-384 for P-384, SHA-512 for P-521, SHA-256 otherwise. */
export function defaultHashFor(key: KeyDescription): TimestampHash {
  return key.algorithm === 'ecdsa-p384' ? 'sha384' : key.algorithm === 'ecdsa-p521' ? 'sha512' : 'sha256';
}

/**
 * A signer over a private key held in memory (loaded from a file). The key must be the leaf's.
 * @throws TimestampError `ERR_TSA_CHAIN` (see {@link inspectTimestampChain}), `ERR_TSA_KEY`
 *   (not a private key, or not the leaf certificate's key)
 */
export function createKeyTimestampSigner(privateKey: KeyObject, certificateChain: readonly Uint8Array[], options: { hash?: TimestampHash } = {}): TimestampSigner {
  const chain = inspectTimestampChain(certificateChain);
  if (privateKey?.type !== 'private') throw new TimestampError('ERR_TSA_KEY', 'the TSA key is not a private key');
  let spki: Buffer;
  try {
    spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  } catch (cause) {
    throw new TimestampError('ERR_TSA_KEY', 'the TSA key cannot be used', { cause });
  }
  if (!spki.equals(chain.leaf.spki)) throw new TimestampError('ERR_TSA_KEY', 'the TSA key does not belong to the TSA leaf certificate');
  const hash = options.hash ?? defaultHashFor(chain.key);
  const ders = chain.certificates.map((c) => Buffer.from(c.der));
  return {
    certificateChain: ders,
    hash,
    async sign(data: Buffer): Promise<Buffer> {
      try {
        return signMessage(privateKey, data, { hash, rsaPadding: 'pkcs1' });
      } catch (cause) {
        throw cause instanceof SignetError ? cause : new TimestampError('ERR_TSA_SIGNER', 'the TSA key failed to sign', { cause });
      }
    },
  };
}
