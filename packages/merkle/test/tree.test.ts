import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MerkleTree, emptyRoot, hashChildren, hashLeaf } from '@signet/merkle';
import { leafData } from './assert-code.js';

describe('MerkleTree', () => {
  it('appends leaf hashes and returns their indexes', () => {
    const tree = new MerkleTree();
    assert.equal(tree.size, 0);
    assert.equal(tree.append(hashLeaf(leafData(0))), 0);
    assert.equal(tree.append(hashLeaf(leafData(1))), 1);
    assert.equal(tree.size, 2);
    assert.deepEqual(tree.leafHash(1), hashLeaf(leafData(1)));
  });

  it('computes MTH with the largest power-of-two split (RFC 9162 §2.1.1)', () => {
    const tree = new MerkleTree();
    const h = [0, 1, 2].map((i) => hashLeaf(leafData(i)));
    h.forEach((x) => tree.append(x));
    assert.deepEqual(tree.root(0), emptyRoot());
    assert.deepEqual(tree.root(1), h[0]);
    assert.deepEqual(tree.root(3), hashChildren(hashChildren(h[0]!, h[1]!), h[2]!));
    assert.deepEqual(tree.inclusionProof(2, 3), [hashChildren(h[0]!, h[1]!)]);
    assert.deepEqual(tree.inclusionProof(0, 3), [h[1], h[2]]);
  });

  it('matches the consistency proof example of RFC 9162 §2.1.5', () => {
    // The RFC's 7-leaf tree: PROOF(3) = [c, d, g, l], PROOF(4) = [l], PROOF(6) = [i, j, k], with
    // g = H(a,b), i = H(e,f), k = H(g,h), l = H(i,j). Below, a..g name the seven leaves.
    const tree = new MerkleTree();
    const d = Array.from({ length: 7 }, (_, i) => hashLeaf(leafData(i)));
    d.forEach((x) => tree.append(x));
    const [a, b, c, dd, e, f, g] = d as [Buffer, Buffer, Buffer, Buffer, Buffer, Buffer, Buffer];
    const k = hashChildren(a, b);
    const l = hashChildren(c, dd);
    const i = hashChildren(e, f);
    const m = hashChildren(k, l);
    assert.deepEqual(tree.consistencyProof(3, 7), [c, dd, k, hashChildren(i, g)]);
    assert.deepEqual(tree.consistencyProof(4, 7), [hashChildren(i, g)]);
    assert.deepEqual(tree.consistencyProof(6, 7), [i, g, m]);
  });

  it('rejects caller misuse with RangeError or TypeError', () => {
    const tree = new MerkleTree();
    tree.append(hashLeaf(leafData(0)));
    assert.throws(() => tree.append(Buffer.alloc(31)), TypeError);
    assert.throws(() => tree.root(2), RangeError);
    assert.throws(() => tree.inclusionProof(1, 1), RangeError);
    assert.throws(() => tree.inclusionProof(0, 0), RangeError);
    assert.throws(() => tree.consistencyProof(2, 1), RangeError);
    assert.throws(() => tree.leafHash(-1), RangeError);
  });
});
