import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MerkleTree, emptyRoot, hashLeaf, verifyConsistencyProof } from '@signet/merkle';
import { assertCode, leafData } from './assert-code.js';

function treeOf(n: number): MerkleTree {
  const tree = new MerkleTree();
  for (let i = 0; i < n; i++) tree.append(hashLeaf(leafData(i)));
  return tree;
}

function flip(b: Uint8Array, at = 0): Buffer {
  const c = Buffer.from(b);
  c[at] = (c[at] as number) ^ 0x80;
  return c;
}

const MAX = 70;
const small = treeOf(MAX);
const big = treeOf(520);

function proofFor(tree: MerkleTree, oldSize: number, newSize: number) {
  return {
    oldSize,
    newSize,
    oldRoot: tree.root(oldSize),
    newRoot: tree.root(newSize),
    proof: tree.consistencyProof(oldSize, newSize),
  };
}

describe('verifyConsistencyProof (RFC 9162 §2.1.4.2)', () => {
  it(`accepts every (m, n) proof with 0 ≤ m ≤ n ≤ ${MAX}`, () => {
    let count = 0;
    for (let n = 0; n <= MAX; n++) {
      for (let m = 0; m <= n; m++) {
        verifyConsistencyProof(proofFor(small, m, n));
        count++;
      }
    }
    assert.equal(count, ((MAX + 1) * (MAX + 2)) / 2);
  });

  const boundary = [
    [1, 2], [1, 255], [1, 256], [1, 257], [255, 256], [256, 257], [255, 257], [128, 257],
    [256, 512], [257, 512], [255, 513], [511, 513], [512, 520], [3, 520], [519, 520],
  ] as const;
  for (const [m, n] of boundary) {
    it(`accepts the boundary row ${m} → ${n}`, () => verifyConsistencyProof(proofFor(big, m, n)));
  }

  it('treats equal sizes as needing equal roots and no proof', () => {
    const p = proofFor(small, 9, 9);
    assert.equal(p.proof.length, 0);
    verifyConsistencyProof(p);
    assertCode(() => verifyConsistencyProof({ ...p, newRoot: flip(p.newRoot) }), 'ERR_MERKLE_CONSISTENCY_PROOF');
    assertCode(() => verifyConsistencyProof({ ...p, proof: [p.oldRoot] }), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('treats the empty old tree as consistent with any tree, given the empty root', () => {
    verifyConsistencyProof({ oldSize: 0, newSize: 0, oldRoot: emptyRoot(), newRoot: emptyRoot(), proof: [] });
    const p = proofFor(small, 0, 17);
    verifyConsistencyProof(p);
    assertCode(() => verifyConsistencyProof({ ...p, oldRoot: small.root(1) }), 'ERR_MERKLE_CONSISTENCY_PROOF');
    assertCode(() => verifyConsistencyProof({ ...p, proof: [p.newRoot] }), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('rejects every proof with one flipped byte in any hash', () => {
    for (const [m, n] of [[1, 2], [3, 7], [4, 7], [6, 8], [255, 257], [256, 513]] as const) {
      const p = proofFor(big, m, n);
      p.proof.forEach((_, i) => {
        const proof = p.proof.map((h, j) => (i === j ? flip(h) : h));
        assertCode(() => verifyConsistencyProof({ ...p, proof }), 'ERR_MERKLE_CONSISTENCY_PROOF');
      });
      assertCode(() => verifyConsistencyProof({ ...p, oldRoot: flip(p.oldRoot) }), 'ERR_MERKLE_CONSISTENCY_PROOF');
      assertCode(() => verifyConsistencyProof({ ...p, newRoot: flip(p.newRoot) }), 'ERR_MERKLE_CONSISTENCY_PROOF');
    }
  });

  it('rejects a proof presented for other sizes', () => {
    const p = proofFor(small, 5, 13);
    let sameShape = 0;
    for (let m = 1; m < 13; m++) {
      if (m === 5) continue;
      const sameLength = small.consistencyProof(m, 13).length === p.proof.length;
      if (sameLength) sameShape++;
      assertCode(
        () => verifyConsistencyProof({ ...p, oldSize: m }),
        sameLength ? 'ERR_MERKLE_CONSISTENCY_PROOF' : 'ERR_MERKLE_PROOF_SHAPE',
      );
    }
    assert.ok(sameShape > 0);
    assertCode(() => verifyConsistencyProof({ ...p, newSize: 14, newRoot: small.root(14) }), 'ERR_MERKLE_CONSISTENCY_PROOF');
  });

  it('rejects an extra or a missing hash', () => {
    const p = proofFor(small, 5, 13);
    assertCode(() => verifyConsistencyProof({ ...p, proof: [...p.proof, p.oldRoot] }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyConsistencyProof({ ...p, proof: p.proof.slice(1) }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyConsistencyProof({ ...p, proof: [] }), 'ERR_MERKLE_PROOF_SHAPE');
  });

  it('rejects a shrinking tree, impossible sizes and bad hash lengths', () => {
    const p = proofFor(small, 5, 13);
    assertCode(() => verifyConsistencyProof({ ...p, oldSize: 14 }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyConsistencyProof({ ...p, oldSize: -1 }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyConsistencyProof({ ...p, newSize: 2 ** 53 }), 'ERR_MERKLE_PROOF_SHAPE');
    assertCode(() => verifyConsistencyProof({ ...p, oldRoot: Buffer.alloc(31) }), 'ERR_MERKLE_PROOF_SHAPE');
    const proof = [...p.proof];
    proof[0] = Buffer.alloc(64);
    assertCode(() => verifyConsistencyProof({ ...p, proof }), 'ERR_MERKLE_PROOF_SHAPE');
    const long = Array.from({ length: 65 }, () => Buffer.alloc(32));
    assertCode(() => verifyConsistencyProof({ ...p, proof: long }), 'ERR_MERKLE_PROOF_SHAPE');
  });
});
