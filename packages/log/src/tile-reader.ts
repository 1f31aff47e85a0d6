import { emptyRoot, hashChildren, TILE_HEIGHT, TILE_WIDTH } from '@signet/merkle';
import { LogError } from './errors.js';

const HASH_SIZE = 32;
const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
const NODE_CACHE_LIMIT = 65_536;

/** Largest power of two strictly below `n` (n ≥ 2), the split point of RFC 9162 §2.1.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Computes node hashes, roots and RFC 9162 proofs from stored hash tiles alone. A perfect
 * subtree of height h is a node at tile level ⌊h/8⌋ hashed up h mod 8 levels, so each proof
 * reads O(log n) tiles. Full tiles are immutable and cached (bounded LRU); partial tiles are
 * read each time (they grow, but only by appending, so any prefix read stays valid).
 */
export class TileReader {
  readonly #read: (level: number, index: number) => Promise<Buffer | undefined>;
  readonly #cache = new Map<string, Buffer>();
  readonly #cacheLimit: number;
  /** Hashes of perfect subtrees higher than one tile: immutable once they exist, and hot. */
  readonly #nodes = new Map<string, Buffer>();

  constructor(read: (level: number, index: number) => Promise<Buffer | undefined>, cacheLimit = 4096) {
    this.#read = read;
    this.#cacheLimit = cacheLimit;
  }

  /** Stored tile bytes with at least `width` hashes. @throws {LogError} `ERR_LOG_CORRUPT` when missing or short. */
  async tile(level: number, index: number, width: number): Promise<Buffer> {
    const key = `${level}/${index}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const t = await this.#read(level, index);
    if (t === undefined || t.length < width * HASH_SIZE || t.length % HASH_SIZE !== 0) {
      throw new LogError('ERR_LOG_CORRUPT', `tile ${level}/${index} is missing or has fewer than ${width} hashes`);
    }
    if (t.length === FULL_TILE_BYTES) {
      this.#cache.set(key, t);
      if (this.#cache.size > this.#cacheLimit) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return t;
  }

  /** Hash of the perfect subtree of height `height` whose leftmost leaf is `index·2^height`. */
  async node(height: number, index: number): Promise<Buffer> {
    if (height <= TILE_HEIGHT) return this.#computeNode(height, index);
    // A perfect subtree's hash never changes, so it can be cached without invalidation.
    const key = `${height}/${index}`;
    let h = this.#nodes.get(key);
    if (h === undefined) {
      h = await this.#computeNode(height, index);
      this.#nodes.set(key, h);
      if (this.#nodes.size > NODE_CACHE_LIMIT) this.#nodes.delete(this.#nodes.keys().next().value as string);
    }
    return h;
  }

  async #computeNode(height: number, index: number): Promise<Buffer> {
    const level = Math.floor(height / TILE_HEIGHT);
    const up = height % TILE_HEIGHT;
    const count = 2 ** up;
    const first = index * count; // index of the first node at height 8·level
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const offset = first % TILE_WIDTH;
    const t = await this.tile(level, tileIndex, offset + count);
    let row: Buffer[] = [];
    for (let i = 0; i < count; i++) row.push(t.subarray((offset + i) * HASH_SIZE, (offset + i + 1) * HASH_SIZE));
    while (row.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < row.length; i += 2) next.push(hashChildren(row[i]!, row[i + 1]!));
      row = next;
    }
    return Buffer.from(row[0]!);
  }

  /** MTH(D[start:end]) of RFC 9162 §2.1.1, for `start` aligned to the largest power of two ≤ end − start. */
  async mth(start: number, end: number): Promise<Buffer> {
    const n = end - start;
    if (n === 0) return emptyRoot();
    const height = Math.log2(n); // exact for powers of two
    if (Number.isInteger(height)) return this.node(height, start / n);
    const k = splitPoint(n);
    return hashChildren(await this.mth(start, start + k), await this.mth(start + k, end));
  }

  /** PATH(m, D[start:end]) of RFC 9162 §2.1.3.1, leaf to root. */
  async inclusion(m: number, start: number, end: number): Promise<Buffer[]> {
    const n = end - start;
    if (n <= 1) return [];
    const k = splitPoint(n);
    if (m < k) {
      const path = await this.inclusion(m, start, start + k);
      path.push(await this.mth(start + k, end));
      return path;
    }
    const path = await this.inclusion(m - k, start + k, end);
    path.push(await this.mth(start, start + k));
    return path;
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1. */
  async consistency(m: number, start: number, end: number, b: boolean): Promise<Buffer[]> {
    const n = end - start;
    if (m === n) return b ? [] : [await this.mth(start, end)];
    const k = splitPoint(n);
    if (m <= k) {
      const proof = await this.consistency(m, start, start + k, b);
      proof.push(await this.mth(start + k, end));
      return proof;
    }
    const proof = await this.consistency(m - k, start + k, end, false);
    proof.push(await this.mth(start, start + k));
    return proof;
  }
}
