import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { noteSigningKeyOf, type NoteSigningKey } from '@signet/merkle';
import { LogError, admissionError, checkInteger } from './errors.js';
import { CheckpointWaiters } from './checkpoint-waiters.js';
import { signCheckpoint, toSequenceItem } from './log.js';
import type {
  AppendRequest,
  AppendResult,
  LogEntry,
  LogOptions,
  LogStats,
  PublishedCheckpoint,
  SequenceItem,
  TransparencyLog,
  WitnessHook,
} from './types.js';
import type { FromWorker, SerializedError, ToWorker, WireCheckpoint, WorkerLogData } from './worker-protocol.js';

const HASH_SIZE = 32;
/** Checkpoints whose pushed proofs are kept (a waiter asks for its proof right after release). */
const PROOF_SETS = 2;
/** Most entries newly covered by one checkpoint whose proofs the engine thread pushes. */
const PROOF_BATCH_LIMIT = 16_384;

function revive(e: SerializedError): Error {
  if (e.name === 'LogError' && e.code !== undefined) {
    return new LogError(e.code as LogError['code'], e.message, e.retryAfterSeconds === undefined ? undefined : { retryAfterSeconds: e.retryAfterSeconds });
  }
  if (e.name === 'TypeError') return new TypeError(e.message);
  if (e.name === 'RangeError') return new RangeError(e.message);
  return new LogError('ERR_LOG_STORAGE', `log worker: ${e.message}`);
}

/**
 * The signers' keys when the engine thread can sign checkpoints itself: every signer came from
 * `noteSignerFromPrivateKey`, no witness must cosign (a hook cannot cross threads), and the clock
 * is the real one (the engine stamps `publishedAt`). A checkpoint then costs no round trip
 * through this thread, which may be busy (an HTTP server's event loop): under load that wait
 * was most of the time from integration to publication.
 */
function portableSigningKeys(options: LogOptions): NoteSigningKey[] | undefined {
  if (options.clock !== undefined || (options.witnesses?.length ?? 0) > 0) return undefined;
  const keys = options.signers.map((s) => noteSigningKeyOf(s));
  return keys.every((k) => k !== undefined) && keys.length > 0 ? (keys as NoteSigningKey[]) : undefined;
}

const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function fromWire(cp: WireCheckpoint): PublishedCheckpoint {
  return { size: cp.size, rootHash: buf(cp.rootHash), note: cp.note, publishedAt: new Date(cp.publishedAt) };
}

function splitHashes(u: Uint8Array): Buffer[] {
  const b = buf(u);
  const out: Buffer[] = [];
  for (let off = 0; off < b.length; off += HASH_SIZE) out.push(b.subarray(off, off + HASH_SIZE));
  return out;
}

/**
 * Opens the log with its engine in a worker thread (log-worker.ts). This thread validates
 * appends, sends those of one event-loop turn in one message, signs checkpoints on request
 * (unless the engine thread got the signers' keys, see `portableSigningKeys`), keeps the latest
 * published checkpoint (so `checkpoint()` and `awaitCheckpoint` are local) and the inclusion
 * proofs pushed with it; everything else is one message round trip.
 * @internal Use `openLog({ thread: 'worker' })`.
 */
export async function openWorkerLog(options: LogOptions): Promise<TransparencyLog> {
  const log = new WorkerLog(options);
  await log.ready;
  return log;
}

/**
 * A port through which another thread can use `log` (hand it to `attachLog` there, moving it
 * in the transfer list): appends, proofs and checkpoint waits are answered by the engine thread
 * directly, without passing through this thread. Closing `log` closes every attached front.
 * @throws TypeError unless `log` was opened with `thread: 'worker'`
 */
export function logPort(log: TransparencyLog): MessagePort {
  if (!WorkerLog.isShareable(log)) throw new TypeError("only an open log opened with thread: 'worker' can be shared with other threads");
  return (log as WorkerLog).share();
}

