import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { MerkleError } from './errors.js';
import { decodeBase64Strict } from './base64.js';
import { NOTE_KEY_HASH_SIZE, isValidNoteKeyName, type NoteSigner } from './note.js';
import { ED25519_SPKI_PREFIX, NoteSignatureType, keyError, logKeyId, noteKeyHash } from './note-key-id.js';

/** A trusted key that can check note signatures, matched by name and key ID. */
export interface NoteVerifier {
  /** Key name expected in the signature line. */
  name: string;
  /** 4-byte key ID expected at the start of the signature. */
  keyHash: Buffer;
  /** True when `signature` (without the key ID) is valid over the UTF-8 note text. */
  verify(body: Uint8Array, signature: Uint8Array): boolean;
}

function signatureCheck(key: KeyObject): (body: Uint8Array, sig: Uint8Array) => boolean {
  switch (key.asymmetricKeyType) {
    case 'ed25519': // RFC 8032 over the note text itself (signed-note "Ed25519 signatures")
      return (body, sig) => verify(null, body, key, sig);
    case 'ec': // ECDSA-SHA256, ASN.1 DER signature, as Rekor v1 and rekor-tiles produce
      return (body, sig) => verify('sha256', body, { key, dsaEncoding: 'der' }, sig);
    case 'rsa': // PKCS#1 v1.5 with SHA-256 (rekor-tiles)
      return (body, sig) => verify('sha256', body, key, sig);
    default:
      throw keyError(`unsupported note key type ${String(key.asymmetricKeyType)}`);
  }
}

function toPublicKey(key: KeyObject): KeyObject {
  return key.type === 'private' ? createPublicKey(key) : key;
}

/**
 * A note verifier for a public key. The key ID defaults to the first 4 bytes of
 * `logKeyId(name, key)` (Sigstore conventions, see there); pass `keyHash` to override it.
 * Ed25519 verifies the note text directly; ECDSA verifies an ECDSA-SHA256 DER signature;
 * RSA verifies PKCS#1 v1.5 SHA-256.
 *
 * @throws {MerkleError} `ERR_NOTE_KEY` for an invalid name, a key ID that is not 4 bytes, or
 *   an unsupported key type.
 */
export function noteVerifierFromPublicKey(name: string, key: KeyObject, keyHash?: Uint8Array): NoteVerifier {
  if (!isValidNoteKeyName(name)) throw keyError(`invalid note key name ${JSON.stringify(name)}`);
  const pub = toPublicKey(key);
  const check = signatureCheck(pub);
  const hash = keyHash === undefined ? logKeyId(name, pub).subarray(0, NOTE_KEY_HASH_SIZE) : Buffer.from(keyHash);
  if (hash.length !== NOTE_KEY_HASH_SIZE) throw keyError('note key ID must be 4 bytes');
  return {
    name,
    keyHash: Buffer.from(hash),
    verify(body, signature) {
      try {
        return check(body, signature);
      } catch {
        return false; // a malformed signature (e.g. bad DER) is simply not valid
      }
    },
  };
}

/**
 * A note signer for a private key, the counterpart of `noteVerifierFromPublicKey` (same key ID
 * rules, same signature formats). For tests and the log engine.
 *
 * @throws {MerkleError} `ERR_NOTE_KEY` for an invalid name or unsupported key type.
 * @throws {TypeError} when `key` is not a private key.
 */
export function noteSignerFromPrivateKey(name: string, key: KeyObject, keyHash?: Uint8Array): NoteSigner {
  if (key.type !== 'private') throw new TypeError('a private key is needed to sign notes');
  const verifier = noteVerifierFromPublicKey(name, key, keyHash);
  const kind = key.asymmetricKeyType;
  const signer: NoteSigner = {
    name,
    keyHash: verifier.keyHash,
    sign(body) {
      if (kind === 'ed25519') return sign(null, body, key);
      if (kind === 'ec') return sign('sha256', body, { key, dsaEncoding: 'der' });
      return sign('sha256', body, key);
    },
  };
  signingKeys.set(signer, Object.freeze({ name, key, keyHash: Uint8Array.from(verifier.keyHash) }));
  return signer;
}

/** What a signer from `noteSignerFromPrivateKey` was made of: enough to make it again elsewhere. */
export interface NoteSigningKey {
  readonly name: string;
  readonly key: KeyObject;
  readonly keyHash: Uint8Array;
}

const signingKeys = new WeakMap<NoteSigner, NoteSigningKey>();

/**
 * The name, private key and key ID behind a signer made by `noteSignerFromPrivateKey` (undefined
 * for any other signer): a `KeyObject` can be posted to another thread, a signer's closure
 * cannot, so a thread that must sign there (the log's engine thread) re-creates the signer from
 * this with `noteSignerFromPrivateKey(k.name, k.key, k.keyHash)`.
 */
export function noteSigningKeyOf(signer: NoteSigner): NoteSigningKey | undefined {
  return signingKeys.get(signer);
}

/**
 * A note verifier from a c2sp.org/signed-note verifier key string,
 * `<name>+<8 hex key ID>+<base64(type || key)>`. Type 0x01 carries a 32-byte Ed25519 key;
 * type 0x02 an ECDSA key as SPKI DER (transparency-dev/witness). The key ID must match the
 * key (computed as the spec says for that type).
 *
 * @throws {MerkleError} `ERR_NOTE_KEY` for a malformed vkey, an unknown type, a bad key, or a
 *   key ID that does not match the key.
 */
export function noteVerifierFromVkey(vkey: string): NoteVerifier {
  // The name has no '+', the hash is hex, but base64 may contain '+': split at the first two.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw keyError('verifier key must be name+hash+key');
  const name = vkey.slice(0, first);
  const hex = vkey.slice(first + 1, second);
  if (!isValidNoteKeyName(name)) throw keyError('verifier key has an invalid name');
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw keyError('verifier key ID must be 8 hex digits');
  const data = decodeBase64Strict(vkey.slice(second + 1));
  if (data === undefined || data.length < 2) throw keyError('verifier key is not base64 of type and key');
  const type = data[0];
  const keyBytes = data.subarray(1);
  let key: KeyObject;
  let expected: Buffer;
  try {
    if (type === NoteSignatureType.Ed25519) {
      if (keyBytes.length !== 32) throw keyError('an Ed25519 verifier key has 32 bytes');
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, keyBytes]), format: 'der', type: 'spki' });
      expected = noteKeyHash(name, type, keyBytes);
    } else if (type === NoteSignatureType.ECDSA) {
      key = createPublicKey({ key: keyBytes, format: 'der', type: 'spki' });
      if (key.asymmetricKeyType !== 'ec') throw keyError('a type 0x02 verifier key must be ECDSA');
      expected = createHash('sha256').update(keyBytes).digest().subarray(0, NOTE_KEY_HASH_SIZE);
    } else {
      throw keyError(`unsupported verifier key type 0x${(type ?? 0).toString(16).padStart(2, '0')}`);
    }
  } catch (err) {
    if (err instanceof MerkleError) throw err;
    throw keyError('verifier key is not a valid public key', err); // wrap OpenSSL errors
  }
  const keyHash = Buffer.from(hex, 'hex');
  if (!keyHash.equals(expected)) throw keyError('verifier key ID does not match the key');
  return noteVerifierFromPublicKey(name, key, keyHash);
}

