import { emptyRoot, hashChildren, TILE_HEIGHT, TILE_WIDTH } from '@signet/merkle';
import { LogError } from './errors.js';

const HASH_SIZE = 32;
const FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE;
/**
 * Memoized perfect-subtree hashes kept (FIFO). 65,536 cut the engine's mark-compact pauses but,
 * in alternating bench:log runs at 1M, cost the engine thread 1–3% more CPU per entry relative
 * to the write workers, with no gain in appends/s: kept at 2^18.
 */
const NODE_CACHE_LIMIT = 1 << 18;
/** Node keys `index·64 + height` stay exact (below 2^53) for indexes below this. */
const NODE_KEY_INDEX_LIMIT = 2 ** 46;

/** Largest power of two strictly below `n` (n ≥ 2), the split point of RFC 9162 §2.1.1. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Tree sizes whose right-edge subtree roots are kept (the latest checkpoints'). */
const RIGHT_EDGE_SIZES = 4;

/** Map key of tile `index` at `level` (levels are below 64; exact for every index a 2^53-leaf tree has). */
function tileKey(level: number, index: number): number {
  return index * 64 + level;
}

/**
 * Thrown by a synchronous walk that needs a tile it does not hold in memory: the asynchronous
 * caller reads that tile from storage and walks again (memoized nodes make the retry cheap).
 */
class TileMiss {
  constructor(
    readonly level: number,
    readonly index: number,
    readonly width: number,
  ) {}
}

/**
 * Computes node hashes, roots and RFC 9162 proofs from stored hash tiles alone. A perfect
 * subtree of height h is a node at tile level ⌊h/8⌋ hashed up h mod 8 levels, so each proof
 * reads O(log n) tiles. Full tiles are immutable and cached (bounded LRU); partial tiles only
 * grow by appending, so a cached prefix stays valid and is re-read only when a wider one is
 * needed (the log also hands over every tile it stores, see {@link TileReader.stored}).
 * Every perfect subtree hash is immutable once it exists and is memoized, as are the roots of
 * the right edges (`MTH(D[k:n])`) of the latest few tree sizes: consecutive proofs against the
 * same checkpoint share all but a few nodes, so a proof costs a handful of map lookups instead
 * of hundreds of hashes.
 *
 * The walks are synchronous over the tiles in memory (no promise per node: at 1M entries under
 * load, a promise per lookup made proofs a sixth of the engine thread's time); a walk that needs
 * a tile it does not hold stops with a `TileMiss`, the tile is read, and the walk starts again.
 * Hashes returned may be views of cached tiles: callers must not write to them.
 */
export class TileReader {
  readonly #read: (level: number, index: number) => Promise<Buffer | undefined>;
  /** Full tiles by `tileKey`, least recently used first. */
  readonly #cache = new Map<number, Buffer>();
  readonly #cacheLimit: number;
  /** Rightmost partial tile per level as last read or stored (a prefix of what storage holds). */
  readonly #partial = new Map<number, Buffer>();
  /** Tiles read for the walk in progress: it may need more than the caches keep. */
  #pinned: Map<number, Buffer> | undefined;
  /** Perfect subtree hashes keyed by `index·64 + height`; FIFO-bounded. */
  readonly #nodes = new Map<number, Buffer>();
  /**
   * Insertion order of `#nodes` keys, a ring: evicting through `Map.keys().next()` instead
   * walks over every entry deleted from the front since the table was last rebuilt, which made
   * each eviction O(cache size) once the cache was full (62% of the engine thread at 1M entries).
   */
  readonly #nodeRing = new Float64Array(NODE_CACHE_LIMIT);
  #nodeRingPos = 0;
  /** Per recent tree size `end`: MTH(D[start:end]) by `start`. */
  readonly #edges = new Map<number, Map<number, Buffer>>();

  constructor(read: (level: number, index: number) => Promise<Buffer | undefined>, cacheLimit = 4096) {
    this.#read = read;
    this.#cacheLimit = cacheLimit;
  }

  /**
   * Tells the reader that these tile bytes are now durably stored (the integrator's flush), so
   * the right edge is served from memory. Only whole stored rows may be passed, never written to afterwards.
   */
  stored(level: number, index: number, hashes: Buffer): void {
    const key = tileKey(level, index);
    if (hashes.length === FULL_TILE_BYTES) {
      this.#partial.delete(key);
      this.#cacheFull(key, hashes);
    } else {
      const old = this.#partial.get(key);
      if (old === undefined || old.length <= hashes.length) this.#partial.set(key, hashes);
    }
  }

  #cacheFull(key: number, t: Buffer): void {
    this.#cache.set(key, t);
    if (this.#cache.size > this.#cacheLimit) this.#cache.delete(this.#cache.keys().next().value as number);
  }

