// The SQLite driver's lookup indexes (identities for deduplication, search keys), kept out of
// the sequencing commit (docs/log-storage.md, "Lookup indexes").
//
// A sequencing commit appends each new entry's identity and search keys to two pending tables
// of log.sqlite, keyed by index, so they are as durable as the entry and cost a few sequential
// page writes per batch. The indexer (sqlite-indexer.ts, a worker thread with its own
// connections) moves pending rows into log-index.sqlite, together with the watermark
// `merged_to` (every index below it is merged); the engine keeps the pending rows at or above
// the watermark in memory ({@link PendingIndex}) and answers lookups from both.
//
// log-index.sqlite is a set of sorted *runs*, log-structured: each merge writes its rows as a
// new run, and RUN_FANOUT neighbouring runs of about one level are rewritten as one run of the
// next level (IndexCompactor). Every row goes into B-trees keyed (run, key), so a merge or a
// compaction appends at the right edge of the tree, a few sequential pages per thousand rows,
// and each row is rewritten about log₈(rows ÷ rows per merge) times in all. Inserting random keys into one
// B-tree of a million keys instead dirtied about one page per key at every merge; at bench:log's
// rate that was ~13,000 pages (WAL and checkpoint: ~100 MB) a second, and the other threads
// slowed by a third during each merge. A lookup seeks every live run (at most
// (RUN_FANOUT − 1) per level, a dozen or so at a million entries); the identity filters
// (identity-filter.ts) keep the duplicate check off the index.
import type Database from 'better-sqlite3';
import { IdentityFilter } from './identity-filter.js';

/** The index database's file name, next to log.sqlite. */
export const INDEX_FILE = 'log-index.sqlite';

/** Runs of one level rewritten as one run of the next. */
export const RUN_FANOUT = 8;

/** Level of the run a single-tree index (the layout before runs) becomes: never compacted. */
const LEGACY_LEVEL = 1_000_000;

