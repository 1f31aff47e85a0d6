import { HASH_SIZE, emptyRoot, hashChildren } from './hash.js';

/** Largest power of two strictly below `n` (n ≥ 2), the split point `k` of RFC 9162 §2.1.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * An in-memory RFC 9162 Merkle tree over leaf hashes, for building proofs in tests and small
 * logs. It follows the recursive definitions of RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH) and
 * §2.1.4.1 (SUBPROOF) literally; a tile-backed log engine computes the same values from tiles.
 * Leaves are append-only, so every subtree hash is computed once and cached.
 */
export class MerkleTree {
  readonly #leaves: Buffer[] = [];
  readonly #cache = new Map<string, Buffer>();

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#leaves.length;
  }

  /**
   * Appends an RFC 6962 leaf hash (`hashLeaf(entry)`) and returns its index.
   *
   * @throws {TypeError} when `leafHash` is not 32 bytes (caller misuse).
   */
  append(leafHash: Uint8Array): number {
    if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
      throw new TypeError(`leaf hash must be ${HASH_SIZE} bytes`);
    }
    this.#leaves.push(Buffer.from(leafHash));
    return this.#leaves.length - 1;
  }

  /**
   * The leaf hash at `index`.
   *
   * @throws {RangeError} when `index` is not a leaf of the tree.
   */
  leafHash(index: number): Buffer {
    this.#checkIndex(index, this.size, 'index');
    return Buffer.from(this.#leaves[index] as Buffer);
  }

  /**
   * Merkle Tree Hash of the first `size` leaves (default: all), RFC 9162 §2.1.1.
   *
   * @throws {RangeError} when `size` exceeds the number of leaves.
   */
  root(size: number = this.size): Buffer {
    this.#checkIndex(size, this.size + 1, 'size');
    return Buffer.from(this.#mth(0, size));
  }

  /**
   * Audit path for leaf `index` in the tree of the first `size` leaves, PATH(m, D[n]) of
   * RFC 9162 §2.1.3.1, ordered leaf to root.
   *
   * @throws {RangeError} unless `0 ≤ index < size ≤ this.size`.
   */
  inclusionProof(index: number, size: number = this.size): Buffer[] {
    this.#checkIndex(size, this.size + 1, 'size');
    this.#checkIndex(index, size, 'index');
    return this.#path(index, 0, size).map((h) => Buffer.from(h));
  }

  /**
   * Consistency proof between the trees of the first `oldSize` and `newSize` leaves,
   * PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1. Empty when the sizes are
   * equal or `oldSize` is 0.
   *
   * @throws {RangeError} unless `0 ≤ oldSize ≤ newSize ≤ this.size`.
   */
  consistencyProof(oldSize: number, newSize: number = this.size): Buffer[] {
    this.#checkIndex(newSize, this.size + 1, 'newSize');
    this.#checkIndex(oldSize, newSize + 1, 'oldSize');
    if (oldSize === 0 || oldSize === newSize) return [];
    return this.#subproof(oldSize, 0, newSize, true).map((h) => Buffer.from(h));
  }

  #checkIndex(n: number, limit: number, what: string): void {
    if (!Number.isSafeInteger(n) || n < 0 || n >= limit) {
      throw new RangeError(`${what} ${n} is out of range [0, ${limit})`);
    }
  }

  /** MTH(D[start:end]), RFC 9162 §2.1.1. */
  #mth(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return emptyRoot();
    if (n === 1) return this.#leaves[start] as Buffer;
    const key = `${start}:${end}`;
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const k = splitPoint(n);
    const h = hashChildren(this.#mth(start, start + k), this.#mth(start + k, end));
    // Leaves are append-only, so the hash of a fixed range never changes.
    this.#cache.set(key, h);
    return h;
  }

  /** PATH(m, D[start:end]), RFC 9162 §2.1.3.1, with m relative to `start`. */
  #path(m: number, start: number, end: number): Buffer[] {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...this.#path(m, start, start + k), this.#mth(start + k, end)];
    return [...this.#path(m - k, start + k, end), this.#mth(start, start + k)];
  }

  /** SUBPROOF(m, D[start:end], b), RFC 9162 §2.1.4.1, with m relative to `start`. */
  #subproof(m: number, start: number, end: number, b: boolean): Buffer[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.#mth(start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...this.#subproof(m, start, start + k, b), this.#mth(start + k, end)];
    return [...this.#subproof(m - k, start + k, end, false), this.#mth(start, start + k)];
  }
}
