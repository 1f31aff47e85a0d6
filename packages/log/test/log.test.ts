import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  hashLeaf,
  MerkleTree,
  parseCheckpoint,
  parseSignedNote,
  verifyCheckpoint,
  verifyConsistencyProof,
  verifyInclusionProof,
  type NoteVerifier,
} from '@signet/merkle';
import { LogError, MAX_LEAF_SIZE, openLog, openSqliteDriver, type PublishedCheckpoint, type StorageDriver, type TransparencyLog } from '@signet/log';
import { ORIGIN, assertRejectsCode, ecdsaSigner, ecdsaVerifier, leafOf, signer, tempDir, verifier } from './helpers.js';

async function appendRange(log: TransparencyLog, from: number, to: number, tag = 'e'): Promise<void> {
  const ps = [];
  for (let i = from; i < to; i++) ps.push(log.append({ leaf: leafOf(i, tag) }));
  await Promise.all(ps);
}

function treeOf(n: number, tag = 'e'): MerkleTree {
  const tree = new MerkleTree();
  for (let i = 0; i < n; i++) tree.append(hashLeaf(leafOf(i, tag)));
  return tree;
}

function checkCheckpoint(cp: PublishedCheckpoint, v: NoteVerifier = verifier): void {
  const verified = verifyCheckpoint(cp.note, [v]);
  assert.equal(verified.checkpoint.origin, ORIGIN);
  assert.equal(verified.checkpoint.treeSize, cp.size);
  assert.deepEqual(verified.checkpoint.rootHash, cp.rootHash);
  assert.deepEqual(parseCheckpoint(parseSignedNote(cp.note).body), verified.checkpoint);
}

/** A driver delegating to `inner`, with some methods overridden. */
function wrapDriver(inner: StorageDriver, overrides: Partial<StorageDriver>): StorageDriver {
  return {
    open: () => inner.open(),
    sequence: (items, time, fold) => inner.sequence(items, time, fold),
    readEntries: (s, e) => inner.readEntries(s, e),
    integrate: (tiles, state, cp) => inner.integrate(tiles, state, cp),
    readTile: (l, i) => inner.readTile(l, i),
    countTiles: (l) => inner.countTiles(l),
    storeCheckpoint: (cp) => inner.storeCheckpoint(cp),
    readCheckpoints: (o, l) => inner.readCheckpoints(o, l),
    findByIdentity: (id) => inner.findByIdentity(id),
    search: (k, l) => inner.search(k, l),
    close: () => inner.close(),
    ...overrides,
  };
}

