// Messages between a worker-mode log (worker-log.ts, the opening thread) and its engine thread
// (log-worker.ts). Byte payloads travel as fresh, transferred ArrayBuffers.
import type { MessagePort } from 'node:worker_threads';
import type { NoteSigningKey } from '@signet/merkle';
import type { LogStats } from './types.js';

/** What the engine thread is started with. */
export interface WorkerLogData {
  dataDir: string;
  origin: string;
  batchSize: number | undefined;
  batchDelayMs: number | undefined;
  checkpointIntervalMs: number | undefined;
  maxPending: number | undefined;
  /** The opening thread's clock at start (ms). */
  now: number;
  /** Most entries newly covered by a checkpoint whose proofs are sent with it. */
  proofBatchLimit: number;
  /**
   * The signers' keys, when the engine thread signs checkpoints itself (every signer made by
   * `noteSignerFromPrivateKey`, no witnesses, the real clock); else checkpoints are signed by
   * the opening thread on request.
   */
  signingKeys: NoteSigningKey[] | undefined;
}

/** An error as it crosses threads. */
export interface SerializedError {
  name: string;
  code: string | undefined;
  message: string;
  retryAfterSeconds: number | undefined;
}

/** A checkpoint as it crosses threads. */
export interface WireCheckpoint {
  size: number;
  rootHash: Uint8Array;
  note: string;
  publishedAt: number;
}

export type ToWorker =
  /**
   * Appends `keyCounts.length` entries numbered from `firstId`: `buf` holds leaf then identity of
   * each, with their lengths in `lens` (two per entry); `keys` their index keys, NUL-separated,
   * `keyCounts[i]` for entry i. `now`: the opening thread's clock (ms).
   */
  | { t: 'append'; firstId: number; now: number; buf: ArrayBuffer; lens: Uint32Array; keyCounts: Uint8Array; keys: string }
  | { t: 'signed'; id: number; note?: string; publishedAt?: number; error?: string }
  | { t: 'call'; id: number; m: string; a: unknown[] }
  /** Opening thread only: serve another client (a front in another thread) on `port`. */
  | { t: 'attach'; port: MessagePort }
  /** An attached client is done: answer its outstanding appends, then say `closed` and let go of the port. */
  | { t: 'detach' }
  /** Opening thread only: drain, publish and close the engine. */
  | { t: 'close' };

export type FromWorker =
  | { t: 'ready'; origin: string; cp: WireCheckpoint; stats: LogStats }
  | { t: 'openError'; e: SerializedError }
  /** Outcomes: `ok` holds (id, index, integratedTime, duplicate 0/1) quadruples. */
  | { t: 'appended'; ok: Float64Array; errs: [number, SerializedError][]; stats: LogStats }
  | { t: 'sign'; id: number; size: number; rootHash: Uint8Array }
  /** A published checkpoint; `proofs`: inclusion proofs of entries `from…size-1` against it (`counts[i]` hashes each). */
  | { t: 'published'; cp: WireCheckpoint; stats: LogStats; proofs?: { from: number; counts: Uint8Array; hashes: Uint8Array } }
  | { t: 'result'; id: number; v?: unknown; e?: SerializedError }
  | { t: 'error'; e: SerializedError }
  | { t: 'closed'; stats: LogStats };
