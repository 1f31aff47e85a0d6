import { MerkleError } from './errors.js';
import { HASH_SIZE, hashChildren, checkCount, checkHash, equalHashes } from './hash.js';
import { half, isOdd, pathLength } from './path-walk.js';

/**
 * Longest proof accepted. A tree of at most 2^64 leaves never needs more than 64 hashes
 * (RFC 9162 §2.1.3.1); this caps work done on untrusted input.
 */
export const MAX_PROOF_HASHES = 64;

/** An RFC 9162 §2.1.3 inclusion proof together with the root it should lead to. */
export interface InclusionProof {
  /** Zero-based index of the leaf. */
  index: number;
  /** Size of the tree the proof was made for. */
  treeSize: number;
  /** RFC 6962 leaf hash (`hashLeaf(entry)`), not the entry itself. */
  leafHash: Uint8Array;
  /** Audit path, leaf to root. */
  proof: readonly Uint8Array[];
  /** Expected root of the tree of `treeSize` leaves. */
  rootHash: Uint8Array;
}


/**
 * Number of hashes a valid proof for (index, size) has: the number of rounds the
 * RFC 9162 §2.1.3.2 loop runs before `sn` reaches 0. Arithmetic, not bitwise, so that sizes
 * beyond 2^32 stay exact.
 */
function inclusionProofLength(index: number, size: number): number {
  return pathLength(index, size - 1);
}

function checkShape(index: number, treeSize: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): void {
  checkCount(index, 'leaf index');
  checkCount(treeSize, 'tree size');
  // RFC 9162 §2.1.3.2 step 1: leaf_index must be less than tree_size.
  if (index >= treeSize) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `leaf index ${index} is not below tree size ${treeSize}`);
  }
  checkHash(leafHash, 'leaf hash');
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_HASHES) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `an inclusion proof has at most ${MAX_PROOF_HASHES} hashes`);
  }
  proof.forEach((h, i) => checkHash(h, `proof hash ${i}`));
  const want = inclusionProofLength(index, treeSize);
  if (proof.length !== want) {
    throw new MerkleError(
      'ERR_MERKLE_PROOF_SHAPE',
      `an inclusion proof for leaf ${index} of ${treeSize} has ${want} hashes, got ${proof.length}`,
    );
  }
}

/**
 * Recomputes the tree root from a leaf hash and its audit path, RFC 9162 §2.1.3.2.
 *
 * @throws {MerkleError} `ERR_MERKLE_PROOF_SHAPE` when the index is not below the size, a hash
 *   is not 32 bytes, or the proof has the wrong number of hashes (or more than 64).
 */
export function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer {
  checkShape(index, treeSize, leafHash, proof);
  // RFC 9162 §2.1.3.2 steps 2–4.
  let fn = index;
  let sn = treeSize - 1;
  let r: Buffer = Buffer.from(leafHash);
  for (const p of proof) {
    if (sn === 0) {
      throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', 'inclusion proof is longer than the path');
    }
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', 'inclusion proof is shorter than the path');
  }
  return r;
}

/**
 * Verifies an inclusion proof, RFC 9162 §2.1.3.2: the audit path must lead from `leafHash`
 * at `index` to `rootHash` of a tree of `treeSize` leaves. Returns normally on success.
 *
 * @throws {MerkleError} `ERR_MERKLE_PROOF_SHAPE` for an impossible index, size, hash length or
 *   proof length; `ERR_MERKLE_INCLUSION_PROOF` when the recomputed root differs from `rootHash`.
 */
export function verifyInclusionProof(p: InclusionProof): void {
  checkHash(p.rootHash, 'root hash');
  const computed = rootFromInclusionProof(p.index, p.treeSize, p.leafHash, p.proof);
  // RFC 9162 §2.1.3.2 step 5: compare the computed root with the expected one.
  if (computed.length !== HASH_SIZE || !equalHashes(p.rootHash, computed)) {
    throw new MerkleError(
      'ERR_MERKLE_INCLUSION_PROOF',
      `inclusion proof for leaf ${p.index} does not lead to the root of tree size ${p.treeSize}`,
    );
  }
}
