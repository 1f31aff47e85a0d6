// The SQLite driver's lookup indexes (identities for deduplication, search keys), kept out of
// the sequencing commit (docs/log-storage.md, "Lookup indexes").
//
// A sequencing commit appends each new entry's identity and search keys to two pending tables
// of log.sqlite, keyed by index, so they are as durable as the entry and cost a few sequential
// page writes per batch. The indexer (sqlite-indexer.ts, a worker thread with its own
// connections) moves pending rows into log-index.sqlite in large transactions sorted by key,
// together with the watermark `merged_to` (every index below it is merged); the engine keeps the
// pending rows at or above the watermark in memory ({@link PendingIndex}) and answers lookups
// from both. Inserting each entry's random keys into B-trees of a million keys had dirtied about
// one page per key in every commit, about a third of the engine thread's time at 1M entries.
import type Database from 'better-sqlite3';
import { IdentityFilter } from './identity-filter.js';

/** The index database's file name, next to log.sqlite. */
export const INDEX_FILE = 'log-index.sqlite';

export const INDEX_SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities (identity BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_keys (k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)) WITHOUT ROWID;
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

/**
 * A merge step over a connection set up by {@link configureIndexDb}: moves the pending rows of
 * indexes `[merged_to, merged_to + limit)` into the index, sorted by key, and advances the
 * watermark, in one transaction; returns the watermark after it. A deferred transaction: it
 * only reads log.sqlite, so the log's writer is never blocked (BEGIN IMMEDIATE would take the
 * write lock of every attached database).
 */
export function indexMerger(db: Database.Database): { merge(limit: number): number; pending(): number } {
  const maxPending = db.prepare<[], { m: number | null }>('SELECT MAX(idx) AS m FROM log.pending_ids');
  const ids = db.prepare<[number, number]>(
    'INSERT OR IGNORE INTO main.identities (identity, idx) SELECT identity, idx FROM log.pending_ids WHERE idx >= ? AND idx < ? ORDER BY identity',
  );
  const keys = db.prepare<[number, number]>(
    'INSERT OR IGNORE INTO main.search_keys (k, idx) SELECT k, idx FROM log.pending_keys WHERE idx >= ? AND idx < ? ORDER BY k, idx',
  );
  const step = db.transaction((limit: number): number => {
    const from = readMergedTo(db) ?? 0;
    const max = maxPending.get()?.m;
    if (max === null || max === undefined || max < from) return from;
    const to = Math.min(max + 1, from + limit);
    ids.run(from, to);
    keys.run(from, to);
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

/** Identities read per query by {@link indexIdentityFilter}. */
const SCAN_CHUNK = 16384;

/**
 * A filter of every identity in log-index.sqlite, read in key order a chunk at a time (about
 * 1.2 s per million identities, mostly better-sqlite3 making a Buffer per row). Identities are
 * only ever added to the index, so it holds at least every identity the index held when the
 * scan began.
 */
export function indexIdentityFilter(db: Database.Database): IdentityFilter {
  // One identity per merged entry: the watermark sizes the filter without a counting pass.
  const filter = new IdentityFilter(readMergedTo(db) ?? 0);
  const chunk = db.prepare<[Buffer, number], Buffer>('SELECT identity FROM main.identities WHERE identity > ? ORDER BY identity LIMIT ?').pluck();
  let after: Buffer = Buffer.alloc(0); // sorts before every BLOB
  for (;;) {
    const ids = chunk.all(after, SCAN_CHUNK);
    for (const id of ids) filter.add(id);
    if (ids.length < SCAN_CHUNK) return filter;
    after = ids[ids.length - 1]!;
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
