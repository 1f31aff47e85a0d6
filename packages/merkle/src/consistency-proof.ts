import { MerkleError } from './errors.js';
import { hashChildren, checkCount, checkHash, emptyRoot, equalHashes } from './hash.js';
import { MAX_PROOF_HASHES } from './inclusion-proof.js';
import { half, isOdd, pathLength } from './path-walk.js';

/** An RFC 9162 §2.1.4 consistency proof between two tree heads of the same log. */
export interface ConsistencyProof {
  /** Size of the earlier tree. */
  oldSize: number;
  /** Size of the later tree; not below `oldSize`. */
  newSize: number;
  /** Root of the earlier tree. */
  oldRoot: Uint8Array;
  /** Root of the later tree. */
  newRoot: Uint8Array;
  /** Consistency path as produced by SUBPROOF (RFC 9162 §2.1.4.1). */
  proof: readonly Uint8Array[];
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  let x = n;
  while (x % 2 === 0) x /= 2;
  return x === 1;
}

/**
 * Number of hashes a valid proof for 0 < oldSize < newSize has: one per round of the
 * RFC 9162 §2.1.4.2 step 6 loop, plus the seed hash unless oldSize is a power of two (step 2
 * then uses oldRoot as the seed).
 */
function consistencyProofLength(oldSize: number, newSize: number): number {
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  return pathLength(fn, sn) + (isPowerOfTwo(oldSize) ? 0 : 1);
}

function mismatch(p: ConsistencyProof, why: string): MerkleError {
  return new MerkleError(
    'ERR_MERKLE_CONSISTENCY_PROOF',
    `consistency proof from size ${p.oldSize} to ${p.newSize} failed: ${why}`,
  );
}

function checkShape(p: ConsistencyProof): void {
  checkCount(p.oldSize, 'old tree size');
  checkCount(p.newSize, 'new tree size');
  if (p.oldSize > p.newSize) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `old size ${p.oldSize} exceeds new size ${p.newSize}`);
  }
  checkHash(p.oldRoot, 'old root');
  checkHash(p.newRoot, 'new root');
  if (!Array.isArray(p.proof) || p.proof.length > MAX_PROOF_HASHES) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `a consistency proof has at most ${MAX_PROOF_HASHES} hashes`);
  }
  p.proof.forEach((h, i) => checkHash(h, `proof hash ${i}`));
  // Equal sizes and an empty old tree have empty proofs (RFC 9162 §2.1.4.1, §2.1.4.2 step 1).
  const want = p.oldSize === p.newSize || p.oldSize === 0 ? 0 : consistencyProofLength(p.oldSize, p.newSize);
  if (p.proof.length !== want) {
    throw new MerkleError(
      'ERR_MERKLE_PROOF_SHAPE',
      `a consistency proof from ${p.oldSize} to ${p.newSize} has ${want} hashes, got ${p.proof.length}`,
    );
  }
}

/**
 * Verifies that the tree of `newSize` leaves with root `newRoot` extends the tree of `oldSize`
 * leaves with root `oldRoot`, RFC 9162 §2.1.4.2. Equal sizes need equal roots and an empty
 * proof; an empty old tree needs the empty-tree root and an empty proof.
 *
 * @throws {MerkleError} `ERR_MERKLE_PROOF_SHAPE` for bad sizes, hash lengths or proof length;
 *   `ERR_MERKLE_CONSISTENCY_PROOF` when the proof does not reproduce both roots.
 */
export function verifyConsistencyProof(p: ConsistencyProof): void {
  checkShape(p);
  if (p.oldSize === p.newSize) {
    if (!equalHashes(p.oldRoot, p.newRoot)) throw mismatch(p, 'roots of equal-size trees differ');
    return;
  }
  if (p.oldSize === 0) {
    // Every tree extends the empty tree; its root is fixed by RFC 6962 §2.1.
    if (!equalHashes(p.oldRoot, emptyRoot())) throw mismatch(p, 'old root is not the empty-tree root');
    return;
  }
  // RFC 9162 §2.1.4.2 step 2: a power-of-two old tree is a complete subtree; seed with its root.
  const path = isPowerOfTwo(p.oldSize) ? [p.oldRoot, ...p.proof] : [...p.proof];
  // Steps 3–4.
  let fn = p.oldSize - 1;
  let sn = p.newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr = fr;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw mismatch(p, 'proof is longer than the path');
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0) throw mismatch(p, 'proof is shorter than the path');
  if (!equalHashes(p.oldRoot, fr)) throw mismatch(p, 'old root does not match');
  if (!equalHashes(p.newRoot, sr)) throw mismatch(p, 'new root does not match');
}
