/** Tile height of c2sp.org/tlog-tiles: each tile covers 8 levels of the tree. */
export const TILE_HEIGHT = 8;

/** Width of a full tile in hashes (or entries), 2^TILE_HEIGHT, c2sp.org/tlog-tiles. */
export const TILE_WIDTH = 256;

/** Highest tile level allowed in a path, c2sp.org/tlog-tiles ("between 0 and 63"). */
export const MAX_TILE_LEVEL = 63;

/**
 * Encodes a tile index as zero-padded 3-digit path elements, all but the last prefixed with
 * `x` (c2sp.org/tlog-tiles: 1234067 → `x001/x234/067`), so that no file is also a directory.
 */
function encodeTileIndex(index: number): string {
  const parts: string[] = [];
  let n = index;
  do {
    parts.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return parts.map((p, i) => (i < parts.length - 1 ? `x${p}` : p)).join('/');
}

function checkIndexAndWidth(index: number, width: number | undefined): string {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`tile index ${index} must be a non-negative safe integer`);
  }
  if (width === undefined || width === TILE_WIDTH) return '';
  // A partial tile has 1..255 entries (c2sp.org/tlog-tiles `.p/<W>`).
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new RangeError(`tile width ${width} must be an integer in [1, ${TILE_WIDTH}]`);
  }
  return `.p/${width}`;
}

/**
 * Path of a Merkle tree tile, `tile/<L>/<N>[.p/<W>]` (c2sp.org/tlog-tiles). A width of 256
 * or none names the full tile; 1..255 names a partial tile.
 *
 * @throws {RangeError} when level, index or width is out of range (caller misuse).
 */
export function tilePath(level: number, index: number, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new RangeError(`tile level ${level} must be an integer in [0, ${MAX_TILE_LEVEL}]`);
  }
  const suffix = checkIndexAndWidth(index, width);
  return `tile/${level}/${encodeTileIndex(index)}${suffix}`;
}

/**
 * Path of an entry bundle, `tile/entries/<N>[.p/<W>]` (c2sp.org/tlog-tiles). Bundle `N` holds
 * entries `N*256 … N*256+255`.
 *
 * @throws {RangeError} when index or width is out of range (caller misuse).
 */
export function entriesTilePath(index: number, width?: number): string {
  const suffix = checkIndexAndWidth(index, width);
  return `tile/entries/${encodeTileIndex(index)}${suffix}`;
}

/**
 * Which level-0 tile (or entry bundle) holds leaf `leafIndex`, and that leaf's position
 * inside it: `tile = floor(leafIndex / 256)`, `offset = leafIndex mod 256`.
 *
 * @throws {RangeError} when `leafIndex` is not a non-negative safe integer.
 */
export function tileForLeaf(leafIndex: number): { tile: number; offset: number } {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0) {
    throw new RangeError(`leaf index ${leafIndex} must be a non-negative safe integer`);
  }
  return { tile: Math.floor(leafIndex / TILE_WIDTH), offset: leafIndex % TILE_WIDTH };
}
