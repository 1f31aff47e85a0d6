import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { CoreError, SignetError } from '@signet/core';
import { TLogServerError, type TLogServerErrorCode } from './errors.js';

/** A job for an entry worker: canonicalize a v1 proposal or v2 request, or sign a SET. */
export type WorkerJob =
  | { t: 'v1' | 'v2'; id: number; p: unknown }
  | { t: 'set'; id: number; body: string; integratedTime: number; logIndex: number };

/** A job as handed to `EntryWorkers.run` (the pool numbers it). */
export type WorkerJobInput = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

/** A canonicalized entry as a worker returns it (the leaf hash computed there too). */
export interface WorkerEntry {
  kind: string;
  apiVersion: string;
  body: Uint8Array;
  indexKeys: string[];
  leafHash: Uint8Array;
}

/** A job's outcome: a value, or the SignetError it raised (name, code, message). */
export type WorkerResult =
  | { id: number; ok: true; v: WorkerEntry | Uint8Array }
  | { id: number; ok: false; e: { name: string; code: string; message: string } };

/** Most jobs in one message to a worker (~2 ms of P-256 verification). */
const MAX_CHUNK = 16;

interface Pending {
  resolve: (v: never) => void;
  reject: (e: unknown) => void;
  worker: Slot;
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

/** Rebuilds the error a worker raised, same class (for the codes the entry code raises) and code. */
function reviveError(e: { name: string; code: string; message: string }): Error {
  if (e.name === 'TLogServerError') return new TLogServerError(e.code as TLogServerErrorCode, e.message);
  if (e.name === 'CoreError') return new CoreError(e.code as ConstructorParameters<typeof CoreError>[0], e.message);
  if (e.code.startsWith('ERR_') && e.name !== 'Error') return new SignetError(e.code, e.message);
  return new Error(`entry worker: ${e.message}`);
}

/**
 * A small pool of worker threads that canonicalize proposed entries (the same validation and
 * signature verification as on the event loop: `canonicalizeProposedEntry`,
 * `canonicalizeCreateEntryRequest`) and sign SETs. Jobs arriving in one turn of the event loop
 * go to a worker as one message, so the per-entry cost on the event loop is a few microseconds
 * while verification (~100 µs for P-256 on OpenSSL 3.0) runs on another core. Workers hold no
 * state but the SET key; they are unref'd while idle, so they never keep a process alive.
 */
export class EntryWorkers {
  readonly #slots: Slot[];
  readonly #pending = new Map<number, Pending>();
  #queue: WorkerJob[] = [];
  #scheduled = false;
  #nextId = 1;
  #next = 0;
  #closed = false;

  constructor(size: number, setKey: KeyObject, logIdHex: string) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('an entry worker pool needs at least one worker');
    this.#slots = Array.from({ length: size }, () => this.#spawn(setKey, logIdHex));
  }

  #spawn(setKey: KeyObject, logIdHex: string): Slot {
    const worker = new Worker(new URL('./entry-worker.js', import.meta.url), { workerData: { setKey, logIdHex } });
    const slot: Slot = { worker, inFlight: 0 };
    worker.unref();
    worker.on('message', (results: WorkerResult[]) => {
      for (const r of results) {
        const p = this.#pending.get(r.id);
        if (!p) continue;
        this.#pending.delete(r.id);
        if (r.ok) p.resolve(r.v as never);
        else p.reject(reviveError(r.e));
      }
      slot.inFlight -= results.length;
      if (slot.inFlight === 0) worker.unref();
    });
    const fail = (err: unknown): void => {
      // A dead worker fails its jobs (500) and is replaced; it never takes the server down.
      for (const [id, p] of this.#pending) {
        if (p.worker !== slot) continue;
        this.#pending.delete(id);
        p.reject(err instanceof Error ? err : new Error(String(err)));
      }
      slot.inFlight = 0;
      const i = this.#slots.indexOf(slot);
      if (i >= 0 && !this.#closed) this.#slots[i] = this.#spawn(setKey, logIdHex);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`entry worker exited with code ${code}`)));
    return slot;
  }

  /** Queues a job; jobs of one event-loop turn are posted together. */
  run<T extends WorkerEntry | Uint8Array>(job: WorkerJobInput): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('entry workers are closed'));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ ...job, id } as WorkerJob);
      this.#pending.set(id, { resolve: resolve as (v: never) => void, reject, worker: undefined as unknown as Slot });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0 || this.#closed) return;
    // Small chunks, round robin: results flow back (and entries on to the sequencer) while the
    // rest of the turn's jobs are still being verified, instead of in one convoy per turn.
    const n = this.#slots.length;
    const per = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(jobs.length / n)));
    for (let i = 0; i < jobs.length; i += per) {
      const slot = this.#slots[this.#next++ % n]!;
      const part = jobs.slice(i, i + per);
      for (const j of part) this.#pending.get(j.id)!.worker = slot;
      if (slot.inFlight === 0) slot.worker.ref();
      slot.inFlight += part.length;
      slot.worker.postMessage(part);
    }
  }

  /** Terminates the workers; queued and running jobs fail. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new Error('entry workers are closed');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