/** Whether `logPort` can share `log` (it was opened with `thread: 'worker'` and is open). */
export function canShareLog(log: TransparencyLog): boolean {
  return WorkerLog.isShareable(log);
}

/**
 * The log behind `port` (from `logPort` in the opening thread), for use in this thread. It
 * neither signs checkpoints nor owns storage: `close()` only detaches (after its appends are
 * answered); the opening thread closes the log.
 * @throws LogError `ERR_LOG_CLOSED` when the log is closed or closes before it is ready
 */
export async function attachLog(port: MessagePort, options: { maxPending?: number } = {}): Promise<TransparencyLog> {
  const log = new WorkerLog({ origin: '', signers: [], ...options }, port);
  await log.ready;
  return log;
}

class WorkerLog implements TransparencyLog {
  #origin: string;
  readonly ready: Promise<void>;
  /** The engine thread (opening thread), or undefined for an attached front. */
  readonly #worker: Worker | undefined;
  /** The port to the engine of an attached front. */
  readonly #port: MessagePort | undefined;
  readonly #signers: LogOptions['signers'];
  readonly #witnesses: readonly WitnessHook[];
  readonly #witnessTimeoutMs: number;
  readonly #maxPending: number;
  readonly #clock: () => Date;
  readonly #onError: (err: LogError) => void;

  #nextId = 1;
  #nextCall = 1;
  /** Appends sent (or about to be) and not answered yet, by id. */
  readonly #appends = new Map<number, { resolve: (r: AppendResult) => void; reject: (e: unknown) => void }>();
  #outbox: { id: number; item: SequenceItem }[] = [];
  #flushQueued = false;
  readonly #calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #published: PublishedCheckpoint | undefined;
  #stats: LogStats = { pending: 0, sequenced: 0, integrated: 0, published: 0 };
  #sequenced = 0;
  readonly #waiters = new CheckpointWaiters();
  /** Pushed inclusion proofs per checkpoint size: entries from `from`, `counts[i]` hashes at `offsets[i]`. */
  readonly #proofs = new Map<number, { from: number; offsets: Uint32Array; counts: Uint8Array; hashes: Buffer }>();
  #closed = false;
  #closing: Promise<void> | undefined;
  #shutDown = false;
  #exited = false;
  #onReady!: { resolve: () => void; reject: (e: unknown) => void };
  #onClosed: (() => void) | undefined;
  readonly #exit: Promise<void>;

