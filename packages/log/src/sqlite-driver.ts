import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { LogError } from './errors.js';
import { IdentityFilter, type FilterParts } from './identity-filter.js';
import { configureIndexDb, dropRuns, identityKey, indexHasRuns, indexIdentityFilter, INDEX_FILE, INDEX_SCHEMA, indexLookups, indexMerger, PendingIndex, readMergedTo, runFromTables, upgradeIndexLayout, writeMergedTo } from './sqlite-index.js';

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
  FoldIntegration,
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
  /**
   * When the lookup indexes are merged (docs/log-storage.md, "Lookup indexes"). The defaults
   * suit a server; tests make merges frequent or inline.
   */
  index?: {
    /** Merge on a worker thread (default true); false: only the inline merge below. */
    worker?: boolean;
    /** The worker merges once this many entries are pending (default 16384)… */
    minBatch?: number;
    /** …or once this long has passed since its last merge (ms, default 1000). */
    maxDelayMs?: number;
    /** The worker's polling interval (ms, default 100). */
    intervalMs?: number;
    /** The engine merges by itself, after a commit, once this many entries are pending (default 262144). */
    inlineLimit?: number;
    /** Rows a compaction step copies or deletes in one transaction, about (default 4096). */
    compactionChunk?: number;
  };
}

/** 1: identities and search keys in log.sqlite. 2: pending tables here, merged into log-index.sqlite. */
const SCHEMA_VERSION = 2;
/** Most entries one merge transaction moves. */
const MERGE_LIMIT = 65536;
/** Most merged entries whose pending rows one integration deletes. */
const CLEAN_CHUNK = 4096;
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

// entries: the source of truth. Everything else but checkpoints and the lookup indexes can be
// re-derived from it.
// pending_ids, pending_keys: identities and search keys of the entries not yet merged into
// log-index.sqlite (sqlite-index.ts), written in the entries' own commit.
// tiles: derived hash tiles; a row grows while partial and never changes once 256 hashes long.
// state: one row, the integrated size and compact range, written in the same transaction as tiles.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS entries (idx INTEGER PRIMARY KEY, leaf BLOB NOT NULL, itime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending_ids (idx INTEGER PRIMARY KEY, identity BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS pending_keys (idx INTEGER NOT NULL, k TEXT NOT NULL, PRIMARY KEY (idx, k)) WITHOUT ROWID;
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
 * The embedded storage driver: log.sqlite in WAL mode with `synchronous=FULL`, so a committed
 * `sequence` survives SIGKILL and power loss, and log-index.sqlite for the lookup indexes
 * (docs/log-storage.md). Synchronous better-sqlite3 calls: each method runs one statement or one
 * transaction to completion.
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
  return new SqliteDriver(db, options);
}

/** A maintenance thread, and its end: it may end before close() asks it to (a crash is not fatal). */
interface MaintenanceWorker { worker: Worker; exited: Promise<void> }

function maintenanceWorker(worker: Worker): MaintenanceWorker {
  return { worker, exited: new Promise<void>((resolve) => worker.once('exit', () => resolve())) };
}

interface IndexSettings { worker: boolean; minBatch: number; maxDelayMs: number; intervalMs: number; inlineLimit: number; compactionChunk: number }

