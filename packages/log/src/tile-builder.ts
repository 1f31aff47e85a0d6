import { emptyRoot, hashChildren, TILE_HEIGHT, TILE_WIDTH } from '@signet/merkle';
import type { IntegratedState, TileWrite } from './types.js';

const HASH_SIZE = 32;

/** Number of tree levels above the leaves that have a node of height `h`: bit positions. */
function heightsOf(size: number): number[] {
  // Heights of the compact range's perfect subtrees, left (largest) to right: the set bits of size.
  const out: number[] = [];
  for (let h = 52; h >= 0; h--) if (Math.floor(size / 2 ** h) % 2 === 1) out.push(h);
  return out;
}

/** Number of complete nodes at tile level `level` (tree height 8·level) in a tree of `size` leaves. */
export function nodesAtTileLevel(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/**
 * The integrator's in-memory state: the right edge of the tree and nothing more. It holds the
 * compact range (≤ 53 hashes: one perfect subtree per set bit of the size) and, per tile level,
 * the hashes of the rightmost, not yet full tile (≤ 255 each), so memory is bounded whatever
 * the size. Appending leaf hashes completes nodes bottom-up; every node whose height is a
 * multiple of 8 lands in the tile of that level (c2sp.org/tlog-tiles: level L holds the nodes
 * of tree height 8·L). Full tiles are emitted once, the touched partial tiles at `flush`.
 */
export class TileBuilder {
  #size: number;
  /** Compact range: hashes with their heights, left to right (heights strictly decreasing). */
  #range: Buffer[];
  #heights: number[];
  /** Per tile level, the hashes of the rightmost partial tile (possibly empty). */
  #partial: Buffer[][];
  #dirty = new Set<number>();
  #full: TileWrite[] = [];

  private constructor(size: number, range: Buffer[], partial: Buffer[][]) {
    this.#size = size;
    this.#range = range;
    this.#heights = heightsOf(size);
    this.#partial = partial;
  }

  /** An empty tree. */
  static empty(): TileBuilder {
    return new TileBuilder(0, [], [[]]);
  }

  /**
   * Resumes from a stored state; `readTile` gives the stored partial tiles of the right edge.
   * Returns an error message instead when the stored state does not hang together.
   */
  static async resume(state: IntegratedState, readTile: (level: number, index: number) => Promise<Buffer | undefined>): Promise<TileBuilder | string> {
    const heights = heightsOf(state.size);
    if (state.compactRange.length !== heights.length) {
      return `integrated state of size ${state.size} has ${state.compactRange.length} compact-range hashes, want ${heights.length}`;
    }
    const partial: Buffer[][] = [];
    for (let level = 0; level === 0 || nodesAtTileLevel(state.size, level) > 0; level++) {
      const count = nodesAtTileLevel(state.size, level);
      const width = count % TILE_WIDTH;
      const hashes: Buffer[] = [];
      if (width > 0) {
        const index = Math.floor(count / TILE_WIDTH);
        const tile = await readTile(level, index);
        if (tile === undefined || tile.length < width * HASH_SIZE) {
          return `tile ${level}/${index} is missing or shorter than ${width} hashes`;
        }
        for (let i = 0; i < width; i++) hashes.push(Buffer.from(tile.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)));
      }
      partial.push(hashes);
    }
    return new TileBuilder(state.size, state.compactRange.map((h) => Buffer.from(h)), partial);
  }

  /** Number of leaves folded in. */
  get size(): number {
    return this.#size;
  }

  /** Appends one RFC 6962 leaf hash. */
  append(leafHash: Buffer): void {
    this.#addToTile(0, leafHash);
    let hash = leafHash;
    let height = 0;
    // Merge equal-height subtrees at the right end, like carrying in a binary counter.
    while (this.#heights.length > 0 && this.#heights[this.#heights.length - 1] === height) {
      const left = this.#range.pop()!;
      this.#heights.pop();
      hash = hashChildren(left, hash);
      height++;
      if (height % TILE_HEIGHT === 0) this.#addToTile(height / TILE_HEIGHT, hash);
    }
    this.#range.push(hash);
    this.#heights.push(height);
    this.#size++;
  }

  #addToTile(level: number, hash: Buffer): void {
    let tile = this.#partial[level];
    if (tile === undefined) this.#partial[level] = tile = [];
    tile.push(hash);
    if (tile.length === TILE_WIDTH) {
      const count = nodesAtTileLevel(this.#size + 1, level);
      this.#full.push({ level, index: count / TILE_WIDTH - 1, hashes: Buffer.concat(tile) });
      this.#partial[level] = [];
      this.#dirty.delete(level);
    } else {
      this.#dirty.add(level);
    }
  }

  /** RFC 6962 root of the whole tree. */
  root(): Buffer {
    if (this.#range.length === 0) return emptyRoot();
    let r = this.#range[this.#range.length - 1]!;
    for (let i = this.#range.length - 2; i >= 0; i--) r = hashChildren(this.#range[i]!, r);
    return r;
  }

  /** The state to store with the tiles returned by `flush`. */
  state(): IntegratedState {
    return { size: this.#size, compactRange: this.#range.slice() };
  }

  /** Tiles completed or changed since the last flush: full ones first, then the partial right edge. */
  flush(): TileWrite[] {
    const out = this.#full;
    for (const level of this.#dirty) {
      const tile = this.#partial[level]!;
      if (tile.length === 0) continue;
      const count = nodesAtTileLevel(this.#size, level);
      out.push({ level, index: Math.floor(count / TILE_WIDTH), hashes: Buffer.concat(tile) });
    }
    this.#full = [];
    this.#dirty.clear();
    return out;
  }

  /** Every non-empty partial tile of the right edge, as stored after the last flush. */
  partialTiles(): TileWrite[] {
    const out: TileWrite[] = [];
    this.#partial.forEach((tile, level) => {
      if (tile.length === 0) return;
      out.push({ level, index: Math.floor(nodesAtTileLevel(this.#size, level) / TILE_WIDTH), hashes: Buffer.concat(tile) });
    });
    return out;
  }

  /** A copy to restore if storing a flush fails (cheap: the right edge only). */
  snapshot(): TileBuilder {
    const b = new TileBuilder(this.#size, this.#range.slice(), this.#partial.map((t) => t.slice()));
    b.#heights = this.#heights.slice();
    return b;
  }
}
