/**
 * `@signet/merkle`: RFC 6962/9162 Merkle hashing and proofs, C2SP signed notes and
 * checkpoints, tile coordinates. Pure code: no I/O, crypto only through `node:crypto`.
 */
export { MerkleError, type MerkleErrorCode } from './errors.js';
export { HASH_SIZE, hashLeaf, hashChildren, emptyRoot } from './hash.js';
export {
  MAX_PROOF_HASHES,
  verifyInclusionProof,
  rootFromInclusionProof,
  type InclusionProof,
} from './inclusion-proof.js';
export { verifyConsistencyProof, type ConsistencyProof } from './consistency-proof.js';
export { MerkleTree } from './tree.js';
export { TILE_HEIGHT, TILE_WIDTH, MAX_TILE_LEVEL, tilePath, entriesTilePath, tileForLeaf } from './tiles.js';
export {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  NOTE_KEY_HASH_SIZE,
  parseSignedNote,
  signNote,
  isValidNoteKeyName,
  type SignedNote,
  type NoteSignature,
  type NoteSigner,
} from './note.js';
export { NoteSignatureType, noteKeyHash, logKeyId } from './note-key-id.js';
export {
  noteVerifierFromPublicKey,
  noteVerifierFromVkey,
  noteSignerFromPrivateKey,
  noteSigningKeyOf,
  type NoteSigningKey,
  type NoteVerifier,
} from './note-verifier.js';
export { verifySignedNote } from './verify-note.js';
export {
  parseCheckpoint,
  formatCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type VerifiedCheckpoint,
} from './checkpoint.js';
