import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TILE_HEIGHT, TILE_WIDTH, entriesTilePath, tileForLeaf, tilePath } from '@signet/merkle';

describe('tile paths (c2sp.org/tlog-tiles)', () => {
  it('uses 8-level, 256-wide tiles', () => {
    assert.equal(TILE_HEIGHT, 8);
    assert.equal(TILE_WIDTH, 2 ** TILE_HEIGHT);
  });

  const rows: Array<[number, number, number | undefined, string]> = [
    [0, 0, undefined, 'tile/0/000'],
    [0, 1, undefined, 'tile/0/001'],
    [0, 255, undefined, 'tile/0/255'],
    [0, 256, undefined, 'tile/0/256'],
    [0, 999, undefined, 'tile/0/999'],
    [0, 1000, undefined, 'tile/0/x001/000'],
    [1, 1234067, undefined, 'tile/1/x001/x234/067'],
    [2, 1_000_000, undefined, 'tile/2/x001/x000/000'],
    [0, 5, 1, 'tile/0/005.p/1'],
    [0, 5, 255, 'tile/0/005.p/255'],
    [0, 5, 256, 'tile/0/005'],
    [63, 0, 3, 'tile/63/000.p/3'],
  ];
  for (const [level, index, width, want] of rows) {
    it(`names level ${level} tile ${index}${width === undefined ? '' : ` width ${width}`} ${want}`, () => {
      assert.equal(tilePath(level, index, width), want);
    });
  }

  it('names entry bundles under tile/entries', () => {
    assert.equal(entriesTilePath(0), 'tile/entries/000');
    assert.equal(entriesTilePath(1234067, 17), 'tile/entries/x001/x234/067.p/17');
    assert.equal(entriesTilePath(3, 256), 'tile/entries/003');
  });

  it('rejects out-of-range levels, indexes and widths', () => {
    assert.throws(() => tilePath(64, 0), RangeError);
    assert.throws(() => tilePath(-1, 0), RangeError);
    assert.throws(() => tilePath(0, -1), RangeError);
    assert.throws(() => tilePath(0, 1.5), RangeError);
    assert.throws(() => tilePath(0, 0, 0), RangeError);
    assert.throws(() => tilePath(0, 0, 257), RangeError);
    assert.throws(() => entriesTilePath(0, 0), RangeError);
  });

  for (const [leaf, tile, offset] of [[0, 0, 0], [1, 0, 1], [255, 0, 255], [256, 1, 0], [257, 1, 1], [65536, 256, 0]] as const) {
    it(`places leaf ${leaf} in tile ${tile} at ${offset}`, () => {
      assert.deepEqual(tileForLeaf(leaf), { tile, offset });
    });
  }
});