// runs: every live run and the index range [first, last) it holds. Live runs' ranges are
// disjoint, so reading runs in order of `first` reads indexes in ascending order. Run ids are
// never reused, and a compaction's run takes an id above its sources'. dead_runs: runs whose
// rows wait to be deleted, or are still being copied.
export const INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY, level INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_runs (run INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS run_ids (run INTEGER NOT NULL, identity BLOB NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (run, identity)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS run_keys (run INTEGER NOT NULL, k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (run, k, idx)) WITHOUT ROWID;
`;

/** Opens log-index.sqlite for merging with log.sqlite attached as `log` (its pending tables are read). */
export function configureIndexDb(db: Database.Database, logFile: string): void {
  db.pragma('journal_mode = WAL');
  // FULL: a merge is fsynced before the engine, told of it, forgets the pending rows it moved.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -32768');
  db.prepare('ATTACH DATABASE ? AS log').run(logFile);
}

/** The watermark: every pending row below it is in the index; `undefined` before the first open wrote it. */
export function readMergedTo(db: Database.Database): number | undefined {
  const r = db.prepare<[], { v: string }>("SELECT v FROM main.meta WHERE k = 'merged_to'").get();
  return r === undefined ? undefined : Number(r.v);
}

export function writeMergedTo(db: Database.Database, to: number): void {
  db.prepare("INSERT INTO main.meta (k, v) VALUES ('merged_to', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(String(to));
}

function hasTable(db: Database.Database, name: string, schema = 'main'): boolean {
  return db.prepare(`SELECT 1 FROM ${schema}.sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined;
}

/** The next run id (ids are never reused: a dead run's rows may still wait for deletion). */
function allocRun(db: Database.Database): number {
  const r = db.prepare<[], { v: string }>("SELECT v FROM main.meta WHERE k = 'next_run'").get();
  const run = r === undefined ? 1 : Number(r.v);
  db.prepare("INSERT INTO main.meta (k, v) VALUES ('next_run', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(String(run + 1));
  return run;
}

/**
 * Adds one run holding every row of `identities` and `keys` (tables or subqueries with columns
 * identity, idx and k, idx; `bind` fills the parameters of each) for the indexes [first, last),
 * rows inserted in key order. Inside the caller's transaction.
 */
function addRun(db: Database.Database, level: number, first: number, last: number, identities: string, keys: string, bind: readonly number[] = []): number {
  const run = allocRun(db);
  db.prepare(`INSERT OR IGNORE INTO main.run_ids (run, identity, idx) SELECT ${run}, identity, idx FROM ${identities} ORDER BY identity, idx`).run(...bind);
  db.prepare(`INSERT OR IGNORE INTO main.run_keys (run, k, idx) SELECT ${run}, k, idx FROM ${keys} ORDER BY k, idx`).run(...bind);
  db.prepare('INSERT INTO main.runs (run, level, first, last) VALUES (?, ?, ?, ?)').run(run, level, first, last);
  return run;
}

/**
 * Copies tables `identities` and `search_keys` of `schema` (an index of one B-tree each, as
 * log-index.sqlite had it before runs, or log.sqlite's own indexes of schema 1) into one run
 * holding [0, mergedTo), and drops them unless `drop` is false. Inside the caller's transaction.
 */
export function runFromTables(db: Database.Database, schema: string, mergedTo: number, drop = true): void {
  addRun(db, LEGACY_LEVEL, 0, mergedTo, `${schema}.identities`, `${schema}.search_keys`);
  if (drop) db.exec(`DROP TABLE ${schema}.identities; DROP TABLE ${schema}.search_keys;`);
}

/** Whether log-index.sqlite has the runs layout (false: one B-tree per index, or empty). */
export function indexHasRuns(db: Database.Database): boolean {
  return hasTable(db, 'runs');
}

/** Upgrades a log-index.sqlite of one B-tree per index to runs (one transaction); false when there was nothing to do. */
export function upgradeIndexLayout(db: Database.Database): boolean {
  if (!hasTable(db, 'identities')) return false;
  db.transaction(() => runFromTables(db, 'main', readMergedTo(db) ?? 0))();
  return true;
}

/**
 * A merge step over a connection set up by {@link configureIndexDb}: moves the pending rows of
 * indexes `[merged_to, merged_to + limit)` into a new run and advances the watermark, in one
 * transaction; returns the watermark after it. A deferred transaction: it only reads
 * log.sqlite, so the log's writer is never blocked (BEGIN IMMEDIATE would take the write lock
 * of every attached database).
 */
export function indexMerger(db: Database.Database): { merge(limit: number): number; pending(): number } {
  const maxPending = db.prepare<[], { m: number | null }>('SELECT MAX(idx) AS m FROM log.pending_ids');
  const step = db.transaction((limit: number): number => {
    const from = readMergedTo(db) ?? 0;
    const max = maxPending.get()?.m;
    if (max === null || max === undefined || max < from) return from;
    const to = Math.min(max + 1, from + limit);
    const range = 'WHERE idx >= ? AND idx < ?)';
    addRun(db, 0, from, to, `(SELECT identity, idx FROM log.pending_ids ${range}`, `(SELECT k, idx FROM log.pending_keys ${range}`, [from, to]);
    writeMergedTo(db, to);
    return to;
  });
  return {
    merge: (limit) => step(limit),
    pending: () => {
      const max = maxPending.get()?.m;
      return max === null || max === undefined ? 0 : Math.max(0, max + 1 - (readMergedTo(db) ?? 0));
    },
  };
}

/** The two run tables, each sorted by (key, idx) within a run. */
const RUN_TABLES = [
  { table: 'run_ids', key: 'identity', before: Buffer.alloc(0) }, // an empty BLOB sorts before every identity
  { table: 'run_keys', key: 'k', before: '' },
] as const;

type Cursor = { key: Buffer | string; idx: number };

function compareCursors(a: Cursor, b: Cursor): number {
  // SQLite orders BLOBs and (BINARY) TEXT by their bytes.
  const ka = typeof a.key === 'string' ? Buffer.from(a.key) : a.key;
  const kb = typeof b.key === 'string' ? Buffer.from(b.key) : b.key;
  return Buffer.compare(ka, kb) || a.idx - b.idx;
}

/**
 * Compaction of log-index.sqlite's runs, a bounded chunk at a time, so that rewriting a run of
 * millions of rows never stalls the other threads: the rows of RUN_FANOUT neighbouring runs
 * are copied into a new run of the next level in chunks of about `chunk` rows per source, each
 * its own transaction; the new run is listed in `dead_runs`
 * until the last chunk, when one transaction makes it live and the sources dead. Dead runs
 * (sources, or a copy a restart cut short) are deleted a chunk at a time. Lookups only ever
 * read live runs, so they see each row exactly once throughout.
 */
export class IndexCompactor {
  readonly #db: Database.Database;
  readonly #chunk: number;
  #build: { run: number; level: number; first: number; last: number; sources: number[]; table: number; after: Cursor } | undefined;

  constructor(db: Database.Database, chunk = 4096) {
    this.#db = db;
    this.#chunk = chunk;
  }

  /** Does one chunk of work (one transaction); false when there is none. */
  step(): boolean {
    return this.#db.transaction(() => this.#deleteDead() || this.#copy() || this.#start())();
  }

  /** Whether live runs have piled up (more than two windows' worth): compaction is behind. */
  behind(): boolean {
    return this.#db.prepare<[], number>('SELECT COUNT(*) FROM main.runs').pluck().get()! > 2 * RUN_FANOUT;
  }

  /**
   * Starts a compaction of RUN_FANOUT consecutive live runs whose levels differ by at most one
   * (a run left over at a lower level joins its neighbours): of the windows with the lowest
   * top level, the newest.
   */
  #start(): boolean {
    const db = this.#db;
    const runs = db.prepare<[], { run: number; level: number; first: number; last: number }>('SELECT run, level, first, last FROM main.runs ORDER BY first').all();
    let best: number | undefined;
    let bestTop = Infinity;
    for (let i = 0; i + RUN_FANOUT <= runs.length; i++) {
      const levels = runs.slice(i, i + RUN_FANOUT).map((r) => r.level);
      const top = Math.max(...levels);
      if (top - Math.min(...levels) <= 1 && top <= bestTop) [best, bestTop] = [i, top];
    }
    if (best === undefined) return false;
    const window = runs.slice(best, best + RUN_FANOUT);
    const run = allocRun(db);
    db.prepare('INSERT INTO main.dead_runs (run) VALUES (?)').run(run);
    this.#build = { run, level: bestTop + 1, first: window[0]!.first, last: window[RUN_FANOUT - 1]!.last, sources: window.map((r) => r.run), table: 0, after: { key: RUN_TABLES[0].before, idx: -1 } };
    return true;
  }

  /** Copies the next chunk of the running compaction; at its end, makes the new run live. */
  #copy(): boolean {
    const b = this.#build;
    if (b === undefined) return false;
    const db = this.#db;
    if (b.table === RUN_TABLES.length) {
      const list = b.sources.join(', ');
      db.prepare('DELETE FROM main.dead_runs WHERE run = ?').run(b.run);
      db.prepare('INSERT INTO main.runs (run, level, first, last) VALUES (?, ?, ?, ?)').run(b.run, b.level, b.first, b.last);
      db.exec(`DELETE FROM main.runs WHERE run IN (${list}); INSERT INTO main.dead_runs (run) VALUES ${b.sources.map((r) => `(${r})`).join(', ')};`);
      this.#build = undefined;
      return true;
    }
    const { table, key, before } = RUN_TABLES[b.table]!;
    const list = b.sources.join(', ');
    // The chunk ends at the smallest of each source's chunk-th row after the cursor; a source
    // with fewer rows left sets no end. Without any end, the rest of the table is copied.
    const nth = db.prepare<[number, Buffer | string, number], { key: Buffer | string; idx: number }>(
      `SELECT ${key} AS key, idx FROM main.${table} WHERE run = ? AND (${key}, idx) > (?, ?) ORDER BY ${key}, idx LIMIT 1 OFFSET ${this.#chunk - 1}`,
    );
    let end: Cursor | undefined;
    for (const r of b.sources) {
      const c = nth.get(r, b.after.key, b.after.idx);
      if (c !== undefined && (end === undefined || compareCursors(c, end) < 0)) end = c;
    }
    const cols = `${key}, idx`;
    const sql = `INSERT OR IGNORE INTO main.${table} (run, ${cols}) SELECT ${b.run}, ${cols} FROM main.${table} WHERE run IN (${list}) AND (${cols}) > (?, ?)`;
    if (end === undefined) {
      db.prepare(`${sql} ORDER BY ${cols}`).run(b.after.key, b.after.idx);
      b.table++;
      b.after = { key: RUN_TABLES[b.table]?.before ?? before, idx: -1 };
    } else {
      db.prepare(`${sql} AND (${cols}) <= (?, ?) ORDER BY ${cols}`).run(b.after.key, b.after.idx, end.key, end.idx);
      b.after = end;
    }
    return true;
  }

  /** Deletes a chunk of rows of a dead run that no compaction is still writing. */
  #deleteDead(): boolean {
    const db = this.#db;
    const dead = db.prepare<[number], number>('SELECT run FROM main.dead_runs WHERE run <> ? ORDER BY run LIMIT 1').pluck().get(this.#build?.run ?? -1);
    if (dead === undefined) return false;
    for (const { table, key } of RUN_TABLES) {
      const cols = `${key}, idx`;
      const end = db.prepare<[number], { key: Buffer | string; idx: number }>(`SELECT ${cols.replace(key, `${key} AS key`)} FROM main.${table} WHERE run = ? ORDER BY ${cols} LIMIT 1 OFFSET ${this.#chunk - 1}`).get(dead);
      if (end !== undefined) {
        db.prepare(`DELETE FROM main.${table} WHERE run = ? AND (${cols}) <= (?, ?)`).run(dead, end.key, end.idx);
        return true;
      }
      db.prepare(`DELETE FROM main.${table} WHERE run = ?`).run(dead);
    }
    db.prepare('DELETE FROM main.dead_runs WHERE run = ?').run(dead);
    return true;
  }
}

