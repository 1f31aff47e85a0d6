// The loop both SQLite maintenance threads run (sqlite-checkpointer.ts, sqlite-indexer.ts).
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Opens an existing database file with the binding module the owner chose (sqlite-driver.ts). */
export function openMaintenanceDb(module: string, file: string): Database.Database {
  const Sqlite = createRequire(import.meta.url)(module) as typeof Database;
  return new Sqlite(file, { fileMustExist: true });
}

/**
 * Calls `work` every `intervalMs` until the owner posts `'close'`, then closes `db` and the
 * port. An error thrown by `work` is reported to the owner (`{ error }`) and the loop goes on:
 * the owner has a fallback for work this thread fails to do. `work` may return true to run
 * again at once (more is waiting).
 */
export function runMaintenanceLoop(db: Database.Database, intervalMs: number, work: () => boolean | void): void {
  let stopped = false;
  const step = (): void => {
    if (stopped) return;
    try {
      if (work() === true) setImmediate(step);
    } catch (err) {
      parentPort?.postMessage({ error: (err as Error)?.message ?? String(err) });
    }
  };
  const timer = setInterval(step, intervalMs);
  parentPort?.on('message', (m: unknown) => {
    if (m !== 'close') return;
    stopped = true;
    clearInterval(timer);
    db.close();
    parentPort?.close();
  });
}
