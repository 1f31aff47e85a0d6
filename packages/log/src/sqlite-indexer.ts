// The SQLite driver's indexer: a worker thread that merges the pending identities and search
// keys of log.sqlite into log-index.sqlite (sqlite-index.ts), off the engine's thread. It merges
// when enough rows wait (a large sorted batch shares B-tree pages between keys) or when the
// oldest has waited long enough, and tells the engine each new watermark.
//
// It never writes log.sqlite, so it never holds a lock the sequencer waits on. Not fatal when
// it fails: the engine merges by itself once too many rows are pending.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { configureIndexDb, indexMerger } from './sqlite-index.js';

export interface IndexerData {
  indexFile: string;
  logFile: string;
  module: string;
  /** How often to look at the pending count (ms). */
  intervalMs: number;
  /** Merge as soon as this many entries are pending. */
  minBatch: number;
  /** Merge whatever is pending once this long has passed since the last merge (ms). */
  maxDelayMs: number;
  /** Most entries one merge transaction moves. */
  limit: number;
}

const data = workerData as IndexerData;
const Sqlite = createRequire(import.meta.url)(data.module) as typeof Database;
const db = new Sqlite(data.indexFile, { fileMustExist: true });
configureIndexDb(db, data.logFile);
const merger = indexMerger(db);

let stopped = false;
let last = performance.now();
function tick(): void {
  if (stopped) return;
  try {
    const pending = merger.pending();
    if (pending === 0 || (pending < data.minBatch && performance.now() - last < data.maxDelayMs)) return;
    const to = merger.merge(data.limit);
    last = performance.now();
    parentPort?.postMessage({ merged: to });
    if (pending > data.limit) setImmediate(tick);
  } catch (err) {
    // SQLITE_BUSY when the engine merged at the same time: the next tick retries.
    parentPort?.postMessage({ error: (err as Error)?.message ?? String(err) });
  }
}
const timer = setInterval(tick, data.intervalMs);
parentPort?.on('message', (m: unknown) => {
  if (m !== 'close') return;
  stopped = true;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
