import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MerkleTree, hashLeaf, rootFromInclusionProof, verifyInclusionProof } from '@signet/merkle';
import { assertCode, leafData } from './assert-code.js';

function treeOf(n: number): MerkleTree {
  const tree = new MerkleTree();
  for (let i = 0; i < n; i++) tree.append(hashLeaf(leafData(i)));
  return tree;
}

function flip(b: Uint8Array, at = 0): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x01;
  return c;
}

const MAX = 70;
const small = treeOf(MAX);
const big = treeOf(520);

function proofFor(tree: MerkleTree, index: number, treeSize: number) {
  return { index, treeSize, leafHash: tree.leafHash(index), proof: tree.inclusionProof(index, treeSize), rootHash: tree.root(treeSize) };
}

describe('verifyInclusionProof (RFC 9162 §2.1.3.2)', () => {
  it(`accepts every (index, size) proof for sizes 1..${MAX}`, () => {
    let n = 0;
    for (let size = 1; size <= MAX; size++) {
      for (let index = 0; index < size; index++) {
        verifyInclusionProof(proofFor(small, index, size));
        n++;
      }
    }
    assert.equal(n, (MAX * (MAX + 1)) / 2);
  });

  const boundary = [
    [0, 1], [0, 2], [1, 2], [0, 255], [254, 255], [0, 256], [255, 256], [128, 256],
    [0, 257], [255, 257], [256, 257], [511, 512], [256, 513], [512, 513], [519, 520],
  ] as const;
  for (const [index, size] of boundary) {
    it(`accepts the boundary row index ${index}, size ${size}`, () => {
      const p = proofFor(big, index, size);
      verifyInclusionProof(p);
      assert.deepEqual(rootFromInclusionProof(index, size, p.leafHash, p.proof), p.rootHash);
    });
  }

  it('has an empty proof for the single-leaf tree, whose root is the leaf hash', () => {
    const p = proofFor(small, 0, 1);
    assert.equal(p.proof.length, 0);
    assert.deepEqual(p.rootHash, p.leafHash);
  });

  it('rejects every proof with one flipped byte in any hash', () => {
    for (const [index, size] of [[0, 7], [6, 7], [3, 8], [100, 257], [256, 257]] as const) {
      const p = proofFor(big, index, size);
      p.proof.forEach((_, i) => {
        const proof = p.proof.map((h, j) => (i === j ? flip(h, 31) : h));
        assertCode(() => verifyInclusionProof({ ...p, proof }), 'ERR_MERKLE_INCLUSION_PROOF');
      });
      assertCode(() => verifyInclusionProof({ ...p, leafHash: flip(p.leafHash) }), 'ERR_MERKLE_INCLUSION_PROOF');
      assertCode(() => verifyInclusionProof({ ...p, rootHash: flip(p.rootHash) }), 'ERR_MERKLE_INCLUSION_PROOF');
    }
  });

  it('rejects a proof presented for the wrong index of the same shape', () => {
    const p = proofFor(small, 4, 8);
    assertCode(() => verifyInclusionProof({ ...p, index: 5 }), 'ERR_MERKLE_INCLUSION_PROOF');
    assertCode(() => verifyInclusionProof({ ...p, index: 0 }), 'ERR_MERKLE_INCLUSION_PROOF');
  });

  it('rejects a proof for the wrong tree size', () => {
    const p = proofFor(small, 4, 8);
    assertCode(() => verifyInclusionProof({ ...p, treeSize: 9 }), 'ERR_MERKLE_PROOF_SHAPE');
    // Size 7 has a path of the same length; against the root of size 7 it fails. (Against the
    // root of size 8 it would pass: a root is bound to its size only by the signed checkpoint.)
    assertCode(() => verifyInclusionProof({ ...p, treeSize: 7, rootHash: small.root(7) }), 'ERR_MERKLE_INCLUSION_PROOF');
  });

  it('rejects an extra or a missing hash', () => {
    const p = proofFor(small, 4, 9);
    assertCode(() => verifyInclusionProof({ ...p, proof: [...p.proof, p.leafHash] }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyInclusionProof({ ...p, proof: p.proof.slice(1) }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyInclusionProof({ ...p, proof: p.proof.slice(0, -1) }), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('rejects an index not below the size, and impossible numbers', () => {
    const p = proofFor(small, 4, 8);
    for (const [index, treeSize] of [[8, 8], [0, 0], [-1, 8], [1.5, 8], [Number.NaN, 8], [0, 2 ** 53]] as const) {
      assertCode(() => verifyInclusionProof({ ...p, index, treeSize }), 'ERR_MERKLE_PROOF_SHAPE');
    }
  });

  it('rejects hashes that are not 32 bytes', () => {
    const p = proofFor(small, 4, 8);
    assertCode(() => verifyInclusionProof({ ...p, leafHash: p.leafHash.subarray(1) }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyInclusionProof({ ...p, rootHash: Buffer.alloc(33) }), 'ERR_MERKLE_PROOF_SHAPE');
    const proof = [...p.proof];
    proof[1] = Buffer.alloc(31);
    assertCode(() => verifyInclusionProof({ ...p, proof }), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('caps proofs at 64 hashes', () => {
    const h = Buffer.alloc(32);
    const proof = Array.from({ length: 65 }, () => h);
    assertCode(() => rootFromInclusionProof(0, Number.MAX_SAFE_INTEGER, h, proof), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('computes path lengths exactly beyond 2^32 leaves', () => {
    const h = Buffer.alloc(32, 7);
    // Leaf 0 of 2^33 leaves sits under a complete tree: 33 siblings, no fewer, no more.
    const proof = Array.from({ length: 33 }, () => h);
    assert.equal(rootFromInclusionProof(0, 2 ** 33, h, proof).length, 32);
    assertCode(() => rootFromInclusionProof(0, 2 ** 33, h, proof.slice(1)), 'ERR_MERKLE_PROOF_SHAPE');
    // The last leaf of 2^40 + 1 leaves is alone on the right: one sibling.
    assert.equal(rootFromInclusionProof(2 ** 40, 2 ** 40 + 1, h, [h]).length, 32);
    // Leaf 2^32 + 1 of 2^32 + 2 leaves: its sibling, then the left 2^32 subtree.
    assert.equal(rootFromInclusionProof(2 ** 32 + 1, 2 ** 32 + 2, h, [h, h]).length, 32);
    assertCode(() => rootFromInclusionProof(2 ** 32 + 1, 2 ** 32 + 2, h, [h]), 'ERR_MERKLE_PROOF_SHAPE');
  });
});
