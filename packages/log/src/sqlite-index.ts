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
// new run, a pair of tables of its own (ids_<run>, keys_<run>) filled in key order, so the rows
// append at the right edge of fresh B-trees, a few sequential pages per thousand rows; and
// RUN_FANOUT neighbouring runs of about one level are rewritten as one run of the next level
// (IndexCompactor), so each row is rewritten about log₈(rows ÷ rows per merge) times in all and
// a dead run goes with a DROP TABLE. Inserting random keys into one B-tree of a million keys
// instead dirtied about one page per key at every merge; at bench:log's rate that was ~13,000
// pages (WAL and checkpoint: ~100 MB) a second, and the other threads slowed by a third during
// each merge. A lookup seeks every live run (at most RUN_FANOUT − 1 per level, a dozen or so
// at a million entries); the identity filters (identity-filter.ts) keep the duplicate check
// off the index.
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
// never reused. dead_runs: runs whose tables wait to be dropped, or are still being filled.
export const INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runs (run INTEGER PRIMARY KEY, level INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_runs (run INTEGER PRIMARY KEY);
`;

/** A run's two tables (main.ids_<run>, main.keys_<run>), each sorted by (key, idx). */
const RUN_TABLES = [
  { prefix: 'ids_', key: 'identity', columns: 'identity BLOB PRIMARY KEY, idx INTEGER NOT NULL', before: Buffer.alloc(0) }, // an empty BLOB sorts first
  { prefix: 'keys_', key: 'k', columns: 'k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)', before: '' },
] as const;

const ids = (run: number): string => `main.ids_${run}`;
const keys = (run: number): string => `main.keys_${run}`;

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

/** A new run id and its two empty tables. Inside the caller's transaction. */
function createRun(db: Database.Database): number {
  const r = db.prepare<[], { v: string }>("SELECT v FROM main.meta WHERE k = 'next_run'").get();
  const run = r === undefined ? 1 : Number(r.v);
  db.prepare("INSERT INTO main.meta (k, v) VALUES ('next_run', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v").run(String(run + 1));
  for (const t of RUN_TABLES) db.exec(`CREATE TABLE main.${t.prefix}${run} (${t.columns}) WITHOUT ROWID`);
  return run;
}

/**
 * Adds one live run holding every row of `idsFrom` and `keysFrom` (tables or subqueries with
 * columns identity, idx and k, idx; `bind` fills the parameters of each) for the indexes
 * [first, last), rows inserted in key order. Inside the caller's transaction.
 */
function addRun(db: Database.Database, level: number, first: number, last: number, idsFrom: string, keysFrom: string, bind: readonly number[] = []): void {
  const run = createRun(db);
  // OR IGNORE: an identity twice (never written so) keeps its lowest index.
  db.prepare(`INSERT OR IGNORE INTO ${ids(run)} (identity, idx) SELECT identity, idx FROM ${idsFrom} ORDER BY identity, idx`).run(...bind);
  db.prepare(`INSERT OR IGNORE INTO ${keys(run)} (k, idx) SELECT k, idx FROM ${keysFrom} ORDER BY k, idx`).run(...bind);
  db.prepare('INSERT INTO main.runs (run, level, first, last) VALUES (?, ?, ?, ?)').run(run, level, first, last);
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

/** Drops every run (live or dead) and its tables. Inside the caller's transaction. */
export function dropRuns(db: Database.Database): void {
  const all = db.prepare<[], number>('SELECT run FROM main.runs UNION SELECT run FROM main.dead_runs').pluck().all();
  for (const run of all) db.exec(`DROP TABLE IF EXISTS ${ids(run)}; DROP TABLE IF EXISTS ${keys(run)};`);
  db.exec('DELETE FROM main.runs; DELETE FROM main.dead_runs;');
}

/** Whether log-index.sqlite has the runs layout (false: one B-tree per index, or empty). */
export function indexHasRuns(db: Database.Database): boolean {
  return hasTable(db, 'runs');
}

/** Upgrades a log-index.sqlite of one B-tree per index, if it is one, to runs (one transaction). */
export function upgradeIndexLayout(db: Database.Database): void {
  if (hasTable(db, 'identities')) db.transaction(() => runFromTables(db, 'main', readMergedTo(db) ?? 0))();
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

type Cursor = { key: Buffer | string; idx: number };

function compareCursors(a: Cursor, b: Cursor): number {
  // SQLite orders BLOBs and (BINARY) TEXT by their bytes.
  const ka = typeof a.key === 'string' ? Buffer.from(a.key) : a.key;
  const kb = typeof b.key === 'string' ? Buffer.from(b.key) : b.key;
  return Buffer.compare(ka, kb) || a.idx - b.idx;
}

/**
 * Compaction of log-index.sqlite's runs, a bounded step at a time, so that rewriting a run of
 * millions of rows never stalls the other threads: the rows of RUN_FANOUT neighbouring runs
 * are copied into a new run of the next level in chunks of about `chunk` rows (chunk ÷
 * RUN_FANOUT per source), each its own transaction; the new run is listed in `dead_runs`
 * until the last chunk, when one transaction makes it live and the sources dead. Dead runs
 * (sources, or a copy a restart cut short) are dropped one table a step. Lookups only ever
 * read live runs, so they see each row exactly once throughout.
 */
export class IndexCompactor {
  readonly #db: Database.Database;
  readonly #perSource: number;
  #build: { run: number; level: number; first: number; last: number; sources: number[]; table: number; after: Cursor } | undefined;

  constructor(db: Database.Database, chunk = 4096) {
    this.#db = db;
    this.#perSource = Math.max(1, Math.floor(chunk / RUN_FANOUT));
  }

  /** Does one step of work (one transaction); false when there is none. */
  step(): boolean {
    return this.#db.transaction(() => this.#dropDead() || this.#copy() || this.#start())();
  }

  /** Whether live runs have piled up (more than two windows' worth): compaction is behind. */
  behind(): boolean {
    return this.#db.prepare<[], number>('SELECT COUNT(*) FROM main.runs').pluck().get()! > 2 * RUN_FANOUT;
  }

  /**
   * Starts a compaction of RUN_FANOUT consecutive live runs: of the windows whose runs are all
   * at the window's top level but for at most one that is not its newest (a run left behind
   * between higher ones, as after a restart cut a compaction short, joins its neighbours
   * rather than staying forever; a new run never joins older, larger ones early), the oldest
   * with the lowest top level.
   */
  #start(): boolean {
    const db = this.#db;
    const runs = db.prepare<[], { run: number; level: number; first: number; last: number }>('SELECT run, level, first, last FROM main.runs ORDER BY first').all();
    let best: number | undefined;
    let bestTop = Infinity;
    for (let i = 0; i + RUN_FANOUT <= runs.length; i++) {
      const levels = runs.slice(i, i + RUN_FANOUT).map((r) => r.level);
      const top = Math.max(...levels);
      const lower = levels.findIndex((l) => l < top);
      const ok = lower < 0 || (lower < RUN_FANOUT - 1 && levels.filter((l) => l === top).length === RUN_FANOUT - 1);
      if (ok && top < bestTop) [best, bestTop] = [i, top];
    }
    if (best === undefined) return false;
    const window = runs.slice(best, best + RUN_FANOUT);
    const run = createRun(db);
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
      db.prepare('DELETE FROM main.dead_runs WHERE run = ?').run(b.run);
      db.prepare('INSERT INTO main.runs (run, level, first, last) VALUES (?, ?, ?, ?)').run(b.run, b.level, b.first, b.last);
      db.exec(`DELETE FROM main.runs WHERE run IN (${b.sources.join(', ')}); INSERT INTO main.dead_runs (run) VALUES ${b.sources.map((r) => `(${r})`).join(', ')};`);
      this.#build = undefined;
      return true;
    }
    const { prefix, key } = RUN_TABLES[b.table]!;
    const cols = `${key}, idx`;
    // The chunk ends at the smallest of each source's perSource-th row after the cursor; a
    // source with fewer rows left sets no end. Without any end, the rest is copied.
    let end: Cursor | undefined;
    for (const r of b.sources) {
      const c = db
        .prepare<[Buffer | string, number], Cursor>(`SELECT ${key} AS key, idx FROM main.${prefix}${r} WHERE (${cols}) > (?, ?) ORDER BY ${cols} LIMIT 1 OFFSET ${this.#perSource - 1}`)
        .get(b.after.key, b.after.idx);
      if (c !== undefined && (end === undefined || compareCursors(c, end) < 0)) end = c;
    }
    const range = end === undefined ? `(${cols}) > (@afterKey, @afterIdx)` : `(${cols}) > (@afterKey, @afterIdx) AND (${cols}) <= (@endKey, @endIdx)`;
    const union = b.sources.map((r) => `SELECT ${cols} FROM main.${prefix}${r} WHERE ${range}`).join(' UNION ALL ');
    // OR IGNORE: an identity in two runs (never written so) keeps one row.
    const insert = db.prepare(`INSERT OR IGNORE INTO main.${prefix}${b.run} (${cols}) SELECT ${cols} FROM (${union}) ORDER BY ${cols}`);
    if (end === undefined) {
      insert.run({ afterKey: b.after.key, afterIdx: b.after.idx });
      b.table++;
      b.after = { key: RUN_TABLES[b.table]?.before ?? '', idx: -1 };
    } else {
      insert.run({ afterKey: b.after.key, afterIdx: b.after.idx, endKey: end.key, endIdx: end.idx });
      b.after = end;
    }
    return true;
  }

  /** Drops a table of a dead run that no compaction is still filling; the run goes with its last. */
  #dropDead(): boolean {
    const db = this.#db;
    const dead = db.prepare<[number], number>('SELECT run FROM main.dead_runs WHERE run <> ? ORDER BY run LIMIT 1').pluck().get(this.#build?.run ?? -1);
    if (dead === undefined) return false;
    const table = RUN_TABLES.map((t) => `${t.prefix}${dead}`).find((name) => hasTable(db, name));
    if (table !== undefined) db.exec(`DROP TABLE main.${table}`);
    else db.prepare('DELETE FROM main.dead_runs WHERE run = ?').run(dead);
    return true;
  }
}