  /** The tile from memory, or undefined. */
  #held(level: number, index: number, width: number): Buffer | undefined {
    const key = tileKey(level, index);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      // Refresh recency: Map iteration order is insertion order.
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const partial = this.#partial.get(key) ?? this.#pinned?.get(key);
    return partial !== undefined && partial.length >= width * HASH_SIZE ? partial : undefined;
  }

  /** Stored tile bytes with at least `width` hashes. @throws {LogError} `ERR_LOG_CORRUPT` when missing or short. */
  async tile(level: number, index: number, width: number): Promise<Buffer> {
    const held = this.#held(level, index, width);
    if (held !== undefined) return held;
    const t = await this.#read(level, index);
    if (t === undefined || t.length < width * HASH_SIZE || t.length % HASH_SIZE !== 0) {
      throw new LogError('ERR_LOG_CORRUPT', `tile ${level}/${index} is missing or has fewer than ${width} hashes`);
    }
    const key = tileKey(level, index);
    if (t.length === FULL_TILE_BYTES) {
      this.#partial.delete(key);
      this.#cacheFull(key, t);
    } else {
      const old = this.#partial.get(key);
      if (old === undefined || old.length < t.length) this.#partial.set(key, t);
    }
    return t;
  }

  /** Runs a synchronous walk, reading each tile it misses and walking again, until it completes. */
  async #walk<T>(walk: () => T): Promise<T> {
    let pinned: Map<number, Buffer> | undefined;
    for (;;) {
      let miss: TileMiss;
      this.#pinned = pinned;
      try {
        return walk();
      } catch (err) {
        if (!(err instanceof TileMiss)) throw err;
        miss = err;
      } finally {
        this.#pinned = undefined;
      }
      (pinned ??= new Map()).set(tileKey(miss.level, miss.index), await this.tile(miss.level, miss.index, miss.width));
    }
  }

  /** Hash of the perfect subtree of height `height` whose leftmost leaf is `index·2^height`. */
  #node(height: number, index: number): Buffer {
    if (height % TILE_HEIGHT === 0) {
      // Stored as such: entry `index mod 256` of tile `index / 256` at level height/8.
      const level = height / TILE_HEIGHT;
      const n = Math.floor(index / TILE_WIDTH);
      const at = index % TILE_WIDTH;
      const t = this.#held(level, n, at + 1);
      if (t === undefined) throw new TileMiss(level, n, at + 1);
      return t.subarray(at * HASH_SIZE, (at + 1) * HASH_SIZE);
    }
    // A perfect subtree's hash never changes, so it can be cached without invalidation.
    const key = index < NODE_KEY_INDEX_LIMIT ? index * 64 + height : -1;
    let h = key < 0 ? undefined : this.#nodes.get(key);
    if (h === undefined) {
      h = hashChildren(this.#node(height - 1, 2 * index), this.#node(height - 1, 2 * index + 1));
      if (key < 0) return h;
      if (this.#nodes.size >= NODE_CACHE_LIMIT) this.#nodes.delete(this.#nodeRing[this.#nodeRingPos]!);
      this.#nodes.set(key, h);
      this.#nodeRing[this.#nodeRingPos] = key;
      this.#nodeRingPos = (this.#nodeRingPos + 1) % NODE_CACHE_LIMIT;
    }
    return h;
  }

  /** MTH(D[start:end]) of RFC 9162 §2.1.1, for `start` aligned to the largest power of two ≤ end − start. */
  mth(start: number, end: number): Promise<Buffer> {
    return this.#walk(() => this.#mth(start, end));
  }

  #mth(start: number, end: number): Buffer {
    const n = end - start;
    if (n === 0) return emptyRoot();
    const height = Math.log2(n); // exact for powers of two
    if (Number.isInteger(height)) return this.#node(height, start / n);
    let edge = this.#edges.get(end);
    const memo = edge?.get(start);
    if (memo !== undefined) return memo;
    const k = splitPoint(n);
    const h = hashChildren(this.#mth(start, start + k), this.#mth(start + k, end));
    // MTH of a fixed range never changes; keep those of the latest few tree sizes (the right
    // edges every proof against a recent checkpoint walks).
    if (edge === undefined) {
      edge = new Map();
      this.#edges.set(end, edge);
      if (this.#edges.size > RIGHT_EDGE_SIZES) this.#edges.delete(this.#edges.keys().next().value as number);
    }
    edge.set(start, h);
    return h;
  }

  /**
   * PATH(m, D[0:size]) of RFC 9162 §2.1.3.1 for every m in [lo, hi), leaf to root, in one walk
   * of the tree (one leaf: a single proof): each subtree hash is looked up once for all the
   * leaves that need it (about 4·(hi − lo) + 2·log
   * size lookups instead of (hi − lo)·log size), which is what a checkpoint's batch of new
   * entries costs.
   */
  inclusionRange(lo: number, hi: number, size: number): Promise<Buffer[][]> {
    return this.#walk(() => {
      const out: Buffer[][] = Array.from({ length: hi - lo }, () => []);
      const walk = (start: number, end: number): void => {
        const a = Math.max(lo, start);
        const b = Math.min(hi, end);
        if (a >= b || end - start <= 1) return;
        const mid = start + splitPoint(end - start);
        if (a < mid) {
          walk(start, mid);
          const h = this.#mth(mid, end);
          for (let m = a, last = Math.min(b, mid); m < last; m++) out[m - lo]!.push(h);
        }
        if (b > mid) {
          walk(mid, end);
          const h = this.#mth(start, mid);
          for (let m = Math.max(a, mid); m < b; m++) out[m - lo]!.push(h);
        }
      };
      walk(0, size);
      return out;
    });
  }

  /** SUBPROOF(m, D[start:end], b) of RFC 9162 §2.1.4.1. */
  consistency(m: number, start: number, end: number, b: boolean): Promise<Buffer[]> {
    return this.#walk(() => this.#consistency(m, start, end, b));
  }

  #consistency(m: number, start: number, end: number, b: boolean): Buffer[] {
    const n = end - start;
    if (m === n) return b ? [] : [this.#mth(start, end)];
    const k = splitPoint(n);
    if (m <= k) {
      const proof = this.#consistency(m, start, start + k, b);
      proof.push(this.#mth(start + k, end));
      return proof;
    }
    const proof = this.#consistency(m - k, start + k, end, false);
    proof.push(this.#mth(start, start + k));
    return proof;
  }
}
