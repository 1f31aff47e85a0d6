import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasErrorCode, SignetError } from '@signet/core';
import {
  MerkleError,
  emptyRoot,
  noteVerifierFromVkey,
  parseCheckpoint,
  parseSignedNote,
  verifyConsistencyProof,
  verifyInclusionProof,
  verifySignedNote,
  type MerkleErrorCode,
} from '@signet/merkle';
import { assertCode } from './assert-code.js';

const H = Buffer.alloc(32);
const NOTE = `o\n1\n${H.toString('base64')}\n\n— k ${Buffer.alloc(8).toString('base64')}\n`;

// A Record over the union: the compiler fails this file when a code is added without a producer.
const producers: Record<MerkleErrorCode, () => unknown> = {
  ERR_MERKLE_PROOF_SHAPE: () => verifyInclusionProof({ index: 1, treeSize: 1, leafHash: H, proof: [], rootHash: H }),
  ERR_MERKLE_INCLUSION_PROOF: () => verifyInclusionProof({ index: 0, treeSize: 1, leafHash: H, proof: [], rootHash: emptyRoot() }),
  ERR_MERKLE_CONSISTENCY_PROOF: () => verifyConsistencyProof({ oldSize: 1, newSize: 1, oldRoot: H, newRoot: emptyRoot(), proof: [] }),
  ERR_NOTE_FORMAT: () => parseSignedNote('no signatures\n'),
  ERR_NOTE_SIGNATURE: () => verifySignedNote(parseSignedNote(NOTE), []),
  ERR_NOTE_KEY: () => noteVerifierFromVkey('name+00000000+AQ=='),
  ERR_CHECKPOINT_FORMAT: () => parseCheckpoint('o\n01\nroot\n'),
};

describe('MerkleError', () => {
  for (const [code, produce] of Object.entries(producers) as Array<[MerkleErrorCode, () => unknown]>) {
    it(`is thrown with ${code}`, () => assertCode(produce, code));
  }

  it('is a SignetError with a stable code, a name and an optional cause', () => {
    const cause = new Error('inner');
    const err = new MerkleError('ERR_NOTE_FORMAT', 'msg', { cause });
    assert.ok(err instanceof SignetError);
    assert.equal(err.name, 'MerkleError');
    assert.equal(err.cause, cause);
    assert.ok(hasErrorCode(err, 'ERR_NOTE_FORMAT'));
  });
});
