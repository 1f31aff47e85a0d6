import { createHash, type KeyObject } from 'node:crypto';
import { MerkleError } from './errors.js';
import { NOTE_KEY_HASH_SIZE } from './note.js';

/** Signature type identifier bytes assigned by c2sp.org/signed-note ("Signature types"). */
export const NoteSignatureType = {
  /** Ed25519 over the note text. */
  Ed25519: 0x01,
  /** ECDSA as in transparency-dev/witness; key ID = SHA-256(SPKI DER)[:4]. */
  ECDSA: 0x02,
  /** Timestamped Ed25519 witness cosignature, c2sp.org/tlog-cosignature. */
  Cosignature: 0x04,
  /** RFC 6962 TreeHeadSignature, c2sp.org/static-ct-api. */
  RFC6962TreeHead: 0x05,
  /** Types without an assigned byte; followed by a longer identifier. */
  Undefined: 0xff,
} as const;

/** SPKI DER prefix of an Ed25519 public key (RFC 8410 §4); the raw 32 bytes follow it. Internal. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
// rekor-tiles `pkg/note/note.go` names RSA keys with type 0xff and this identifier.
const RSA_TYPE_ID = Buffer.concat([Buffer.from([NoteSignatureType.Undefined]), Buffer.from('PKIX-RSA-PKCS#1v1.5')]);

/** An `ERR_NOTE_KEY` error, wrapping `cause` when given. Internal. */
export function keyError(message: string, cause?: unknown): MerkleError {
  return new MerkleError('ERR_NOTE_KEY', message, cause === undefined ? undefined : { cause });
}

/**
 * The recommended key ID of c2sp.org/signed-note:
 * `SHA-256(name || 0x0A || type || publicKey)[:4]`. `type` is one byte or, for 0xff, a byte
 * string starting with 0xff.
 */
export function noteKeyHash(name: string, type: number | Uint8Array, keyBytes: Uint8Array): Buffer {
  const typeBytes = typeof type === 'number' ? Buffer.from([type]) : type;
  return createHash('sha256').update(name, 'utf8').update('\n').update(typeBytes).update(keyBytes).digest()
    .subarray(0, NOTE_KEY_HASH_SIZE);
}

/**
 * Full 32-byte key identifier of a log key as Sigstore publishes it (the `logId.keyId` of a
 * trusted root); the note key ID is its first 4 bytes:
 * - ECDSA: SHA-256 of the SPKI DER. Rekor v1 checkpoints, rekor-tiles (Rekor v2) and
 *   signed-note type 0x02 all use it; it is independent of the name.
 * - Ed25519: SHA-256(name || 0x0A || 0x01 || raw key) (signed-note; rekor-tiles).
 * - RSA: SHA-256(name || 0x0A || 0xff || "PKIX-RSA-PKCS#1v1.5" || SPKI DER) (rekor-tiles).
 *
 * @throws {MerkleError} `ERR_NOTE_KEY` for other key types.
 */
export function logKeyId(name: string, key: KeyObject): Buffer {
  const spki = key.export({ format: 'der', type: 'spki' });
  switch (key.asymmetricKeyType) {
    case 'ec':
      return createHash('sha256').update(spki).digest();
    case 'ed25519':
      return createHash('sha256').update(name, 'utf8').update('\n').update(Buffer.from([NoteSignatureType.Ed25519]))
        .update(spki.subarray(ED25519_SPKI_PREFIX.length)).digest();
    case 'rsa':
      return createHash('sha256').update(name, 'utf8').update('\n').update(RSA_TYPE_ID).update(spki).digest();
    default:
      throw keyError(`unsupported note key type ${String(key.asymmetricKeyType)}`);
  }
}