/**
 * The lookups of log-index.sqlite, on any connection (the engine's, or a read-only one). An
 * identity is sought in every live run in one statement; a search reads run after run in index
 * order inside one read transaction, so a compaction in between cannot hide or repeat a row.
 */
export function indexLookups(db: Database.Database): {
  findIdentity(id: Buffer): number | undefined;
  search(key: string, below: number, limit: number): number[];
} {
  const findIdentity = db.prepare<[Buffer], { idx: number }>('SELECT idx FROM main.run_ids WHERE run IN (SELECT run FROM main.runs) AND identity = ?');
  const runs = db.prepare<[], number>('SELECT run FROM main.runs ORDER BY first').pluck();
  const inRun = db.prepare<[number, string, number, number], number>('SELECT idx FROM main.run_keys WHERE run = ? AND k = ? AND idx < ? ORDER BY idx LIMIT ?').pluck();
  const search = db.transaction((key: string, below: number, limit: number): number[] => {
    let out: number[] = [];
    for (const run of runs.all()) {
      out = out.concat(inRun.all(run, key, below, limit - out.length));
      if (out.length >= limit) break;
    }
    return out;
  });
  return {
    findIdentity: (id) => findIdentity.get(id)?.idx,
    search: (key, below, limit) => (limit > 0 ? search(key, below, limit) : []),
  };
}

