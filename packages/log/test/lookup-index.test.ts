// The SQLite driver's lookup indexes (docs/log-storage.md, "Lookup indexes"): identities and
// search keys are pending in log.sqlite, merged into log-index.sqlite by the indexer worker or
// inline, and every lookup answers from both, across merges, restarts and a schema 1 upgrade.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type Database from 'better-sqlite3';
import { LogError, openLog, openSqliteDriver, type SqliteDriverOptions, type TransparencyLog } from '@signet/log';
import { ORIGIN, assertRejectsCode, leafOf, signer, tempDir } from './helpers.js';

const Sqlite = createRequire(import.meta.url)(Number(process.versions.napi) >= 10 ? 'better-sqlite3' : 'better-sqlite3-node20') as typeof Database;

function query<T>(file: string, sql: string): T[] {
  const db = new Sqlite(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

const mergedTo = (dir: string): number =>
  Number(query<{ v: string }>(join(dir, 'log-index.sqlite'), "SELECT v FROM meta WHERE k = 'merged_to'")[0]?.v ?? -1);
const pendingRows = (dir: string): number => query<{ c: number }>(join(dir, 'log.sqlite'), 'SELECT COUNT(*) AS c FROM pending_ids')[0]!.c;

async function open(t: TestContext, dir: string, index: SqliteDriverOptions['index']): Promise<TransparencyLog> {
  const log = await openLog({ driver: openSqliteDriver({ dataDir: dir, index }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
  t.after(() => log.close());
  return log;
}

/** Appends entries `from..to-1`, entry i with keys `k<i mod 3>` and `all`. */
async function fill(log: TransparencyLog, from: number, to: number): Promise<void> {
  const ps = [];
  for (let i = from; i < to; i++) ps.push(log.append({ leaf: leafOf(i), indexKeys: [`k${i % 3}`, 'all', 'all'] }));
  const rs = await Promise.all(ps);
  rs.forEach((r, j) => assert.deepEqual(r, { index: from + j, integratedTime: 1_700_000_000, duplicate: false }));
}

/** Every lookup of a log holding entries 0..n-1 as {@link fill} made them. */
async function checkLookups(log: TransparencyLog, n: number): Promise<void> {
  const all = Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(await log.search('all', 10_000), all);
  assert.deepEqual(await log.search('all', 7), all.slice(0, 7));
  assert.deepEqual(await log.search('k1', 10_000), all.filter((i) => i % 3 === 1));
  assert.deepEqual(await log.search('nope'), []);
  for (const i of [0, 1, Math.floor(n / 2), n - 1]) {
    assert.equal(await log.findByIdentity(createHash('sha256').update(leafOf(i)).digest()), i);
    assert.deepEqual(await log.append({ leaf: leafOf(i) }), { index: i, integratedTime: 1_700_000_000, duplicate: true });
  }
}

/** {@link checkLookups}, and every identity and every key of every entry. */
async function checkEvery(log: TransparencyLog, n: number): Promise<void> {
  await checkLookups(log, n);
  const all = Array.from({ length: n }, (_, i) => i);
  for (const k of [0, 1, 2]) assert.deepEqual(await log.search(`k${k}`, 10_000), all.filter((i) => i % 3 === k));
  for (const i of all) assert.equal(await log.findByIdentity(createHash('sha256').update(leafOf(i)).digest()), i);
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('sqlite lookup indexes', () => {
  it('the indexer worker merges pending keys; lookups span the merged and the pending ones', async (t) => {
    const dir = tempDir(t);
    const log = await open(t, dir, { minBatch: 10, maxDelayMs: 60_000, intervalMs: 5 });
    await fill(log, 0, 25);
    await until(() => existsSync(join(dir, 'log-index.sqlite')) && mergedTo(dir) >= 20, 'a merge');
    const merged = mergedTo(dir);
    assert.ok(merged >= 20 && merged <= 25, `merged_to ${merged}`);
    await checkLookups(log, 25);
    // Below the batch size nothing more is merged until maxDelayMs: the rest stays pending.
    await fill(log, 25, 28);
    await checkLookups(log, 28);
  });

  it('merges inline once too many entries are pending, and cleans merged pending rows', async (t) => {
    const dir = tempDir(t);
    const log = await open(t, dir, { worker: false, inlineLimit: 8 });
    await fill(log, 0, 5);
    assert.equal(mergedTo(dir), 0);
    await checkLookups(log, 5);
    await fill(log, 5, 20);
    assert.ok(mergedTo(dir) >= 8, `merged_to ${mergedTo(dir)}`);
    await checkLookups(log, 20);
    await log.awaitCheckpoint(19);
    await fill(log, 20, 21); // a later integration deletes the merged rows
    await log.awaitCheckpoint(20);
    assert.ok(pendingRows(dir) <= 21 - mergedTo(dir), `${pendingRows(dir)} pending rows, merged_to ${mergedTo(dir)}`);
  });

  it('rebuilds the pending keys from log.sqlite on restart', async (t) => {
    const dir = tempDir(t);
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index: { worker: false, inlineLimit: 10 } }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    await fill(first, 0, 10); // merged (10 pending reach the inline limit)
    await fill(first, 10, 15); // pending
    await first.close();
    assert.equal(mergedTo(dir), 10);
    const log = await open(t, dir, { worker: false });
    await checkLookups(log, 15);
    await fill(log, 15, 18);
    await checkLookups(log, 18);
  });

  it('compacts runs a chunk at a time; lookups see every row once throughout, and a cut-short copy is dropped', async (t) => {
    const dir = tempDir(t);
    const index = { minBatch: 1, maxDelayMs: 0, intervalMs: 1, compactionChunk: 3 };
    const runs = () => query<{ run: number; level: number; first: number; last: number }>(join(dir, 'log-index.sqlite'), 'SELECT run, level, first, last FROM runs ORDER BY first');
    const dead = () => query<{ c: number }>(join(dir, 'log-index.sqlite'), 'SELECT COUNT(*) AS c FROM dead_runs')[0]!.c;
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    // Many small merges while lookups run: every check sees each entry exactly once.
    for (let n = 0; n < 600; n += 20) {
      await fill(first, n, n + 20);
      await checkLookups(first, n + 20);
    }
    await until(() => mergedTo(dir) === 600 && runs().some((r) => r.level >= 1) && dead() === 0, 'a compaction');
    await checkEvery(first, 600);
    // Live runs tile [0, 600) without a gap or an overlap.
    let at = 0;
    for (const r of runs()) {
      assert.equal(r.first, at);
      at = r.last;
    }
    assert.equal(at, 600);
    await first.close();
    // A copy a crash cut short: rows of a run listed only in dead_runs, one with a wrong index.
    const db = new Sqlite(join(dir, 'log-index.sqlite'));
    db.exec(`INSERT INTO dead_runs (run) VALUES (1000000);
      CREATE TABLE ids_1000000 (identity BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE keys_1000000 (k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)) WITHOUT ROWID;
      INSERT INTO keys_1000000 (k, idx) VALUES ('all', 601);`);
    db.prepare('INSERT INTO ids_1000000 (identity, idx) VALUES (?, 5)').run(createHash('sha256').update(leafOf(7)).digest());
    db.close();
    const log = await open(t, dir, index);
    await checkEvery(log, 600);
    await until(() => dead() === 0, 'the dead run to go');
    assert.deepEqual(query(join(dir, 'log-index.sqlite'), "SELECT name FROM sqlite_master WHERE name LIKE '%_1000000'"), []);
    await fill(log, 600, 640);
    await checkLookups(log, 640);
  });

  it('upgrades a log-index.sqlite of one B-tree per index to runs, and refuses it read-only until then', async (t) => {
    const dir = tempDir(t);
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index: { worker: false, inlineLimit: 10 } }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    await fill(first, 0, 30); // merged, in three runs
    await fill(first, 30, 35); // pending
    await first.close();
    // Rewrite log-index.sqlite as it was before runs.
    const db = new Sqlite(join(dir, 'log-index.sqlite'));
    db.exec(`CREATE TABLE identities (identity BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE search_keys (k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)) WITHOUT ROWID;
      DROP TABLE runs; DROP TABLE dead_runs; DELETE FROM meta WHERE k = 'next_run';`);
    for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE name LIKE 'ids\\_%' ESCAPE '\\' OR name LIKE 'keys\\_%' ESCAPE '\\'").all()) {
      db.exec(`INSERT INTO ${name.startsWith('ids') ? 'identities SELECT identity' : 'search_keys SELECT k'}, idx FROM ${name}; DROP TABLE ${name};`);
    }
    db.close();
    await assertRejectsCode(() => openLog({ driver: openSqliteDriver({ dataDir: dir, readonly: true }), origin: ORIGIN, signers: [signer] }), LogError, 'ERR_LOG_STORAGE');
    const log = await open(t, dir, { worker: false, inlineLimit: 10 });
    assert.deepEqual(query(join(dir, 'log-index.sqlite'), "SELECT name FROM sqlite_master WHERE name IN ('identities', 'search_keys')"), []);
    assert.deepEqual(query(join(dir, 'log-index.sqlite'), 'SELECT first, last FROM runs'), [{ first: 0, last: 30 }]);
    await checkEvery(log, 35);
    await fill(log, 35, 50);
    await checkEvery(log, 50);
  });

  it('upgrades a schema 1 log (indexes inside log.sqlite) in place', async (t) => {
    const dir = tempDir(t);
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index: { worker: false } }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    await fill(first, 0, 12); // all pending
    await first.close();
    // Rewrite it as schema 1 had it: the indexes in log.sqlite, no pending tables, no index file.
    const db = new Sqlite(join(dir, 'log.sqlite'));
    db.exec(`CREATE TABLE identities (identity BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE search_keys (k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)) WITHOUT ROWID;
      INSERT INTO identities SELECT identity, idx FROM pending_ids;
      INSERT INTO search_keys SELECT k, idx FROM pending_keys;
      DROP TABLE pending_ids; DROP TABLE pending_keys;
      UPDATE meta SET v = '1' WHERE k = 'schema';`);
    db.close();
    rmSync(join(dir, 'log-index.sqlite'));
    const log = await open(t, dir, { worker: false });
    assert.equal(mergedTo(dir), 12);
    assert.deepEqual(query(join(dir, 'log.sqlite'), "SELECT name FROM sqlite_master WHERE name IN ('identities', 'search_keys')"), []);
    assert.deepEqual(query(join(dir, 'log.sqlite'), "SELECT v FROM meta WHERE k = 'schema'"), [{ v: '2' }]);
    await checkLookups(log, 12);
    await fill(log, 12, 14);
    await checkLookups(log, 14);
  });

  it('finds every stored identity through the identity filters, after they grow and after a restart', async (t) => {
    const dir = tempDir(t);
    const n = 12_000; // past two doublings of the first filter (4,096 identities)
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index: { worker: false, inlineLimit: 5_000 } }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    for (let i = 0; i < n; i += 2_000) await fill(first, i, i + 2_000);
    const again = async (log: TransparencyLog, from: number, to: number) => {
      const rs = await Promise.all(Array.from({ length: to - from }, (_, j) => log.append({ leaf: leafOf(from + j) })));
      rs.forEach((r, j) => assert.deepEqual(r, { index: from + j, integratedTime: 1_700_000_000, duplicate: true }));
    };
    await again(first, 0, n);
    await first.close();
    assert.ok(mergedTo(dir) >= 10_000, `merged_to ${mergedTo(dir)}`);

    // Reopened with the indexer worker: the merged identities reach the engine's filter from
    // the worker (before its first merge), the pending ones are in the filter from the start.
    const log = await open(t, dir, { minBatch: 1, maxDelayMs: 0, intervalMs: 5 });
    await again(log, 0, 500);
    await until(() => mergedTo(dir) === n, 'the indexer merging the rest');
    for (let i = 0; i < n; i += 4_000) await again(log, i, i + 4_000);
    await fill(log, n, n + 100);
    await again(log, n, n + 100);
    assert.equal(await log.findByIdentity(createHash('sha256').update(leafOf(n + 99)).digest()), n + 99);
    assert.equal(await log.findByIdentity(createHash('sha256').update(leafOf(n + 100)).digest()), undefined);
  });

  it('refuses to open a log whose merged index file is gone', async (t) => {
    const dir = tempDir(t);
    const first = await openLog({ driver: openSqliteDriver({ dataDir: dir, index: { worker: false, inlineLimit: 2 } }), origin: ORIGIN, signers: [signer], clock: () => new Date(1_700_000_000_000) });
    await fill(first, 0, 4); // merged after its commit
    await fill(first, 4, 5); // this batch's commit deletes the merged pending rows
    await first.close();
    rmSync(join(dir, 'log-index.sqlite'));
    const err = await assertRejectsCode(() => openLog({ dataDir: dir, origin: ORIGIN, signers: [signer] }), LogError, 'ERR_LOG_CORRUPT');
    assert.match(err.message, /log-index\.sqlite is missing/);
  });
});
