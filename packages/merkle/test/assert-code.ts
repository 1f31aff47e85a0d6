import assert from 'node:assert/strict';
import { MerkleError, type MerkleErrorCode } from '@signet/merkle';
import { SignetError } from '@signet/core';

/** Asserts that `fn` throws a `MerkleError` (and so a `SignetError`) with `code`. */
export function assertCode(fn: () => unknown, code: MerkleErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MerkleError, `expected MerkleError, got ${String(err)}`);
    assert.ok(err instanceof SignetError);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

/** Entry data of leaf `i` in the test trees. */
export function leafData(i: number): Buffer {
  return Buffer.from(`leaf ${i}`);
}