/** Identities read per query by {@link indexIdentityFilter}. */
const SCAN_CHUNK = 16384;

/**
 * A filter of every identity in log-index.sqlite, read in (run, identity) order a chunk at a
 * time (about 1.2 s per million identities, mostly better-sqlite3 making a Buffer per row). It
 * holds at least every identity the index held when the scan began: identities are only ever
 * added, and a compaction between two chunks moves rows to a run of a higher id, read later.
 */
export function indexIdentityFilter(db: Database.Database): IdentityFilter {
  // One identity per merged entry: the watermark sizes the filter without a counting pass.
  const filter = new IdentityFilter(readMergedTo(db) ?? 0);
  const chunk = db.prepare<[number, Buffer, number], { run: number; identity: Buffer }>('SELECT run, identity FROM main.run_ids WHERE (run, identity) > (?, ?) ORDER BY run, identity LIMIT ?');
  let after: { run: number; identity: Buffer } = { run: 0, identity: Buffer.alloc(0) }; // before every row
  for (;;) {
    const rows = chunk.all(after.run, after.identity, SCAN_CHUNK);
    for (const r of rows) filter.add(r.identity);
    if (rows.length < SCAN_CHUNK) return filter;
    after = rows[rows.length - 1]!;
  }
}

/** Key of an identity in {@link PendingIndex}: its bytes as a latin1 string (one char per byte). */
export function identityKey(id: Buffer): string {
  return id.toString('latin1');
}

/**
 * The pending (not yet merged) identities and search keys, in memory on the engine's thread,
 * in index order: what the index does not answer yet.
 */
export class PendingIndex {
  readonly #ids = new Map<string, number>();
  readonly #keys = new Map<string, number[]>();
  #order: { idx: number; id: string; keys: readonly string[] }[] = [];
  #head = 0;

  get size(): number {
    return this.#order.length - this.#head;
  }

  /** Lowest pending index, or `undefined` when nothing is pending. */
  get first(): number | undefined {
    return this.#order[this.#head]?.idx;
  }

  /** Adds an entry; indexes must ascend. */
  add(idx: number, id: string, keys: readonly string[]): void {
    this.#ids.set(id, idx);
    for (const k of keys) {
      const list = this.#keys.get(k);
      if (list === undefined) this.#keys.set(k, [idx]);
      else if (list[list.length - 1] !== idx) list.push(idx);
    }
    this.#order.push({ idx, id, keys });
  }

  identity(id: string): number | undefined {
    return this.#ids.get(id);
  }

  /** Pending indexes with this key, ascending, at most `limit`. */
  search(key: string, limit: number): number[] {
    const list = this.#keys.get(key);
    return list === undefined ? [] : list.slice(0, limit);
  }

  /** Forgets every entry below `to` (merged into the index). */
  dropBelow(to: number): void {
    const drops = new Map<string, number>();
    const order = this.#order;
    let h = this.#head;
    for (; h < order.length && order[h]!.idx < to; h++) {
      const e = order[h]!;
      if (this.#ids.get(e.id) === e.idx) this.#ids.delete(e.id);
      for (const k of e.keys) drops.set(k, (drops.get(k) ?? 0) + 1);
    }
    this.#head = h;
    for (const [k, n] of drops) {
      const list = this.#keys.get(k)!;
      // Each list ascends and the dropped indexes are its smallest: cut them in one splice.
      let cut = 0;
      while (cut < list.length && cut < n && list[cut]! < to) cut++;
      if (cut >= list.length) this.#keys.delete(k);
      else list.splice(0, cut);
    }
    if (h > 4096 && h * 2 > order.length) {
      this.#order = order.slice(h);
      this.#head = 0;
    }
  }
}