  constructor(options: LogOptions, attachTo?: MessagePort) {
    this.#origin = options.origin;
    this.#signers = [...options.signers];
    this.#witnesses = [...(options.witnesses ?? [])];
    this.#witnessTimeoutMs = options.witnessTimeoutMs ?? 1000;
    if (!Number.isSafeInteger(this.#witnessTimeoutMs) || this.#witnessTimeoutMs < 1) throw new TypeError('witnessTimeoutMs must be a positive integer');
    this.#maxPending = options.maxPending ?? 65536;
    if (!Number.isSafeInteger(this.#maxPending) || this.#maxPending < 1) throw new TypeError('maxPending must be a positive integer');
    this.#clock = options.clock ?? (() => new Date());
    this.#onError = options.onError ?? (() => undefined);
    const data: WorkerLogData = {
      dataDir: options.dataDir!,
      origin: options.origin,
      batchSize: options.batchSize,
      batchDelayMs: options.batchDelayMs,
      checkpointIntervalMs: options.checkpointIntervalMs,
      maxPending: options.maxPending,
      now: this.#clock().getTime(),
      proofBatchLimit: PROOF_BATCH_LIMIT,
      signingKeys: portableSigningKeys(options),
    };
    this.ready = new Promise<void>((resolve, reject) => (this.#onReady = { resolve, reject }));
    if (attachTo !== undefined) {
      this.#worker = undefined;
      this.#port = attachTo;
      attachTo.on('message', (m: FromWorker) => this.#onMessage(m));
      // The engine lets go of the port after `closed`, or the engine thread ended.
      this.#exit = new Promise<void>((resolve) =>
        attachTo.once('close', () => {
          this.#exited = true;
          this.#fail(new LogError('ERR_LOG_CLOSED', 'the log is closed'));
          resolve();
        }),
      );
      return;
    }
    this.#port = undefined;
    this.#worker = new Worker(new URL('./log-worker.js', import.meta.url), { workerData: data });
    this.#worker.on('message', (m: FromWorker) => this.#onMessage(m));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#exit = new Promise<void>((resolve) =>
      this.#worker!.once('exit', (code) => {
        this.#exited = true;
        this.#fail(new Error(`the log worker exited with code ${code}`));
        resolve();
      }),
    );
  }

  get origin(): string {
    return this.#origin;
  }

  /** An opening-thread front that is still open (a brand check: wrappers and lookalikes are not). */
  static isShareable(log: unknown): boolean {
    return typeof log === 'object' && log !== null && #worker in log && (log as WorkerLog).#worker !== undefined && !(log as WorkerLog).#closed;
  }

  /** See `logPort`. */
  share(): MessagePort {
    if (this.#worker === undefined) throw new TypeError('an attached log cannot be shared further; share the opening thread\'s log');
    if (this.#closed) throw new LogError('ERR_LOG_CLOSED', 'the log is closed');
    const { port1, port2 } = new MessageChannel();
    this.#post({ t: 'attach', port: port2 }, [port2]);
    return port1;
  }

  /** The engine thread is gone: whatever waits on it fails; nothing unanswered was acknowledged. */
  #fail(err: unknown): void {
    const e = err instanceof LogError ? err : new LogError('ERR_LOG_STORAGE', `log worker failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    this.#onReady.reject(e);
    if (this.#appends.size > 0 || this.#calls.size > 0) {
      for (const p of this.#appends.values()) p.reject(e);
      for (const c of this.#calls.values()) c.reject(e);
      this.#appends.clear();
      this.#calls.clear();
      if (!this.#closed) this.#onError(e);
    }
    this.#outbox = [];
    this.#closed = true;
    this.#shutDown = true;
    this.#rejectWaiters();
    this.#onClosed?.();
  }

  #rejectWaiters(): void {
    this.#waiters.rejectAll();
  }

  #post(m: ToWorker, transfer?: (ArrayBuffer | MessagePort)[]): void {
    if (this.#exited) return;
    if (this.#worker !== undefined) this.#worker.postMessage(m, transfer);
    else this.#port!.postMessage(m, transfer);
  }

  #onMessage(m: FromWorker): void {
    switch (m.t) {
      case 'appended': {
        const ok = m.ok;
        for (let i = 0; i < ok.length; i += 4) {
          const id = ok[i]!;
          const p = this.#appends.get(id);
          if (p === undefined) continue;
          this.#appends.delete(id);
          const index = ok[i + 1]!;
          const duplicate = ok[i + 3] === 1;
          if (!duplicate && index >= this.#sequenced) this.#sequenced = index + 1;
          p.resolve({ index, integratedTime: ok[i + 2]!, duplicate });
        }
        for (const [id, e] of m.errs) {
          const p = this.#appends.get(id);
          if (p === undefined) continue;
          this.#appends.delete(id);
          p.reject(revive(e));
        }
        this.#stats = m.stats;
        return;
      }
      case 'sign': {
        const rootHash = buf(m.rootHash);
        signCheckpoint(this.origin, this.#signers, this.#witnesses, this.#witnessTimeoutMs, m.size, rootHash).then(
          (note) => this.#post({ t: 'signed', id: m.id, note, publishedAt: this.#clock().getTime() }),
          (err: unknown) => this.#post({ t: 'signed', id: m.id, error: (err as Error)?.message ?? String(err) }),
        );
        return;
      }
      case 'published': {
        this.#stats = m.stats;
        const cp = fromWire(m.cp);
        if (m.proofs !== undefined) {
          const { from, counts, hashes } = m.proofs;
          const offsets = new Uint32Array(counts.length);
          let off = 0;
          for (let i = 0; i < counts.length; i++) {
            offsets[i] = off;
            off += counts[i]! * HASH_SIZE;
          }
          this.#proofs.set(cp.size, { from, offsets, counts, hashes: buf(hashes) });
          if (this.#proofs.size > PROOF_SETS) this.#proofs.delete(this.#proofs.keys().next().value as number);
        }
        this.#publish(cp);
        return;
      }
      case 'result': {
        const c = this.#calls.get(m.id);
        if (c === undefined) return;
        this.#calls.delete(m.id);
        if (m.e !== undefined) c.reject(revive(m.e));
        else c.resolve(m.v);
        return;
      }
      case 'error':
        this.#onError(revive(m.e) as LogError);
        return;
      case 'ready':
        this.#origin = m.origin;
        this.#stats = m.stats;
        this.#sequenced = m.stats.sequenced;
        this.#publish(fromWire(m.cp));
        this.#onReady.resolve();
        return;
      case 'openError':
        this.#onReady.reject(revive(m.e));
        return;
      case 'closed':
        this.#stats = m.stats;
        this.#onClosed?.();
        return;
    }
  }

  #publish(cp: PublishedCheckpoint): void {
    if (this.#published !== undefined && cp.size < this.#published.size) return;
    this.#published = cp;
    this.#waiters.release(cp);
  }

  // ------------------------------------------------------------------------------- write side

  append(req: AppendRequest): Promise<AppendResult> {
    const item = toSequenceItem(req);
    const refused = admissionError(this.#closed, this.#appends.size, this.#maxPending);
    if (refused) return Promise.reject(refused);
    const id = this.#nextId++;
    return new Promise<AppendResult>((resolve, reject) => {
      this.#appends.set(id, { resolve, reject });
      this.#outbox.push({ id, item });
      if (!this.#flushQueued) {
        this.#flushQueued = true;
        // Appends of one event-loop turn (e.g. every request parsed in one poll) go as one message.
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushQueued = false;
    const out = this.#outbox;
    this.#outbox = [];
    if (out.length === 0) return;
    let total = 0;
    for (const { item } of out) total += item.leaf.length + item.identity.length;
    const bytes = new Uint8Array(new ArrayBuffer(total));
    const lens = new Uint32Array(out.length * 2);
    const keyCounts = new Uint8Array(out.length);
    const keys: string[] = [];
    let off = 0;
    for (let i = 0; i < out.length; i++) {
      const { item } = out[i]!;
      bytes.set(item.leaf, off);
      off += item.leaf.length;
      bytes.set(item.identity, off);
      off += item.identity.length;
      lens[2 * i] = item.leaf.length;
      lens[2 * i + 1] = item.identity.length;
      keyCounts[i] = item.indexKeys.length;
      for (const k of item.indexKeys) keys.push(k);
    }
    // Ids are consecutive: appends are queued in id order and sent in one piece.
    // Index keys as one string (NUL-separated; keys are checked free of NUL) and a count per
    // entry: one string clones far cheaper than an array of arrays.
    this.#post(
      { t: 'append', firstId: out[0]!.id, now: this.#clock().getTime(), buf: bytes.buffer, lens, keyCounts, keys: keys.join('\0') },
      [bytes.buffer, lens.buffer as ArrayBuffer, keyCounts.buffer as ArrayBuffer],
    );
  }

  awaitCheckpoint(index: number, signal?: AbortSignal): Promise<PublishedCheckpoint> {
    return this.#waiters.await(index, { published: this.#published, closed: this.#closed, sequenced: this.#sequenced, appended: this.#sequenced + this.#appends.size }, signal);
  }

  checkpoint(): PublishedCheckpoint {
    return this.#published!;
  }

  stats(): LogStats {
    return { pending: this.#appends.size, sequenced: Math.max(this.#sequenced, this.#stats.sequenced), integrated: this.#stats.integrated, published: this.#published?.size ?? 0 };
  }

  // -------------------------------------------------------------------------------- read side

  #call<T>(m: string, ...a: unknown[]): Promise<T> {
    if (this.#shutDown) return Promise.reject(new LogError('ERR_LOG_CLOSED', 'the log is closed'));
    const id = this.#nextCall++;
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#post({ t: 'call', id, m, a });
    });
  }

  #checkOpen(): void {
    if (this.#shutDown) throw new LogError('ERR_LOG_CLOSED', 'the log is closed');
  }

  /** Readers see only what this thread knows to be published. */
  #checkTreeSize(treeSize: number): void {
    checkInteger(treeSize, 'tree size');
    const published = this.#published?.size ?? 0;
    if (treeSize > published) {
      throw new LogError('ERR_LOG_TREE_SIZE', `tree size ${treeSize} exceeds the latest published checkpoint (size ${published})`);
    }
  }

  async entry(index: number): Promise<LogEntry | undefined> {
    this.#checkOpen();
    const e = await this.#call<{ index: number; leaf: Uint8Array; integratedTime: number } | undefined>('entry', index);
    return e === undefined ? undefined : { index: e.index, leaf: buf(e.leaf), integratedTime: e.integratedTime };
  }

  async findByIdentity(identity: Uint8Array): Promise<number | undefined> {
    this.#checkOpen();
    if (!(identity instanceof Uint8Array)) throw new TypeError('identity must be a Uint8Array');
    return this.#call('findByIdentity', Uint8Array.from(identity));
  }

  async search(indexKey: string, limit = 100): Promise<number[]> {
    this.#checkOpen();
    return this.#call('search', indexKey, limit);
  }

  async inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    this.#checkOpen();
    checkInteger(index, 'index');
    this.#checkTreeSize(treeSize);
    const pushed = this.#proofs.get(treeSize);
    if (pushed !== undefined && index >= pushed.from && index - pushed.from < pushed.counts.length) {
      const i = index - pushed.from;
      const start = pushed.offsets[i]!;
      return splitHashes(pushed.hashes.subarray(start, start + pushed.counts[i]! * HASH_SIZE));
    }
    return splitHashes(await this.#call<Uint8Array>('inclusionProof', index, treeSize));
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Buffer[]> {
    this.#checkOpen();
    checkInteger(oldSize, 'old size');
    this.#checkTreeSize(newSize);
    return splitHashes(await this.#call<Uint8Array>('consistencyProof', oldSize, newSize));
  }

  async rootHash(treeSize: number): Promise<Buffer> {
    this.#checkOpen();
    this.#checkTreeSize(treeSize);
    if (treeSize === this.#published?.size) return Buffer.from(this.#published.rootHash);
    return buf(await this.#call<Uint8Array>('rootHash', treeSize));
  }

  async tile(level: number, index: number, width?: number): Promise<Buffer | undefined> {
    this.#checkOpen();
    const t = await this.#call<Uint8Array | undefined>('tile', level, index, width);
    return t === undefined ? undefined : buf(t);
  }

  async entryBundle(index: number, width?: number): Promise<Buffer | undefined> {
    this.#checkOpen();
    const b = await this.#call<Uint8Array | undefined>('entryBundle', index, width);
    return b === undefined ? undefined : buf(b);
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#closing = this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    // Accepted appends go out first; the engine drains, integrates and publishes them (signed
    // here), then releases storage and says so. An attached front only detaches: the engine
    // answers its outstanding appends first.
    this.#flush();
    if (!this.#exited) {
      const closed = new Promise<void>((resolve) => (this.#onClosed = resolve));
      this.#post({ t: this.#worker !== undefined ? 'close' : 'detach' });
      await closed;
    }
    this.#shutDown = true;
    this.#rejectWaiters();
    this.#port?.close();
    await this.#exit;
  }
}