import { SignetError } from '@signet/core';

/** Codes raised by `@signet/merkle`. Each one names the step that rejected the input. */
export type MerkleErrorCode =
  /** An index, size, hash length or proof length that cannot belong to a valid proof. */
  | 'ERR_MERKLE_PROOF_SHAPE'
  /** A well-formed inclusion proof that does not lead to the expected root. */
  | 'ERR_MERKLE_INCLUSION_PROOF'
  /** A well-formed consistency proof that does not link the two roots. */
  | 'ERR_MERKLE_CONSISTENCY_PROOF'
  /** A signed note that breaks the c2sp.org/signed-note syntax. */
  | 'ERR_NOTE_FORMAT'
  /** A signed note with no verified signature from a trusted key, or a bad one from a known key. */
  | 'ERR_NOTE_SIGNATURE'
  /** A verifier key (vkey or public key) that is malformed or of an unsupported type. */
  | 'ERR_NOTE_KEY'
  /** A checkpoint body that breaks the c2sp.org/tlog-checkpoint syntax. */
  | 'ERR_CHECKPOINT_FORMAT';

/** A Merkle proof, signed note or checkpoint rejected by `@signet/merkle`. */
export class MerkleError extends SignetError {
  declare readonly code: MerkleErrorCode;
  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