class SqliteDriver implements StorageDriver {
  readonly #db: Database.Database;
  readonly #readonly: boolean;
  readonly #file: string;
  readonly #indexFile: string;
  readonly #indexSettings: IndexSettings;
  #stmts: ReturnType<SqliteDriver['prepare']> | undefined;
  #sequenceTx: ((items: readonly SequenceItem[], itime: number, fold: FoldIntegration | undefined) => { out: SequenceOutcome[]; added: [number, string, readonly string[]][]; folded: boolean }) | undefined;
  #integrateTx: ((tiles: readonly TileWrite[], state: IntegratedState, cp: PublishedCheckpoint | undefined) => void) | undefined;
  #size = 0;
  #checkpointer: MaintenanceWorker | undefined;
  /** log-index.sqlite: merged identities and search keys (absent on a read-only open of a log without one). */
  #index: Database.Database | undefined;
  #indexStmts: ReturnType<typeof indexLookups> | undefined;
  #indexer: MaintenanceWorker | undefined;
  readonly #pending = new PendingIndex();
  /**
   * A writer's identity filters (identity-filter.ts): `#recent` holds every identity pending at
   * open (`#loadPending`) or sequenced since (`#sequenceItems`, before its commit: one of a batch
   * that fails stays, a false positive that only costs a lookup); `#indexed` every identity
   * merged into log-index.sqlite by open — read by the indexer worker, so it arrives a little
   * after open, or read at open without one (about 1.2 s per million identities). An identity
   * neither has seen is new without a lookup in the index.
   */
  #recent: IdentityFilter | undefined;
  #indexed: IdentityFilter | undefined;
  /** Every index below this is in log-index.sqlite. */
  #mergedTo = 0;
  /** Pending rows below this are deleted from log.sqlite (lazily, with the next integrations). */
  #cleanedTo = 0;

  /** How far the next integration deletes merged pending rows. */
  #cleanTarget(): number {
    return Math.min(this.#mergedTo, this.#cleanedTo + CLEAN_CHUNK);
  }

