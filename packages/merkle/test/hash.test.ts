import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HASH_SIZE, MerkleTree, emptyRoot, hashChildren, hashLeaf } from '@signet/merkle';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 6962 reference leaves and roots, as used by the Certificate Transparency and
// transparency-dev test suites (the roots of the trees of the first n leaves).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

describe('hashing (RFC 6962 §2.1)', () => {
  it('gives the empty-tree root SHA-256("")', () => {
    assert.equal(hex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(new MerkleTree().root()), hex(emptyRoot()));
  });

  it('hashes the empty leaf as SHA-256(0x00)', () => {
    assert.equal(hex(hashLeaf(new Uint8Array())), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(hashLeaf(Buffer.from('x')).length, HASH_SIZE);
  });

  it('separates leaves from interior nodes with the 0x01 prefix', () => {
    const l = hashLeaf(Buffer.from('a'));
    const r = hashLeaf(Buffer.from('b'));
    assert.notEqual(hex(hashChildren(l, r)), hex(hashLeaf(Buffer.concat([l, r]))));
    assert.notEqual(hex(hashChildren(l, r)), hex(hashChildren(r, l)));
  });

  for (const [i, want] of ROOTS.entries()) {
    it(`matches the reference root of the tree of ${i + 1} leaves`, () => {
      const tree = new MerkleTree();
      for (const leaf of LEAVES) tree.append(hashLeaf(Buffer.from(leaf, 'hex')));
      assert.equal(hex(tree.root(i + 1)), want);
    });
  }
});
