import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { LogError } from './errors.js';

/**
 * The SQLite binding for this Node. better-sqlite3 13 is Node-API 10 (Node ≥ 22.14, prebuilt in
 * the package, no rebuild per Node version); Node 20 has Node-API 9, where it cannot load. So
 * Node 20 uses better-sqlite3 12 (installed under the alias better-sqlite3-node20), which on
 * Node ≥ 24.19 aborts in its statement finalizer (a node::ObjectWrap change) — hence two majors.
 */
let binding: typeof Database | undefined;
function sqlite(): typeof Database {
  binding ??= createRequire(import.meta.url)(sqliteModule()) as typeof Database;
  return binding;
}
function sqliteModule(): string {
  return Number(process.versions.napi) >= 10 ? 'better-sqlite3' : 'better-sqlite3-node20';
}
import type {
  IntegratedState,
  LogEntry,
  PublishedCheckpoint,
  SequenceItem,
  SequenceOutcome,
  StorageDriver,
  StorageState,
  TileWrite,
} from './types.js';

/** Options of the SQLite driver. */
export interface SqliteDriverOptions {
  /** Directory holding `log.sqlite` (created when missing). */
  dataDir: string;
  /** Open without writing (fsck of a log another process may own). Default false. */
  readonly?: boolean;
}

const SCHEMA_VERSION = 1;
const HASH_SIZE = 32;
/** How often the checkpointer worker copies committed WAL frames into the database file. */
const CHECKPOINT_INTERVAL_MS = 100;
/**
 * WAL pages after which a commit on the engine's thread checkpoints by itself: a safety net for
 * a checkpointer that cannot keep up or died (256 MiB of 4 KiB pages); normally never reached.
 */
const WAL_AUTOCHECKPOINT_PAGES = 65536;
/** Size the WAL file is truncated to when SQLite restarts it (bytes). */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

// entries: the source of truth. Everything else but checkpoints can be re-derived from it.
// tiles: derived hash tiles; a row grows while partial and never changes once 256 hashes long.
// state: one row, the integrated size and compact range, written in the same transaction as tiles.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, itime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS identities (identity BLOB PRIMARY KEY, idx INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_keys (k TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (k, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tiles (level INTEGER NOT NULL, n INTEGER NOT NULL, hashes BLOB NOT NULL, PRIMARY KEY (level, n)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS integrated (id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL, compact BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL, published_ms INTEGER NOT NULL);
`;

function storageError(what: string, cause: unknown): LogError {
  return new LogError('ERR_LOG_STORAGE', `sqlite: ${what} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

function splitHashes(blob: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i + HASH_SIZE <= blob.length; i += HASH_SIZE) out.push(Buffer.from(blob.subarray(i, i + HASH_SIZE)));
  return out;
}

interface EntryRow { idx: number; leaf: Buffer; itime: number }
interface CheckpointRow { size: number; root: Buffer; note: string; published_ms: number }

function toCheckpoint(r: CheckpointRow): PublishedCheckpoint {
  return { size: r.size, rootHash: r.root, note: r.note, publishedAt: new Date(r.published_ms) };
}

/**
 * The embedded storage driver: one SQLite file in WAL mode with `synchronous=FULL`, so a
 * committed `sequence` survives SIGKILL and power loss (docs/log-storage.md). Synchronous
 * better-sqlite3 calls: each method runs one statement or one transaction to completion.
 *
 * @throws {LogError} `ERR_LOG_STORAGE` when the file cannot be opened.
 */
export function openSqliteDriver(options: SqliteDriverOptions): StorageDriver {
  let db: Database.Database;
  try {
    if (options.readonly !== true) mkdirSync(options.dataDir, { recursive: true });
    db = new (sqlite())(join(options.dataDir, 'log.sqlite'), { readonly: options.readonly === true, fileMustExist: options.readonly === true });
  } catch (err) {
    throw storageError('open', err);
  }
  return new SqliteDriver(db, options.readonly === true, join(options.dataDir, 'log.sqlite'));
}

class SqliteDriver implements StorageDriver {
  readonly #db: Database.Database;
  readonly #readonly: boolean;
  #stmts: ReturnType<SqliteDriver['prepare']> | undefined;
  #sequenceTx: ((items: readonly SequenceItem[], itime: number) => SequenceOutcome[]) | undefined;
  #integrateTx: ((tiles: readonly TileWrite[], state: IntegratedState) => void) | undefined;
  #size = 0;
  readonly #file: string;
  #checkpointer: Worker | undefined;

  constructor(db: Database.Database, readonly: boolean, file: string) {
    this.#db = db;
    this.#readonly = readonly;
    this.#file = file;
  }

