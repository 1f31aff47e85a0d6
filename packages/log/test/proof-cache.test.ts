import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashLeaf, MerkleTree } from '@signet/merkle';
import { openLog, openSqliteDriver, type StorageDriver } from '@signet/log';
import { ORIGIN, leafOf, signer, tempDir } from './helpers.js';

describe('proofs while the tree grows (memoized nodes, right edges and partial tiles)', () => {
  it('match a reference tree at every checkpoint, across partial and full tile boundaries', async (t) => {
    const dir = tempDir(t);
    const log = await openLog({ dataDir: dir, origin: ORIGIN, signers: [signer], checkpointIntervalMs: 0 });
    t.after(() => log.close());
    const tree = new MerkleTree();
    const steps = [1, 1, 2, 60, 191, 1, 255, 1, 256, 300, 64_000, 1, 513];
    let size = 0;
    const seen: number[] = [];
    for (const step of steps) {
      await Promise.all(Array.from({ length: step }, (_, k) => log.append({ leaf: leafOf(size + k) })));
      for (let k = 0; k < step; k++) tree.append(hashLeaf(leafOf(size + k)));
      size += step;
      const cp = await log.awaitCheckpoint(size - 1);
      assert.equal(cp.size, size);
      assert.deepEqual(cp.rootHash, tree.root(size));
      seen.push(size);
      // Proofs against the new checkpoint, for new and old leaves, and against older sizes
      // (memoized right edges of several sizes at once).
      const indexes = new Set([0, size - 1, size - 2, Math.max(0, size - step), size >> 1, 255, 256, 511, 65_535].filter((i) => i >= 0 && i < size));
      for (const s of seen.slice(-3)) {
        for (const i of indexes) {
          if (i >= s) continue;
          assert.deepEqual(await log.inclusionProof(i, s), tree.inclusionProof(i, s), `proof of ${i} in ${s}`);
        }
        for (const old of seen) if (old <= s) assert.deepEqual(await log.consistencyProof(old, s), tree.consistencyProof(old, s), `consistency ${old}→${s}`);
      }
      // The engine's batch walk: every leaf a checkpoint newly covers, and other ranges.
      const ranges: [number, number][] = [[size - step, size], [0, Math.min(size, 300)], [Math.max(0, size - 700), Math.max(0, size - 3)], [size >> 1, (size >> 1) + 1], [size, size]];
      for (const [lo, hi] of ranges) {
        if (lo > hi) continue;
        const paths = await (log as unknown as { inclusionProofs(lo: number, hi: number, n: number): Promise<Buffer[][]> }).inclusionProofs(lo, hi, size);
        assert.equal(paths.length, hi - lo);
        paths.forEach((p, k) => assert.deepEqual(p, tree.inclusionProof(lo + k, size), `batch proof of ${lo + k} in ${size}`));
      }
    }
  });

  it('from a cold reader (a reopened log) read each tile they miss, and match the reference tree', async (t) => {
    const dir = tempDir(t);
    const tree = new MerkleTree();
    const size = 3 * 256 * 4 + 77; // full level-0 tiles, a partial one, and a partial level-1 tile
    {
      const log = await openLog({ dataDir: dir, origin: ORIGIN, signers: [signer], batchSize: 4096 });
      await Promise.all(Array.from({ length: size }, (_, i) => log.append({ leaf: leafOf(i) })));
      await log.awaitCheckpoint(size - 1);
      await log.close();
    }
    for (let i = 0; i < size; i++) tree.append(hashLeaf(leafOf(i)));
    const reads: string[] = [];
    const inner = openSqliteDriver({ dataDir: dir });
    const readTile = (level: number, index: number): Promise<Buffer | undefined> => {
      reads.push(`${level}/${index}`);
      return inner.readTile(level, index);
    };
    const driver = new Proxy(inner, {
      get: (d, k: keyof StorageDriver) => (k === 'readTile' ? readTile : typeof d[k] === 'function' ? (d[k] as (...a: unknown[]) => unknown).bind(d) : d[k]),
    });
    const log = await openLog({ driver, origin: ORIGIN, signers: [signer] });
    t.after(() => log.close());
    reads.length = 0;
    for (const [i, n] of [[0, size], [size - 1, size], [1000, 1024], [2999, 3000], [700, size]] as const) {
      assert.deepEqual(await log.inclusionProof(i, n), tree.inclusionProof(i, n), `proof of ${i} in ${n}`);
    }
    for (const [m, n] of [[1, size], [1000, size], [2048, 3001], [255, 257]] as const) {
      assert.deepEqual(await log.consistencyProof(m, n), tree.consistencyProof(m, n), `consistency ${m}→${n}`);
    }
    assert.deepEqual(await log.rootHash(2000), tree.root(2000));
    // Tiles were read from storage (the walk stopped at each one it missed), and none twice:
    // a full tile is kept once read.
    assert.ok(reads.length > 0);
    const full = reads.filter((r) => r.startsWith('0/') && Number(r.slice(2)) < Math.floor(size / 256));
    assert.equal(new Set(full).size, full.length, `full tiles read more than once: ${full.join(' ')}`);
  });
});