  constructor(db: Database.Database, options: SqliteDriverOptions) {
    this.#db = db;
    this.#readonly = options.readonly === true;
    this.#file = join(options.dataDir, 'log.sqlite');
    this.#indexFile = join(options.dataDir, INDEX_FILE);
    const o = options.index ?? {};
    this.#indexSettings = {
      worker: o.worker ?? true,
      minBatch: o.minBatch ?? 16384,
      maxDelayMs: o.maxDelayMs ?? 1000,
      intervalMs: o.intervalMs ?? 100,
      inlineLimit: o.inlineLimit ?? 262144,
      compactionChunk: o.compactionChunk ?? 4096,
    };
  }

  /**
   * Moves WAL checkpoints off the engine's thread (sqlite-checkpointer.ts): sequencing commits
   * then cost one WAL append and one fsync, however large the tables grow.
   */
  #startCheckpointer(): void {
    const w = new Worker(new URL('./sqlite-checkpointer.js', import.meta.url), {
      workerData: { file: this.#file, module: sqliteModule(), intervalMs: CHECKPOINT_INTERVAL_MS },
    });
    // Not fatal: the writer's own automatic checkpoint (WAL_AUTOCHECKPOINT_PAGES) takes over.
    w.on('error', () => undefined);
    w.unref();
    this.#checkpointer = maintenanceWorker(w);
  }

  /** Moves index merges off the engine's thread (sqlite-indexer.ts). */
  #startIndexer(): void {
    const s = this.#indexSettings;
    const w = new Worker(new URL('./sqlite-indexer.js', import.meta.url), {
      workerData: {
        indexFile: this.#indexFile,
        logFile: this.#file,
        module: sqliteModule(),
        intervalMs: s.intervalMs,
        minBatch: s.minBatch,
        maxDelayMs: s.maxDelayMs,
        limit: MERGE_LIMIT,
        compactionChunk: s.compactionChunk,
      },
    });
    w.on('message', (m: { merged?: number; identities?: FilterParts }) => {
      if (typeof m?.merged === 'number') this.#merged(m.merged);
      if (m?.identities !== undefined) this.#indexed = IdentityFilter.fromParts(m.identities);
    });
    // Not fatal: the engine merges inline once `inlineLimit` entries are pending.
    w.on('error', () => undefined);
    w.unref();
    this.#indexer = maintenanceWorker(w);
  }

  #merged(to: number): void {
    if (to <= this.#mergedTo) return;
    this.#mergedTo = to;
    this.#pending.dropBelow(to);
  }

  private prepare() {
    const db = this.#db;
    return {
      insertEntry: db.prepare<[number, Buffer, number]>('INSERT INTO entries (idx, leaf, itime) VALUES (?, ?, ?)'),
      entryTime: db.prepare<[number], { itime: number }>('SELECT itime FROM entries WHERE idx = ?'),
      insertPendingId: db.prepare<[number, Buffer]>('INSERT INTO pending_ids (idx, identity) VALUES (?, ?)'),
      // OR IGNORE: the same key twice on one entry is stored once.
      insertPendingKey: db.prepare<[number, string]>('INSERT OR IGNORE INTO pending_keys (idx, k) VALUES (?, ?)'),
      pendingIds: db.prepare<[number], { idx: number; identity: Buffer }>('SELECT idx, identity FROM pending_ids WHERE idx >= ? ORDER BY idx'),
      pendingKeys: db.prepare<[number], { idx: number; k: string }>('SELECT idx, k FROM pending_keys WHERE idx >= ? ORDER BY idx'),
      firstPending: db.prepare<[], { m: number | null }>('SELECT MIN(idx) AS m FROM pending_ids'),
      cleanPendingIds: db.prepare<[number]>('DELETE FROM pending_ids WHERE idx < ?'),
      cleanPendingKeys: db.prepare<[number]>('DELETE FROM pending_keys WHERE idx < ?'),
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
        else if (v.v !== '1' && v.v !== String(SCHEMA_VERSION)) throw new Error(`unknown schema version ${v.v}`);
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
        db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
        this.#openIndex(v?.v === '1');
        this.#startCheckpointer();
      } else if (db.prepare<[], { v: string }>("SELECT v FROM meta WHERE k = 'schema'").get()?.v === '1') {
        throw new Error('log.sqlite has schema 1 (indexes inside it); open the log for writing once to upgrade it');
      } else if (existsSync(this.#indexFile)) {
        this.#index = new (sqlite())(this.#indexFile, { readonly: true, fileMustExist: true });
        if (!indexHasRuns(this.#index)) throw new Error(`${INDEX_FILE} has one B-tree per index (before runs); open the log for writing once to upgrade it`);
        this.#mergedTo = readMergedTo(this.#index) ?? 0;
      }
      db.pragma('cache_size = -65536');
      const s = (this.#stmts = this.prepare());
      if (this.#index !== undefined) this.#indexStmts = indexLookups(this.#index);
      const storeIntegration = (tiles: readonly TileWrite[], state: IntegratedState, cp: PublishedCheckpoint | undefined): void => {
        for (const t of tiles) s.upsertTile.run(t.level, t.index, t.hashes);
        s.writeState.run(state.size, Buffer.concat(state.compactRange));
        if (cp !== undefined) s.insertCheckpoint.run(cp.size, cp.rootHash, cp.note, cp.publishedAt.getTime());
        // Merged pending rows go with the (unsynced) integration, CLEAN_CHUNK at a time so a
        // large merge does not lengthen one commit: if a crash undoes it, they are deleted
        // again; below the watermark they are never read.
        const to = this.#cleanTarget();
        if (this.#cleanedTo < to) {
          s.cleanPendingIds.run(to);
          s.cleanPendingKeys.run(to);
        }
      };
      this.#sequenceTx = db.transaction((items: readonly SequenceItem[], itime: number, fold: FoldIntegration | undefined) => {
        const r = this.#sequenceItems(items, itime);
        const w = fold?.(r.out);
        if (w !== undefined) storeIntegration(w.tiles, w.state, w.checkpoint);
        return { ...r, folded: w !== undefined };
      });
      this.#integrateTx = db.transaction(storeIntegration);
      const max = s.maxEntry.get()?.m;
      this.#size = max === null || max === undefined ? 0 : max + 1;
      if (!this.#readonly) this.#recent = new IdentityFilter();
      this.#loadPending();
      this.#cleanedTo = s.firstPending.get()?.m ?? this.#mergedTo;
      if (!this.#readonly && !this.#indexSettings.worker && this.#index !== undefined) this.#indexed = indexIdentityFilter(this.#index);
      if (!this.#readonly && this.#indexSettings.worker) this.#startIndexer();
      const st = s.readState.get();
      const cp = s.latestCheckpoint.get();
      return {
        sequencedSize: this.#size,
        integrated: st === undefined ? undefined : { size: st.size, compactRange: splitHashes(st.compact) },
        latestCheckpoint: cp === undefined ? undefined : toCheckpoint(cp),
      };
    } catch (err) {
      if (err instanceof LogError) throw err;
      throw storageError('open', err);
    }
  }

  /**
   * Opens (or creates) log-index.sqlite. A schema 1 log kept its indexes in log.sqlite: they are
   * copied over, then dropped there (a crash in between copies again).
   */
  #openIndex(fromSchema1: boolean): void {
    const db = this.#db;
    const created = !existsSync(this.#indexFile);
    const index = (this.#index = new (sqlite())(this.#indexFile));
    configureIndexDb(index, this.#file);
    index.exec(INDEX_SCHEMA);
    upgradeIndexLayout(index);
    if (fromSchema1) {
      index.transaction(() => {
        dropRuns(index);
        const size = (db.prepare<[], { m: number | null }>('SELECT MAX(idx) AS m FROM entries').get()?.m ?? -1) + 1;
        runFromTables(index, 'log', size, false);
        writeMergedTo(index, size);
      })();
      db.transaction(() => {
        db.exec('DROP TABLE identities; DROP TABLE search_keys;');
        db.prepare("UPDATE meta SET v = ? WHERE k = 'schema'").run(String(SCHEMA_VERSION));
      })();
    }
    const merged = readMergedTo(index);
    if (merged === undefined) {
      // A new index: right for a new log, and for one whose every entry is still pending.
      const first = db.prepare<[], { m: number | null }>('SELECT MIN(idx) AS m FROM pending_ids').get()?.m;
      const any = db.prepare<[], { m: number | null }>('SELECT MAX(idx) AS m FROM entries').get()?.m;
      if (any !== null && any !== undefined && first !== 0) {
        throw new LogError('ERR_LOG_CORRUPT', `${created ? `${INDEX_FILE} is missing` : `${INDEX_FILE} has no watermark`}: the merged identities and search keys of this log are gone`);
      }
      writeMergedTo(index, 0);
    }
    this.#mergedTo = readMergedTo(index) ?? 0;
  }

  /** Rebuilds the in-memory pending index from the pending rows at or above the watermark. */
  #loadPending(): void {
    const s = this.#s;
    const from = this.#mergedTo;
    const keys = s.pendingKeys.all(from);
    let k = 0;
    for (const r of s.pendingIds.all(from)) {
      const ks: string[] = [];
      while (k < keys.length && keys[k]!.idx < r.idx) k++;
      for (; k < keys.length && keys[k]!.idx === r.idx; k++) ks.push(keys[k]!.k);
      this.#pending.add(r.idx, identityKey(r.identity), ks);
      this.#recent?.add(r.identity);
    }
  }

  get #s() {
    if (this.#stmts === undefined) throw new LogError('ERR_LOG_STORAGE', 'sqlite: driver used before open()');
    return this.#stmts;
  }

  /** Index of a stored identity: pending (in memory), earlier in this batch, or merged. */
  #findIdentity(id: Buffer, key: string, batch: Map<string, number> | undefined): number | undefined {
    if (this.#indexed?.mayContain(id) === false && this.#recent?.mayContain(id) === false) return undefined;
    return batch?.get(key) ?? this.#pending.identity(key) ?? this.#indexStmts?.findIdentity(id);
  }

  #sequenceItems(items: readonly SequenceItem[], itime: number) {
    const s = this.#s;
    const out: SequenceOutcome[] = new Array(items.length);
    const added: [number, string, readonly string[]][] = [];
    let batch: Map<string, number> | undefined;
    let next = this.#size;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const id = Buffer.from(item.identity.buffer, item.identity.byteOffset, item.identity.byteLength);
      const key = identityKey(id);
      const found = this.#findIdentity(id, key, batch);
      if (found !== undefined) {
        out[i] = { index: found, integratedTime: found >= this.#size ? itime : s.entryTime.get(found)!.itime, duplicate: true };
        continue;
      }
      const index = next++;
      s.insertEntry.run(index, Buffer.from(item.leaf.buffer, item.leaf.byteOffset, item.leaf.byteLength), itime);
      s.insertPendingId.run(index, id);
      for (const k of item.indexKeys) s.insertPendingKey.run(index, k);
      (batch ??= new Map()).set(key, index);
      this.#recent?.add(id);
      added.push([index, key, item.indexKeys]);
      out[i] = { index, integratedTime: itime, duplicate: false };
    }
    return { out, added };
  }

  async sequence(items: readonly SequenceItem[], integratedTime: number, fold?: FoldIntegration): Promise<SequenceOutcome[]> {
    let r;
    const cleaning = this.#cleanTarget();
    try {
      // With `fold`, one FULL commit makes the entries and their integration (and a due
      // checkpoint) durable together.
      r = this.#sequenceTx!(items, integratedTime, fold);
    } catch (err) {
      throw storageError('sequence', err);
    }
    // Committed: only now do the new identities and keys join the pending index.
    if (r.folded) this.#cleanedTo = Math.max(this.#cleanedTo, cleaning);
    for (const [index, key, keys] of r.added) this.#pending.add(index, key, keys);
    this.#size += r.added.length;
    if (this.#pending.size >= this.#indexSettings.inlineLimit) this.#mergeInline();
    return r.out;
  }

  /** The safety net for an indexer that died or cannot keep up: merge here, now. */
  #mergeInline(): void {
    const index = this.#index;
    if (index === undefined) return;
    try {
      const merger = indexMerger(index);
      let to = this.#mergedTo;
      for (let prev = -1; prev !== to && this.#pending.size > 0; ) {
        prev = to;
        to = merger.merge(MERGE_LIMIT);
        this.#merged(to);
      }
    } catch {
      // Busy (the indexer is merging): the pending index keeps answering; retried next commit.
    }
  }

  async readEntries(start: number, end: number): Promise<LogEntry[]> {
    try {
      return this.#s.readEntries.all(start, end).map((r) => ({ index: r.idx, leaf: r.leaf, integratedTime: r.itime }));
    } catch (err) {
      throw storageError('readEntries', err);
    }
  }

  async integrate(tiles: readonly TileWrite[], state: IntegratedState, checkpoint?: PublishedCheckpoint): Promise<void> {
    try {
      // Tiles are derived data (docs/log-storage.md rule 13): without a checkpoint, commit
      // without an fsync of its own. In WAL mode the next FULL commit (a sequenced batch or a
      // checkpoint) fsyncs the WAL up to and including this transaction, so a stored checkpoint
      // never outlives the tiles it covers; losing only the latest integration means recovery
      // redoes it from entries. With a checkpoint the commit is FULL, like storeCheckpoint's.
      const cleaning = this.#cleanTarget();
      if (checkpoint !== undefined) {
        this.#integrateTx!(tiles, state, checkpoint);
      } else {
        this.#db.pragma('synchronous = NORMAL');
        try {
          this.#integrateTx!(tiles, state, undefined);
        } finally {
          this.#db.pragma('synchronous = FULL');
        }
      }
      this.#cleanedTo = Math.max(this.#cleanedTo, cleaning);
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
      const id = Buffer.from(identity.buffer, identity.byteOffset, identity.byteLength);
      return this.#findIdentity(id, identityKey(id), undefined);
    } catch (err) {
      throw storageError('findByIdentity', err);
    }
  }

  async search(indexKey: string, limit: number): Promise<number[]> {
    try {
      // Merged indexes are all below the watermark and the pending ones all at or above it.
      const merged = this.#indexStmts?.search(indexKey, this.#mergedTo, limit) ?? [];
      return merged.length >= limit ? merged : merged.concat(this.#pending.search(indexKey, limit - merged.length));
    } catch (err) {
      throw storageError('search', err);
    }
  }

  async close(): Promise<void> {
    // Let a running merge or checkpoint finish and the workers close their connections before
    // ours close (the last connection to close a database checkpoints it and removes its WAL).
    const workers = [this.#indexer, this.#checkpointer];
    this.#indexer = this.#checkpointer = undefined;
    await Promise.all(workers.map(async (m) => {
      if (m === undefined) return;
      m.worker.postMessage('close');
      const timer = setTimeout(() => void m.worker.terminate(), 5000);
      await m.exited;
      clearTimeout(timer);
    }));
    if (this.#index?.open === true) this.#index.close();
    if (this.#db.open) this.#db.close();
  }
}