  /**
   * Moves WAL checkpoints off the engine's thread (sqlite-checkpointer.ts): sequencing commits
   * then cost one WAL append and one fsync, however large the indexes grow.
   */
  #startCheckpointer(): void {
    const w = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), {
      workerData: { file: this.#file, module: sqliteModule(), intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    // Not fatal: the writer's own automatic checkpoint (WAL_AUTOCHECKPOINT_PAGES) takes over.
    w.on('error', () => undefined);
    w.unref();
    this.#checkpointer = w;
  }

  private prepare() {
    const db = this.#db;
    return {
      insertEntry: db.prepare<[number, Buffer, number]>('INSERT INTO entries (idx, leaf, itime) VALUES (?, ?, ?)'),
      // OR IGNORE: claiming an identity that exists changes nothing, and `changes` says so.
      claimIdentity: db.prepare<[Buffer, number]>('INSERT OR IGNORE INTO identities (identity, idx) VALUES (?, ?)'),
      findIdentity: db.prepare<[Buffer], { idx: number; itime: number }>(
        'SELECT i.idx AS idx, e.itime AS itime FROM identities i JOIN entries e ON e.idx = i.idx WHERE i.identity = ?',
      ),
      insertKey: db.prepare<[string, number]>('INSERT OR IGNORE INTO search_keys (k, idx) VALUES (?, ?)'),
      readEntries: db.prepare<[number, number], EntryRow>('SELECT idx, leaf, itime FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx'),
      maxEntry: db.prepare<[], { m: number | null }>('SELECT MAX(idx) AS m FROM entries'),
      upsertTile: db.prepare<[number, number, Buffer]>(
        // A full tile is immutable: the WHERE keeps a stored 256-hash row from ever changing.
        'INSERT INTO tiles (level, n, hashes) VALUES (?, ?, ?) ON CONFLICT (level, n) DO UPDATE SET hashes = excluded.hashes WHERE length(tiles.hashes) < 8192',
      ),
      readTile: db.prepare<[number, number], { hashes: Buffer }>('SELECT hashes FROM tiles WHERE level = ? AND n = ?'),
      countTiles: db.prepare<[number], { c: number }>('SELECT COUNT(*) AS c FROM tiles WHERE level = ?'),
      readState: db.prepare<[], { size: number; compact: Buffer }>('SELECT size, compact FROM integrated WHERE id = 0'),
      writeState: db.prepare<[number, Buffer]>('INSERT INTO integrated (id, size, compact) VALUES (0, ?, ?) ON CONFLICT (id) DO UPDATE SET size = excluded.size, compact = excluded.compact'),
      insertCheckpoint: db.prepare<[number, Buffer, string, number]>('INSERT INTO checkpoints (size, root, note, published_ms) VALUES (?, ?, ?, ?)'),
      latestCheckpoint: db.prepare<[], CheckpointRow>('SELECT size, root, note, published_ms FROM checkpoints ORDER BY seq DESC LIMIT 1'),
      readCheckpoints: db.prepare<[number, number], CheckpointRow>('SELECT size, root, note, published_ms FROM checkpoints ORDER BY seq LIMIT ? OFFSET ?'),
      search: db.prepare<[string, number], { idx: number }>('SELECT idx FROM search_keys WHERE k = ? ORDER BY idx LIMIT ?'),
    };
  }

  async open(): Promise<StorageState> {
    try {
      const db = this.#db;
      if (!this.#readonly) {
        db.pragma('journal_mode = WAL');
        // FULL: the WAL is fsynced at every commit, so an acknowledged sequence survives power loss.
        db.pragma('synchronous = FULL');
        db.pragma('busy_timeout = 5000');
        db.exec(SCHEMA);
        const v = db.prepare<[], { v: string }>("SELECT v FROM meta WHERE k = 'schema'").get();
        if (v === undefined) db.prepare("INSERT INTO meta (k, v) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
        else if (v.v !== String(SCHEMA_VERSION)) throw new Error(`unknown schema version ${v.v}`);
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
        db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
        this.#startCheckpointer();
      }
      db.pragma('cache_size = -65536');
      const s = (this.#stmts = this.prepare());
      this.#sequenceTx = db.transaction((items: readonly SequenceItem[], itime: number) => this.#sequenceItems(items, itime));
      this.#integrateTx = db.transaction((tiles: readonly TileWrite[], state: IntegratedState) => {
        for (const t of tiles) s.upsertTile.run(t.level, t.index, t.hashes);
        s.writeState.run(state.size, Buffer.concat(state.compactRange));
      });
      const max = s.maxEntry.get()?.m;
      this.#size = max === null || max === undefined ? 0 : max + 1;
      const st = s.readState.get();
      const cp = s.latestCheckpoint.get();
      return {
        sequencedSize: this.#size,
        integrated: st === undefined ? undefined : { size: st.size, compactRange: splitHashes(st.compact) },
        latestCheckpoint: cp === undefined ? undefined : toCheckpoint(cp),
      };
    } catch (err) {
      throw storageError('open', err);
    }
  }

  get #s() {
    if (this.#stmts === undefined) throw new LogError('ERR_LOG_STORAGE', 'sqlite: driver used before open()');
    return this.#stmts;
  }

  #sequenceItems(items: readonly SequenceItem[], itime: number): SequenceOutcome[] {
    const s = this.#s;
    const out: SequenceOutcome[] = new Array(items.length);
    let next = this.#size;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const id = Buffer.from(item.identity.buffer, item.identity.byteOffset, item.identity.byteLength);
      // One statement for the common case (a new entry) instead of a lookup and an insert; an
      // identity seen before (in storage or earlier in this batch) is left as it is.
      if (s.claimIdentity.run(id, next).changes === 0) {
        const found = s.findIdentity.get(id)!;
        out[i] = { index: found.idx, integratedTime: found.itime, duplicate: true };
        continue;
      }
      const index = next++;
      s.insertEntry.run(index, Buffer.from(item.leaf.buffer, item.leaf.byteOffset, item.leaf.byteLength), itime);
      for (const k of item.indexKeys) s.insertKey.run(k, index);
      out[i] = { index, integratedTime: itime, duplicate: false };
    }
    return out;
  }

  async sequence(items: readonly SequenceItem[], integratedTime: number): Promise<SequenceOutcome[]> {
    const before = this.#size;
    try {
      const out = this.#sequenceTx!(items, integratedTime);
      let added = 0;
      for (const o of out) if (!o.duplicate) added++;
      this.#size = before + added;
      return out;
    } catch (err) {
      this.#size = before;
      throw storageError('sequence', err);
    }
  }

  async readEntries(start: number, end: number): Promise<LogEntry[]> {
    try {
      return this.#s.readEntries.all(start, end).map((r) => ({ index: r.idx, leaf: r.leaf, integratedTime: r.itime }));
    } catch (err) {
      throw storageError('readEntries', err);
    }
  }

  async integrate(tiles: readonly TileWrite[], state: IntegratedState): Promise<void> {
    try {
      // Tiles are derived data (docs/log-storage.md rule 13): commit without an fsync of its
      // own. In WAL mode the next FULL commit (a sequenced batch or a checkpoint) fsyncs the WAL
      // up to and including this transaction, so a stored checkpoint never outlives the tiles
      // it covers; losing only the latest integration means recovery redoes it from entries.
      this.#db.pragma('synchronous = NORMAL');
      try {
        this.#integrateTx!(tiles, state);
      } finally {
        this.#db.pragma('synchronous = FULL');
      }
    } catch (err) {
      throw storageError('integrate', err);
    }
  }

  async readTile(level: number, index: number): Promise<Buffer | undefined> {
    try {
      return this.#s.readTile.get(level, index)?.hashes;
    } catch (err) {
      throw storageError('readTile', err);
    }
  }

  async countTiles(level: number): Promise<number> {
    try {
      return this.#s.countTiles.get(level)?.c ?? 0;
    } catch (err) {
      throw storageError('countTiles', err);
    }
  }

  async storeCheckpoint(cp: PublishedCheckpoint): Promise<void> {
    try {
      this.#s.insertCheckpoint.run(cp.size, cp.rootHash, cp.note, cp.publishedAt.getTime());
    } catch (err) {
      throw storageError('storeCheckpoint', err);
    }
  }

  async readCheckpoints(offset: number, limit: number): Promise<PublishedCheckpoint[]> {
    try {
      return this.#s.readCheckpoints.all(limit, offset).map(toCheckpoint);
    } catch (err) {
      throw storageError('readCheckpoints', err);
    }
  }

  async findByIdentity(identity: Uint8Array): Promise<number | undefined> {
    try {
      return this.#s.findIdentity.get(Buffer.from(identity.buffer, identity.byteOffset, identity.byteLength))?.idx;
    } catch (err) {
      throw storageError('findByIdentity', err);
    }
  }

  async search(indexKey: string, limit: number): Promise<number[]> {
    try {
      return this.#s.search.all(indexKey, limit).map((r) => r.idx);
    } catch (err) {
      throw storageError('search', err);
    }
  }

  async close(): Promise<void> {
    const w = this.#checkpointer;
    this.#checkpointer = undefined;
    if (w !== undefined) {
      // Let a running checkpoint finish and the worker close its connection before ours closes
      // (the last connection to close checkpoints the rest and removes the WAL).
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage('close');
      const timer = setTimeout(() => void w.terminate(), 5000);
      await exited;
      clearTimeout(timer);
    }
    if (this.#db.open) this.#db.close();
  }
}
