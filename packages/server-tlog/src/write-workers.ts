import type { KeyObject } from 'node:crypto';
import { Worker, type MessagePort } from 'node:worker_threads';
import { CoreError, SignetError } from '@signet/core';
import { LogError, logPort, type TransparencyLog } from '@signet/log';
import { TLogServerError, type TLogServerErrorCode } from './errors.js';
import type { LogKeys } from './log-keys.js';

/** Which API an entry is submitted to. */
export type EntryApi = 'v1' | 'v2';

/** A created (or duplicate) entry as the HTTP answer: status, headers and the JSON body. */
export interface EncodedEntry {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** What a write worker starts with (see write-worker.ts). */
export interface WriteWorkerData {
  origin: string;
  noteKey: KeyObject;
  setKey: KeyObject;
  checkpointTimeoutMs: number;
  port: MessagePort;
}

/**
 * Jobs of one turn, flat like `WriteResults`: request bodies back to back in `bodies` (transferred),
 * `lens[i]` bytes each, and `v2[i]` 1 for `/api/v2` (else v1).
 */
export interface WriteJobs {
  ids: Float64Array;
  v2: Uint8Array;
  lens: Uint32Array;
  bodies: ArrayBuffer;
}

/** An error as it crosses threads. */
export interface WireError {
  name: string;
  code: string;
  message: string;
  retryAfterSeconds: number | undefined;
}

/**
 * Outcomes of one turn, flat (a structured clone of one object per answer, each with a headers
 * object, cost the worker and the HTTP thread more than the rest of the hand-over): answers in
 * `ids`/`statuses`/`lens` with their bodies back to back in `bodies` (transferred) and their
 * headers, `counts[i]` name and value pairs each, as lines of `heads` (the values are the
 * server's own and never hold a line break); failures in `errors`.
 */
export interface WriteResults {
  ids: Float64Array;
  statuses: Uint16Array;
  lens: Uint32Array;
  counts: Uint8Array;
  bodies: ArrayBuffer;
  heads: string;
  errors: [number, WireError][];
}

/** `parts` back to back in one fresh (transferable) buffer, with their lengths. */
export function packBodies(parts: readonly Uint8Array[]): { bodies: ArrayBuffer; lens: Uint32Array } {
  const lens = new Uint32Array(parts.length);
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += lens[i] = parts[i]!.length;
  const bodies = new ArrayBuffer(total);
  const all = new Uint8Array(bodies);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return { bodies, lens };
}

/** The parts `packBodies` packed, as views over its buffer. */
export function unpackBodies(bodies: ArrayBuffer, lens: Uint32Array): Buffer[] {
  const all = Buffer.from(bodies);
  const out: Buffer[] = new Array(lens.length);
  let off = 0;
  for (let i = 0; i < lens.length; i++) {
    out[i] = all.subarray(off, off + lens[i]!);
    off += lens[i]!;
  }
  return out;
}

/** Packs answers (and failures) of one turn into `WriteResults` and its transfer list. */
export function packResults(answers: readonly { id: number; entry: EncodedEntry }[], errors: [number, WireError][]): { results: WriteResults; transfer: ArrayBuffer[] } {
  const n = answers.length;
  const ids = new Float64Array(n);
  const statuses = new Uint16Array(n);
  const counts = new Uint8Array(n);
  const heads: string[] = [];
  const { bodies, lens } = packBodies(answers.map((a) => a.entry.body));
  for (let i = 0; i < n; i++) {
    const { id, entry } = answers[i]!;
    ids[i] = id;
    statuses[i] = entry.status;
    let c = 0;
    for (const k in entry.headers) {
      const v = entry.headers[k]!;
      if (k.includes('\n') || v.includes('\n')) throw new Error(`header ${k} holds a line break`);
      heads.push(k, v);
      c++;
    }
    counts[i] = c;
  }
  return { results: { ids, statuses, lens, counts, bodies, heads: heads.join('\n'), errors }, transfer: [bodies, ids.buffer as ArrayBuffer, statuses.buffer as ArrayBuffer, lens.buffer as ArrayBuffer, counts.buffer as ArrayBuffer] };
}

/** An error as a write worker sends it back. */
export function toWireError(err: unknown): WireError {
  if (err instanceof SignetError) {
    return { name: err.name, code: err.code, message: err.message, retryAfterSeconds: err instanceof LogError ? err.retryAfterSeconds : undefined };
  }
  return { name: 'Error', code: 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err), retryAfterSeconds: undefined };
}

/** Rebuilds the error a worker raised: same class (for the codes the write path raises) and code. */
function reviveError(e: WireError): Error {
  if (e.name === 'TLogServerError') return new TLogServerError(e.code as TLogServerErrorCode, e.message);
  if (e.name === 'LogError') return new LogError(e.code as LogError['code'], e.message, e.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: e.retryAfterSeconds });
  if (e.name === 'CoreError') return new CoreError(e.code as ConstructorParameters<typeof CoreError>[0], e.message);
  if (e.code.startsWith('ERR_') && e.name !== 'Error') return new SignetError(e.code, e.message);
  return new Error(`write worker: ${e.message}`);
}

