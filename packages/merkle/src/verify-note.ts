import { MerkleError } from './errors.js';
import type { NoteSignature, SignedNote } from './note.js';
import type { NoteVerifier } from './note-verifier.js';

/**
 * Verifies a parsed note against trusted keys, c2sp.org/signed-note "Signatures": a line is
 * checked only when both its name and key ID match a verifier; other lines (unknown keys,
 * witness cosignatures) are ignored. Returns the lines that verified, in note order.
 *
 * @throws {MerkleError} `ERR_NOTE_SIGNATURE` when a signature from a known key is invalid (the
 *   spec says to reject the whole note) or when no known key signed the note.
 */
export function verifySignedNote(note: SignedNote, verifiers: readonly NoteVerifier[]): NoteSignature[] {
  const body = Buffer.from(note.body, 'utf8');
  const verified: NoteSignature[] = [];
  for (const sig of note.signatures) {
    const known = verifiers.filter((v) => v.name === sig.name && sig.keyHash.equals(v.keyHash));
    if (known.length === 0) continue;
    const ok = known.some((v) => {
      try {
        return v.verify(body, sig.signature);
      } catch {
        return false;
      }
    });
    if (!ok) {
      throw new MerkleError(
        'ERR_NOTE_SIGNATURE',
        `note signature by ${sig.name} (key ID ${sig.keyHash.toString('hex')}) does not verify`,
      );
    }
    verified.push(sig);
  }
  if (verified.length === 0) {
    throw new MerkleError('ERR_NOTE_SIGNATURE', 'note is not signed by any trusted key');
  }
  return verified;
}
