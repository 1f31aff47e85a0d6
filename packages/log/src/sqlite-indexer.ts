// The SQLite driver's indexer: a worker thread that merges the pending identities and search
// keys of log.sqlite into log-index.sqlite (sqlite-index.ts), off the engine's thread, after
// reading the merged identities into a filter for the engine (identity-filter.ts). It merges
// when enough rows wait or when the oldest has waited long enough and tells the engine each
// new watermark; between merges it compacts the index's runs, a paced step at a time.
//
// It never writes log.sqlite, so it never holds a lock the sequencer waits on. Not fatal when
// it fails: the engine merges by itself once too many rows are pending.
import { parentPort, workerData } from 'node:worker_threads';
import { openMaintenanceDb, runMaintenanceLoop } from './sqlite-worker-loop.js';
import { configureIndexDb, IndexCompactor, indexIdentityFilter, indexMerger } from './sqlite-index.js';

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
  /** Rows a compaction step copies, about (an equal share from each of its sources). */
  compactionChunk: number;
}

const data = workerData as IndexerData;
const db = openMaintenanceDb(data.module, data.indexFile);
configureIndexDb(db, data.logFile);
const merger = indexMerger(db);
const compactor = new IndexCompactor(db, data.compactionChunk);

// First, the filter of the identities merged so far (the engine checks new identities against
// it instead of the index; see identity-filter.ts). Without it the engine keeps looking up.
try {
  const parts = indexIdentityFilter(db).parts();
  parentPort?.postMessage({ identities: parts }, parts.map((p) => p.words.buffer as ArrayBuffer));
} catch {
  // no filter: lookups go to the index
}

let last = performance.now();
// An error (SQLITE_BUSY when the engine merged at the same time) is reported; the next tick retries.
runMaintenanceLoop(db, data.intervalMs, () => {
  const pending = merger.pending();
  if (pending > 0 && (pending >= data.minBatch || performance.now() - last >= data.maxDelayMs)) {
    const to = merger.merge(data.limit);
    last = performance.now();
    parentPort?.postMessage({ merged: to });
    return pending > data.limit;
  }
  // Between merges, compaction steps for a tenth of the time (half once runs pile up): spread
  // thin, a compaction of millions of rows takes the other threads' cores a little at a time.
  const until = performance.now() + data.intervalMs * (compactor.behind() ? 0.5 : 0.1);
  while (performance.now() < until && compactor.step());
  return false;
});