interface Pending {
  resolve: (v: EncodedEntry) => void;
  reject: (e: unknown) => void;
  slot: Slot;
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

/** Most requests in one message to a worker. */
const MAX_CHUNK = 64;

/**
 * Worker threads that run the whole write path of `POST /api/v{1,2}/log/entries` — JSON
 * parsing, validation, signature verification, canonicalization, the append, the SET, the
 * checkpoint wait and the answer's JSON — each on its own `TLogService` over the same log (an
 * attached front, `logPort`), talking to the log's engine thread directly. The HTTP thread only
 * moves request bytes in and answer bytes out, a few in one message per event-loop turn, so it
 * stays free to parse and write HTTP while verification and storage run on the other cores.
 */
export class WriteWorkers {
  readonly #slots: Slot[];
  readonly #pending = new Map<number, Pending>();
  #queue: { id: number; api: EntryApi; body: Uint8Array }[] = [];
  #scheduled = false;
  #nextId = 1;
  #next = 0;
  #closed = false;
  readonly #spawn: () => Slot;

  constructor(size: number, log: TransparencyLog, keys: LogKeys, checkpointTimeoutMs: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('a write worker pool needs at least one worker');
    this.#spawn = () => {
      const port = logPort(log);
      const data: WriteWorkerData = { origin: keys.origin, noteKey: keys.noteKey, setKey: keys.setKey, checkpointTimeoutMs, port };
      const worker = new Worker(new URL('./write-worker.js', import.meta.url), { workerData: data, transferList: [port] });
      const slot: Slot = { worker, inFlight: 0 };
      worker.unref();
      worker.on('message', (results: WriteResults) => this.#onResults(slot, results));
      const fail = (err: unknown): void => this.#failSlot(slot, err);
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`write worker exited with code ${code}`)));
      return slot;
    };
    this.#slots = Array.from({ length: size }, this.#spawn);
  }

  #onResults(slot: Slot, results: WriteResults): void {
    const { ids, statuses, counts, heads, errors } = results;
    const bodies = unpackBodies(results.bodies, results.lens);
    const lines = heads.split('\n');
    let line = 0;
    for (let i = 0; i < ids.length; i++) {
      const headers: Record<string, string> = {};
      for (let k = 0; k < counts[i]!; k++, line += 2) headers[lines[line]!] = lines[line + 1]!;
      const p = this.#pending.get(ids[i]!);
      if (!p) continue;
      this.#pending.delete(ids[i]!);
      p.resolve({ status: statuses[i]!, headers, body: bodies[i]! });
    }
    for (const [id, e] of errors) {
      const p = this.#pending.get(id);
      if (!p) continue;
      this.#pending.delete(id);
      p.reject(reviveError(e));
    }
    slot.inFlight -= ids.length + errors.length;
    if (slot.inFlight === 0) slot.worker.unref();
  }

  /** A dead worker fails its requests (500) and is replaced; it never takes the server down. */
  #failSlot(slot: Slot, err: unknown): void {
    for (const [id, p] of this.#pending) {
      if (p.slot !== slot) continue;
      this.#pending.delete(id);
      p.reject(err instanceof Error ? err : new Error(String(err)));
    }
    slot.inFlight = 0;
    const i = this.#slots.indexOf(slot);
    if (i < 0 || this.#closed) return;
    try {
      this.#slots[i] = this.#spawn();
    } catch {
      // The log is closed: nothing can be written any more; the slot stays dead.
    }
  }

  /** Runs one create-entry request (the raw JSON body) on a worker. */
  create(api: EntryApi, body: Uint8Array): Promise<EncodedEntry> {
    if (this.#closed) return Promise.reject(new LogError('ERR_LOG_CLOSED', 'the log is closing'));
    const id = this.#nextId++;
    return new Promise<EncodedEntry>((resolve, reject) => {
      this.#queue.push({ id, api, body });
      this.#pending.set(id, { resolve, reject, slot: undefined as unknown as Slot });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Requests parsed in one turn of the event loop go to the workers together.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const jobs = this.#queue;
    this.#queue = [];
    if (jobs.length === 0 || this.#closed) return;
    // Round robin in small chunks, so that every worker verifies while the others do.
    const n = this.#slots.length;
    const per = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(jobs.length / n)));
    for (let i = 0; i < jobs.length; i += per) {
      const slot = this.#slots[this.#next++ % n]!;
      const part = jobs.slice(i, i + per);
      const ids = new Float64Array(part.length);
      const v2 = new Uint8Array(part.length);
      const { bodies, lens } = packBodies(part.map((j) => j.body));
      part.forEach((j, k) => {
        ids[k] = j.id;
        v2[k] = j.api === 'v2' ? 1 : 0;
        this.#pending.get(j.id)!.slot = slot;
      });
      if (slot.inFlight === 0) slot.worker.ref();
      slot.inFlight += part.length;
      const msg: WriteJobs = { ids, v2, lens, bodies };
      slot.worker.postMessage(msg, [bodies, ids.buffer as ArrayBuffer, v2.buffer as ArrayBuffer, lens.buffer as ArrayBuffer]);
    }
  }

  /** Ends the workers; requests still queued or running fail with `ERR_LOG_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new LogError('ERR_LOG_CLOSED', 'the log is closing');
    for (const p of this.#pending.values()) p.reject(closed);
    this.#pending.clear();
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
