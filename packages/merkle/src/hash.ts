import { createHash } from 'node:crypto';
import { pooledDigest } from '@signet/core';
import { MerkleError } from './errors.js';

/** Size in bytes of every node hash (SHA-256), RFC 6962 §2.1. */
export const HASH_SIZE = 32;

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/**
 * Leaf hash of RFC 6962 §2.1: `SHA-256(0x00 || data)`. The prefix keeps leaves and interior
 * nodes in separate domains (second-preimage resistance).
 */
export function hashLeaf(data: Uint8Array): Buffer {
  if (data.length > SMALL_LEAF) return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
  // One-shot hash of a copy: cheaper than a Hash object for the typical log entry (~1 KiB).
  const input = Buffer.allocUnsafe(1 + data.length);
  input[0] = 0x00;
  input.set(data, 1);
  return pooledDigest('sha256', input);
}

/** Largest leaf hashed through a copy rather than incrementally. */
const SMALL_LEAF = 16 * 1024;

/** 0x01 then two 32-byte children: the input of every interior node of 32-byte hashes. */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 0x01;

/**
 * Interior node hash of RFC 6962 §2.1: `SHA-256(0x01 || left || right)`. Children of 32 bytes
 * (every node of a SHA-256 tree) go through one reused input buffer and the one-shot
 * `crypto.hash`, with no Hash object and no ArrayBuffer per node (`pooledDigest`): the log
 * hashes thousands of nodes a second. The result is a fresh Buffer on Node's pool.
 */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    NODE_INPUT.set(left, 1);
    NODE_INPUT.set(right, 1 + HASH_SIZE);
    return pooledDigest('sha256', NODE_INPUT);
  }
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Root of the empty tree, RFC 6962 §2.1: `SHA-256()` (e3b0c442…b855). */
export function emptyRoot(): Buffer {
  return createHash('sha256').digest();
}

/** Rejects a hash from untrusted input that is not exactly 32 bytes. */
export function checkHash(hash: Uint8Array, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `${what} must be ${HASH_SIZE} bytes`);
  }
}

/** Rejects a tree size or index from untrusted input that is not a safe non-negative integer. */
export function checkCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new MerkleError('ERR_MERKLE_PROOF_SHAPE', `${what} must be a non-negative safe integer`);
  }
}

/** Byte equality of two hashes. Roots are public values, so timing does not matter here. */
export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
