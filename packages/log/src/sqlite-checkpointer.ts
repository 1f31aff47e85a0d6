// The SQLite driver's WAL checkpointer: a worker thread with its own connection that copies
// committed WAL frames into the database file, so that the sequencer's commits (on the engine's
// thread) only append to the WAL and fsync it. With SQLite's automatic checkpoint the commit
// that crosses the threshold copies the whole WAL and fsyncs the database file itself, which
// at 1M entries (random inserts into the identity and search-key indexes) stalled one batch in
// a few for hundreds of milliseconds (docs/log-storage.md, "Checkpoints").
//
// PASSIVE checkpoints never block the writer and never take a lock a writer waits on; SQLite's
// checkpoint is crash-safe by design (the WAL stays authoritative until the writer restarts it).
import { workerData } from 'node:worker_threads';
import { openMaintenanceDb, runMaintenanceLoop } from './sqlite-worker-loop.js';

interface CheckpointerData {
  file: string;
  module: string;
  intervalMs: number;
}

const data = workerData as CheckpointerData;
const db = openMaintenanceDb(data.module, data.file);
db.pragma('busy_timeout = 5000');
// FULL: the database file is fsynced after each checkpoint, before the WAL may be restarted.
db.pragma('synchronous = FULL');
db.pragma('wal_autocheckpoint = 0');

runMaintenanceLoop(db, data.intervalMs, () => {
  db.pragma('wal_checkpoint(PASSIVE)');
});