// Every engine test runs with the engine on the calling thread and in the log's worker thread.
for (const thread of ['inline', 'worker'] as const) {
  /** Tests that hand the log a driver object run inline only (it cannot move to another thread). */
  const driverOnly = thread === 'worker' ? 'a driver object cannot move to the worker thread' : false;

  describe(`openLog: append, dedup, search [${thread}]`, () => {
    it('assigns dense indexes, dedups by identity and finds entries by search key', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_500) });
      t.after(() => log.close());
      assert.equal(log.checkpoint().size, 0);
      checkCheckpoint(log.checkpoint());
      const a = await log.append({ leaf: Buffer.from('a'), indexKeys: ['sha256:aa', 'alice@example.com'] });
      const b = await log.append({ leaf: Buffer.from('b'), indexKeys: ['sha256:bb', 'alice@example.com'] });
      assert.deepEqual(a, { index: 0, integratedTime: 1_700_000_000, duplicate: false });
      assert.deepEqual(b, { index: 1, integratedTime: 1_700_000_000, duplicate: false });
      // Same leaf, default identity (SHA-256 of the leaf): the first index, no new leaf.
      assert.deepEqual(await log.append({ leaf: Buffer.from('a') }), { ...a, duplicate: true });
      // Explicit identity.
      const c = await log.append({ leaf: Buffer.from('c1'), identity: Buffer.from('id-c') });
      assert.deepEqual(await log.append({ leaf: Buffer.from('c2'), identity: Buffer.from('id-c') }), { ...c, duplicate: true });
      await log.awaitCheckpoint(c.index);
      assert.equal(log.checkpoint().size, 3);
      assert.deepEqual(log.stats(), { pending: 0, sequenced: 3, integrated: 3, published: 3 });
      assert.deepEqual(await log.entry(2), { index: 2, leaf: Buffer.from('c1'), integratedTime: 1_700_000_000 });
      assert.equal(await log.entry(3), undefined);
      assert.equal(await log.findByIdentity(createHash('sha256').update('b').digest()), 1);
      assert.equal(await log.findByIdentity(Buffer.from('id-c')), 2);
      assert.equal(await log.findByIdentity(Buffer.from('nope')), undefined);
      assert.deepEqual(await log.search('alice@example.com'), [0, 1]);
      assert.deepEqual(await log.search('alice@example.com', 1), [0]);
      assert.deepEqual(await log.search('sha256:bb'), [1]);
      assert.deepEqual(await log.search('sha256:cc'), []);
    });

    it('dedups identical appends within one batch', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer] });
      t.after(() => log.close());
      const rs = await Promise.all([1, 2, 3, 4].map(() => log.append({ leaf: Buffer.from('same') })));
      assert.deepEqual(rs.map((r) => [r.index, r.duplicate]), [[0, false], [0, true], [0, true], [0, true]]);
      assert.equal(log.stats().sequenced, 1);
    });

    it('keeps indexes dense and ordered under 2,000 concurrent appends', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], batchSize: 64 });
      t.after(() => log.close());
      const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => log.append({ leaf: leafOf(i) })));
      // Appends are sequenced in arrival order: index i for the i-th call.
      assert.deepEqual(results.map((r) => r.index), Array.from({ length: 2000 }, (_, i) => i));
      const cp = await log.awaitCheckpoint(1999);
      assert.equal(cp.size, 2000);
      assert.deepEqual(cp.rootHash, treeOf(2000).root());
      for (const i of [0, 777, 1999]) assert.deepEqual((await log.entry(i))?.leaf, leafOf(i));
    });

    it('rejects leaves too large for an entry bundle and bad identities or keys (caller misuse)', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer] });
      t.after(() => log.close());
      assert.throws(() => log.append({ leaf: Buffer.alloc(MAX_LEAF_SIZE + 1) }), RangeError);
      assert.throws(() => log.append({ leaf: Buffer.from('x'), identity: new Uint8Array(0) }), RangeError);
      assert.throws(() => log.append({ leaf: Buffer.from('x'), indexKeys: [''] }), RangeError);
      assert.throws(() => log.append({ leaf: Buffer.from('x'), indexKeys: ['a\0b'] }), RangeError, 'NUL separates keys between threads');
      assert.throws(() => log.append({ leaf: 'x' as unknown as Uint8Array }), TypeError);
      assert.equal((await log.append({ leaf: Buffer.alloc(MAX_LEAF_SIZE) })).index, 0);
    });

    it('signs checkpoints with an ECDSA P-256 key and with several signers', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [ecdsaSigner, signer] });
      t.after(() => log.close());
      await log.append({ leaf: Buffer.from('x') });
      const cp = await log.awaitCheckpoint(0);
      checkCheckpoint(cp, ecdsaVerifier);
      checkCheckpoint(cp, verifier);
      assert.equal(parseSignedNote(cp.note).signatures.length, 2);
    });
  });

  describe(`openLog: proofs and tiles (65,540 entries) [${thread}]`, () => {
    const N = 65_540;
    const sizes = [1, 2, 3, 7, 8, 255, 256, 257, 511, 512, 513, 4096, 65_535, 65_536, 65_537, N];
    let log: TransparencyLog;
    let tree: MerkleTree;
    const seen: PublishedCheckpoint[] = [];

    it('builds the log, collecting checkpoints along the way', async (t) => {
      log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], checkpointIntervalMs: 0, batchSize: 4096, maxPending: N });
      t.after(() => log.close());
      tree = treeOf(N);
      let at = 0;
      for (const step of [1, 1, 1, 252, 1, 1, 300, 5000, 59_974, 1, 1, 1, 1, 1, 1, 1, 1, 1]) {
        await appendRange(log, at, at + step);
        at += step;
        seen.push(await log.awaitCheckpoint(at - 1));
      }
      assert.equal(at, N);
      assert.equal(log.checkpoint().size, N);
      for (const cp of seen) {
        checkCheckpoint(cp);
        assert.deepEqual(cp.rootHash, tree.root(cp.size));
      }

      await t.test('every inclusion proof verifies against the root, at tile boundaries', async () => {
        for (const size of sizes) {
          const root = await log.rootHash(size);
          assert.deepEqual(root, tree.root(size), `root at ${size}`);
          const indexes = new Set([0, 1, size >> 1, size - 2, size - 1, 255, 256, 65_535, 65_536].filter((i) => i >= 0 && i < size));
          for (const index of indexes) {
            const proof = await log.inclusionProof(index, size);
            assert.deepEqual(proof, tree.inclusionProof(index, size), `proof of ${index} in ${size}`);
            verifyInclusionProof({ index, treeSize: size, leafHash: hashLeaf(leafOf(index)), rootHash: root, proof });
          }
        }
      });

      await t.test('consistency proofs between every pair of seen checkpoints verify', async () => {
        for (const a of seen) {
          for (const b of seen) {
            if (a.size > b.size) continue;
            const proof = await log.consistencyProof(a.size, b.size);
            verifyConsistencyProof({ oldSize: a.size, newSize: b.size, oldRoot: a.rootHash, newRoot: b.rootHash, proof });
          }
        }
        for (const size of sizes) {
          const proof = await log.consistencyProof(size, N);
          assert.deepEqual(proof, tree.consistencyProof(size, N));
        }
        assert.deepEqual(await log.consistencyProof(0, 5), []);
      });

      await t.test('hash tiles are byte-exact against an independent recomputation, full and partial', async () => {
        // Level 0: leaf hashes. 256 full tiles, then a partial one of 4.
        for (const i of [0, 1, 127, 255]) {
          const want = Buffer.concat(Array.from({ length: 256 }, (_, j) => tree.leafHash(i * 256 + j)));
          assert.deepEqual(await log.tile(0, i), want);
          assert.deepEqual(await log.tile(0, i, 10), want.subarray(0, 320));
        }
        const lastLeaves = Buffer.concat([65_536, 65_537, 65_538, 65_539].map((i) => tree.leafHash(i)));
        assert.deepEqual(await log.tile(0, 256, 4), lastLeaves);
        assert.deepEqual(await log.tile(0, 256, 2), lastLeaves.subarray(0, 64));
        assert.equal(await log.tile(0, 256), undefined, 'not full yet');
        assert.equal(await log.tile(0, 256, 5), undefined, 'wider than the tree');
        assert.equal(await log.tile(0, 257, 1), undefined);
        // Level 1: roots of each 256-leaf subtree; exactly 256 of them → one full tile.
        const subtreeRoot = (start: number, count: number): Buffer => {
          const sub = new MerkleTree();
          for (let j = 0; j < count; j++) sub.append(tree.leafHash(start + j));
          return sub.root();
        };
        const level1 = Buffer.concat(Array.from({ length: 256 }, (_, i) => subtreeRoot(i * 256, 256)));
        assert.deepEqual(await log.tile(1, 0), level1);
        assert.equal(await log.tile(1, 1, 1), undefined);
        // Level 2: one node so far, the root of the first 65,536 leaves: a partial tile of width 1.
        assert.deepEqual(await log.tile(2, 0, 1), tree.root(65_536));
        assert.equal(await log.tile(2, 0), undefined);
        assert.equal(await log.tile(3, 0, 1), undefined);
        assert.equal(await log.tile(64, 0), undefined);
      });

      await t.test('entry bundles hold length-prefixed entries, full and partial', async () => {
        const parse = (b: Buffer): Buffer[] => {
          const out: Buffer[] = [];
          for (let off = 0; off < b.length; ) {
            const n = b.readUInt16BE(off);
            out.push(b.subarray(off + 2, off + 2 + n));
            off += 2 + n;
          }
          return out;
        };
        const full = await log.entryBundle(3);
        assert.deepEqual(parse(full!), Array.from({ length: 256 }, (_, j) => leafOf(3 * 256 + j)));
        assert.deepEqual(parse((await log.entryBundle(256, 4))!), [65_536, 65_537, 65_538, 65_539].map((i) => leafOf(i)));
        assert.equal(await log.entryBundle(256), undefined);
        assert.equal(await log.entryBundle(256, 5), undefined);
      });

      await t.test('out-of-range requests fail with ERR_LOG_INDEX and ERR_LOG_TREE_SIZE', async () => {
        await assertRejectsCode(() => log.inclusionProof(0, N + 1), LogError, 'ERR_LOG_TREE_SIZE');
        await assertRejectsCode(() => log.consistencyProof(1, N + 1), LogError, 'ERR_LOG_TREE_SIZE');
        await assertRejectsCode(() => log.rootHash(N + 1), LogError, 'ERR_LOG_TREE_SIZE');
        await assertRejectsCode(() => log.inclusionProof(5, 5), LogError, 'ERR_LOG_INDEX');
        await assertRejectsCode(() => log.inclusionProof(-1, 5), LogError, 'ERR_LOG_INDEX');
        await assertRejectsCode(() => log.inclusionProof(1.5, 5), LogError, 'ERR_LOG_INDEX');
        await assertRejectsCode(() => log.consistencyProof(6, 5), LogError, 'ERR_LOG_INDEX');
        await assertRejectsCode(() => log.entry(-1), LogError, 'ERR_LOG_INDEX');
        await assertRejectsCode(() => log.awaitCheckpoint(N + 10), LogError, 'ERR_LOG_INDEX');
      });
    });
  });

  describe(`openLog: pushback, close, reopen [${thread}]`, () => {
    it('fails fast with ERR_LOG_PUSHBACK when maxPending appends wait, and the queue stays bounded', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], maxPending: 10, batchSize: 1000, batchDelayMs: 200 });
      const accepted = Array.from({ length: 10 }, (_, i) => log.append({ leaf: leafOf(i) }));
      const rejected: Promise<unknown>[] = [];
      for (let i = 0; i < 1000; i++) rejected.push(log.append({ leaf: leafOf(10 + i) }).catch((e: unknown) => e));
      assert.equal(log.stats().pending, 10);
      const errors = await Promise.all(rejected);
      for (const err of errors) {
        assert.ok(err instanceof LogError);
        assert.equal(err.code, 'ERR_LOG_PUSHBACK');
        assert.equal(err.retryAfterSeconds, 1);
      }
      await assertRejectsCode(() => log.append({ leaf: Buffer.from('more') }), LogError, 'ERR_LOG_PUSHBACK');
      assert.deepEqual((await Promise.all(accepted)).map((r) => r.index), Array.from({ length: 10 }, (_, i) => i));
      // Once drained, appends are accepted again.
      assert.equal((await log.append({ leaf: Buffer.from('after') })).index, 10);
      await log.close();
    });

    it('close() sequences and publishes pending appends, then everything fails with ERR_LOG_CLOSED', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], batchDelayMs: 1000, checkpointIntervalMs: 10_000 });
      const pending = Array.from({ length: 5 }, (_, i) => log.append({ leaf: leafOf(i) }));
      const covered = log.awaitCheckpoint(4);
      await log.close();
      assert.equal((await Promise.all(pending)).length, 5);
      assert.equal((await covered).size, 5);
      await assertRejectsCode(() => log.append({ leaf: Buffer.from('late') }), LogError, 'ERR_LOG_CLOSED');
      await assertRejectsCode(() => log.entry(0), LogError, 'ERR_LOG_CLOSED');
      await assertRejectsCode(() => log.awaitCheckpoint(100), LogError, 'ERR_LOG_CLOSED');
      await log.close(); // idempotent
    });

    it('awaitCheckpoint honours an abort signal', async (t) => {
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], checkpointIntervalMs: 60_000 });
      t.after(() => log.close());
      // The size-0 checkpoint published at open starts the interval: nothing else for a minute.
      const r = await log.append({ leaf: Buffer.from('b') });
      const controller = new AbortController();
      const waiting = log.awaitCheckpoint(r.index, controller.signal);
      controller.abort(new Error('gave up'));
      await assert.rejects(waiting, /gave up/);
    });

    it('keeps entries, checkpoints, tiles and indexes across close and reopen', async (t) => {
      const dir = tempDir(t);
      let log = await openLog({ thread, dataDir: dir, origin: ORIGIN, signers: [signer] });
      await appendRange(log, 0, 300);
      await log.append({ leaf: leafOf(0, 'k'), indexKeys: ['key'] });
      await log.close();
      const before = log.checkpoint();
      log = await openLog({ thread, dataDir: dir, origin: ORIGIN, signers: [signer] });
      t.after(() => log.close());
      assert.deepEqual(log.checkpoint(), before);
      assert.deepEqual((await log.append({ leaf: leafOf(5) })), { index: 5, integratedTime: (await log.entry(5))!.integratedTime, duplicate: true });
      assert.deepEqual(await log.search('key'), [300]);
      const r = await log.append({ leaf: leafOf(301) });
      assert.equal(r.index, 301);
      const cp = await log.awaitCheckpoint(301);
      const tree = treeOf(301);
      tree.append(hashLeaf(leafOf(301)));
      // leaf 300 is the 'k' entry: rebuild the reference tree in log order.
      const ref = new MerkleTree();
      for (let i = 0; i < 300; i++) ref.append(hashLeaf(leafOf(i)));
      ref.append(hashLeaf(leafOf(0, 'k')));
      ref.append(hashLeaf(leafOf(301)));
      assert.deepEqual(cp.rootHash, ref.root());
      verifyConsistencyProof({ oldSize: before.size, newSize: cp.size, oldRoot: before.rootHash, newRoot: cp.rootHash, proof: await log.consistencyProof(before.size, cp.size) });
    });

    it('rejects reopening with another origin (caller misuse)', async (t) => {
      const dir = tempDir(t);
      const log = await openLog({ thread, dataDir: dir, origin: ORIGIN, signers: [signer] });
      await log.close();
      await assert.rejects(openLog({ thread, dataDir: dir, origin: 'other.example', signers: [signer] }), TypeError);
    });
  });

  describe(`openLog: storage failures [${thread}]`, () => {
    it('rejects the appends of a batch that storage failed to commit with ERR_LOG_STORAGE, and recovers', { skip: driverOnly }, async (t) => {
      const inner = openSqliteDriver({ dataDir: tempDir(t) });
      let fail = true;
      const driver = wrapDriver(inner, {
        sequence: async (items, time) => {
          if (fail) throw new Error('disk full');
          return inner.sequence(items, time);
        },
      });
      const errors: LogError[] = [];
      const log = await openLog({ driver, origin: ORIGIN, signers: [signer], onError: (e) => errors.push(e) });
      t.after(() => log.close());
      const err = await assertRejectsCode(() => log.append({ leaf: Buffer.from('a') }), LogError, 'ERR_LOG_STORAGE');
      assert.match(err.message, /disk full/);
      assert.equal(errors[0]?.code, 'ERR_LOG_STORAGE');
      fail = false;
      assert.equal((await log.append({ leaf: Buffer.from('a') })).index, 0);
    });

    it('stores a batch\'s integration and due checkpoint in its sequencing commit, and a checkpoint in a commit of its own with witnesses', { skip: driverOnly }, async (t) => {
      for (const withWitness of [false, true]) {
        const inner = openSqliteDriver({ dataDir: tempDir(t) });
        const calls = { folded: 0, foldedCheckpoints: 0, integrate: 0, separate: 0 };
        const driver = wrapDriver(inner, {
          sequence: (items, time, fold) =>
            inner.sequence(items, time, fold && ((outcomes) => {
              const w = fold(outcomes);
              if (w !== undefined) calls.folded++;
              if (w?.checkpoint !== undefined) calls.foldedCheckpoints++;
              return w;
            })),
          integrate: (tiles, state, cp) => {
            calls.integrate++;
            return inner.integrate(tiles, state, cp);
          },
          storeCheckpoint: (cp) => {
            calls.separate++;
            return inner.storeCheckpoint(cp);
          },
        });
        const witnesses = withWitness ? [{ name: 'silent', cosign: async () => [] }] : [];
        const log = await openLog({ driver, origin: ORIGIN, signers: [signer], witnesses, checkpointIntervalMs: 0 });
        t.after(() => log.close());
        const opened = { ...calls }; // recovery publishes the empty tree on its own
        for (let i = 0; i < 5; i++) {
          const r = await log.append({ leaf: leafOf(i) });
          if (!withWitness) {
            // Indexed, integrated and published by one commit: covered as soon as it resolves.
            assert.equal(log.stats().integrated, i + 1);
            assert.equal(log.checkpoint().size, i + 1);
          }
          checkCheckpoint(await log.awaitCheckpoint(r.index));
        }
        const cps = await inner.readCheckpoints(0, 100);
        assert.equal(cps.at(-1)!.size, 5);
        assert.equal(calls.folded, 5);
        assert.equal(calls.integrate, opened.integrate);
        if (withWitness) {
          assert.equal(calls.foldedCheckpoints, 0);
          assert.equal(calls.separate - opened.separate, cps.length - 1);
        } else {
          assert.equal(calls.separate, opened.separate);
          assert.equal(calls.foldedCheckpoints, cps.length - 1);
        }
      }
    });

    it('integrates and publishes on its own when the driver does not fold, or the folded commit fails', { skip: driverOnly }, async (t) => {
      const inner = openSqliteDriver({ dataDir: tempDir(t) });
      let mode: 'ignore' | 'fail' | 'fold' = 'ignore';
      const driver = wrapDriver(inner, {
        sequence: (items, time, fold) =>
          mode === 'ignore'
            ? inner.sequence(items, time)
            : inner.sequence(items, time, (outcomes) => {
                const w = fold?.(outcomes);
                // A failure after the integration was computed: the whole commit rolls back.
                if (mode === 'fail') throw new Error('disk full');
                return w;
              }),
      });
      const log = await openLog({ driver, origin: ORIGIN, signers: [signer], checkpointIntervalMs: 0, onError: () => undefined });
      t.after(() => log.close());
      const tree = new MerkleTree();
      const add = async (i: number): Promise<void> => {
        const r = await log.append({ leaf: leafOf(i) });
        tree.append(hashLeaf(leafOf(i)));
        const cp = await log.awaitCheckpoint(r.index);
        assert.deepEqual(cp.rootHash, tree.root(cp.size));
        assert.deepEqual(await log.inclusionProof(r.index, cp.size), tree.inclusionProof(r.index, cp.size));
      };
      for (let i = 0; i < 3; i++) await add(i);
      mode = 'fail';
      await assertRejectsCode(() => log.append({ leaf: leafOf(100) }), LogError, 'ERR_LOG_STORAGE');
      assert.equal(log.stats().sequenced, 3);
      mode = 'fold';
      for (let i = 3; i < 600; i += 100) await Promise.all(Array.from({ length: 100 }, (_, k) => add(i + k)));
      assert.equal(log.stats().sequenced, 603);
      assert.equal((await inner.readEntries(0, 1000)).length, 603);
    });

    it('retries a failed integration and publishes once storage works again', { skip: driverOnly }, async (t) => {
      const inner = openSqliteDriver({ dataDir: tempDir(t) });
      let fail = false;
      const driver = wrapDriver(inner, {
        // No folding: the integration is a commit of its own, which fails here.
        sequence: (items, time) => inner.sequence(items, time),
        integrate: async (tiles, state, cp) => {
          if (fail) throw new Error('io error');
          return inner.integrate(tiles, state, cp);
        },
      });
      const errors: LogError[] = [];
      const log = await openLog({ driver, origin: ORIGIN, signers: [signer], onError: (e) => errors.push(e) });
      t.after(() => log.close());
      fail = true;
      const r = await log.append({ leaf: Buffer.from('a') }); // sequencing is unaffected
      const covered = log.awaitCheckpoint(r.index);
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(log.stats().integrated, 0);
      assert.ok(errors.some((e) => e.code === 'ERR_LOG_STORAGE'));
      fail = false;
      assert.equal((await covered).size, 1);
    });

    it('fails to open a store that is not a database with ERR_LOG_STORAGE', async (t) => {
      const dir = tempDir(t);
      const { writeFileSync } = await import('node:fs');
      writeFileSync(`${dir}/log.sqlite`, 'this is not a database, just text long enough to be read as a header......');
      await assertRejectsCode(() => openLog({ thread, dataDir: dir, origin: ORIGIN, signers: [signer] }), LogError, 'ERR_LOG_STORAGE');
    });

    it('refuses to open storage whose integrated state runs ahead of its entries with ERR_LOG_CORRUPT', { skip: driverOnly }, async (t) => {
      const dir = tempDir(t);
      const log = await openLog({ thread, dataDir: dir, origin: ORIGIN, signers: [signer] });
      await appendRange(log, 0, 10);
      await log.close();
      const inner = openSqliteDriver({ dataDir: dir });
      const driver = wrapDriver(inner, { open: async () => ({ ...(await inner.open()), sequencedSize: 5 }) });
      await assertRejectsCode(() => openLog({ driver, origin: ORIGIN, signers: [signer] }), LogError, 'ERR_LOG_CORRUPT');
    });
  });
}