/**
 * The lookups of log-index.sqlite, on any connection (the engine's, or a read-only one). Each
 * lookup reads the live runs and queries their tables inside one read transaction, so a
 * compaction in between cannot hide or repeat a row; the statements are prepared again only
 * when the live runs have changed.
 */
export function indexLookups(db: Database.Database): {
  findIdentity(id: Buffer): number | undefined;
  search(key: string, below: number, limit: number): number[];
} {
  const liveRuns = db.prepare<[], number>('SELECT run FROM main.runs ORDER BY first').pluck();
  let current: { runs: string; find: Database.Statement<[{ id: Buffer }], number> | undefined; search: Database.Statement<[string, number, number], number>[] } | undefined;
  const statements = () => {
    const runs = liveRuns.all();
    const joined = runs.join(',');
    if (current?.runs !== joined) {
      current = {
        runs: joined,
        find: runs.length === 0 ? undefined : db.prepare<[{ id: Buffer }], number>(`${runs.map((r) => `SELECT idx FROM ${ids(r)} WHERE identity = @id`).join(' UNION ALL ')} LIMIT 1`).pluck(),
        search: runs.map((r) => db.prepare<[string, number, number], number>(`SELECT idx FROM ${keys(r)} WHERE k = ? AND idx < ? ORDER BY idx LIMIT ?`).pluck()),
      };
    }
    return current;
  };
  const find = db.transaction((id: Buffer): number | undefined => statements().find?.get({ id }));
  const search = db.transaction((key: string, below: number, limit: number): number[] => {
    let out: number[] = [];
    for (const inRun of statements().search) {
      out = out.concat(inRun.all(key, below, limit - out.length));
      if (out.length >= limit) break;
    }
    return out;
  });
  return {
    findIdentity: (id) => find(id),
    search: (key, below, limit) => (limit > 0 ? search(key, below, limit) : []),
  };
}

/**
 * A filter of every identity in log-index.sqlite's live runs, read in one read transaction
 * (about 1.2 s per million identities, mostly better-sqlite3 making a Buffer per row).
 */
export function indexIdentityFilter(db: Database.Database): IdentityFilter {
  // One identity per merged entry: the watermark sizes the filter without a counting pass.
  const filter = new IdentityFilter(readMergedTo(db) ?? 0);
  db.transaction(() => {
    for (const run of db.prepare<[], number>('SELECT run FROM main.runs').pluck().all()) {
      for (const id of db.prepare<[], Buffer>(`SELECT identity FROM ${ids(run)}`).pluck().iterate()) filter.add(id);
    }
  })();
  return filter;
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
