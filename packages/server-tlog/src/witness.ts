import { createPublicKey, sign, type KeyObject } from 'node:crypto';
import { NoteSignatureType, isValidNoteKeyName, noteKeyHash, parseSignedNote } from '@signet/merkle';
import type { WitnessHook } from '@signet/log';

/** SPKI DER prefix of an Ed25519 key (RFC 8410 §4); the raw 32-byte key follows. */
const ED25519_SPKI_PREFIX_LENGTH = 12;

/**
 * A witness that cosigns in-process with an Ed25519 key, c2sp.org/tlog-cosignature: the
 * signature line is `— <name> base64(keyID || timestamp || signature)` where keyID =
 * SHA-256(name || 0x0A || 0x04 || key)[:4], timestamp is big-endian uint64 seconds, and the
 * signature is Ed25519 over `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint
 * body. For an operator who runs a witness next to the log, and for tests; remote witnesses
 * (c2sp.org/tlog-witness) plug into the same `WitnessHook`.
 * @throws TypeError for an invalid name or a key that is not an Ed25519 private key
 */
export function localWitness(name: string, key: KeyObject, clock: () => Date = () => new Date()): WitnessHook {
  if (!isValidNoteKeyName(name)) throw new TypeError(`invalid witness name ${JSON.stringify(name)}`);
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('a witness key is an Ed25519 private key');
  const raw = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(ED25519_SPKI_PREFIX_LENGTH);
  const keyHash = noteKeyHash(name, NoteSignatureType.Cosignature, raw);
  return {
    name,
    async cosign(signedNote) {
      const { body } = parseSignedNote(signedNote);
      const time = Math.floor(clock().getTime() / 1000);
      const message = Buffer.from(`cosignature/v1\ntime ${time}\n${body}`, 'utf8');
      const ts = Buffer.alloc(8);
      ts.writeBigUInt64BE(BigInt(time));
      const sig = sign(null, message, key);
      return [`\u2014 ${name} ${Buffer.concat([keyHash, ts, sig]).toString('base64')}`];
    },
  };
}
