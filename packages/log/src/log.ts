import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { formatCheckpoint, hashLeaf, signNote, MAX_TILE_LEVEL, TILE_WIDTH, type NoteSigner } from '@signet/merkle';
import { LogError, admissionError, checkInteger } from './errors.js';
import { CheckpointWaiters } from './checkpoint-waiters.js';
import { openSqliteDriver } from './sqlite-driver.js';
import { TileBuilder, nodesAtTileLevel } from './tile-builder.js';
import { TileReader } from './tile-reader.js';
import type {
  AppendRequest,
  AppendResult,
  FoldIntegration,
  IntegrationWrite,
  LogEntry,
  LogOptions,
  LogStats,
  PublishedCheckpoint,
  SequenceItem,
  StorageDriver,
  TileWrite,
  TransparencyLog,
  WitnessHook,
} from './types.js';

/** Largest leaf accepted: entry bundles prefix each entry with a 16-bit length (c2sp.org/tlog-tiles). */
export const MAX_LEAF_SIZE = 65535;

const MAX_IDENTITY_SIZE = 1024;
const MAX_INDEX_KEYS = 64;
const MAX_INDEX_KEY_LENGTH = 1024;
const MAX_SEARCH_LIMIT = 10_000;
/** Entries read per step when integration catches up from storage (recovery). */
const RECOVERY_CHUNK = 16_384;
/** Wait before retrying a failed background integration or publication. */
const RETRY_MS = 100;

interface PendingAppend {
  item: SequenceItem;
  resolve: (r: AppendResult) => void;
  reject: (e: unknown) => void;
}

function asStorageError(err: unknown, what: string): LogError {
  if (err instanceof LogError) return err;
  return new LogError('ERR_LOG_STORAGE', `${what} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

function positiveOption(value: number | undefined, fallback: number, what: string, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) throw new TypeError(`${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer`);
  return value;
}

/**
 * Checks an append request (caller misuse throws synchronously) and copies it: the caller may
 * reuse its buffers before the batch commits. The identity defaults to SHA-256 of the leaf.
 */
export function toSequenceItem(req: AppendRequest): SequenceItem {
  const leaf = req?.leaf;
  if (!(leaf instanceof Uint8Array)) throw new TypeError('leaf must be a Uint8Array');
  if (leaf.length > MAX_LEAF_SIZE) throw new RangeError(`leaf of ${leaf.length} bytes exceeds ${MAX_LEAF_SIZE}`);
  let identity = req.identity;
  if (identity === undefined) {
    identity = createHash('sha256').update(leaf).digest();
  } else if (!(identity instanceof Uint8Array) || identity.length === 0 || identity.length > MAX_IDENTITY_SIZE) {
    throw new RangeError(`identity must be 1 to ${MAX_IDENTITY_SIZE} bytes`);
  }
  const indexKeys = req.indexKeys ?? [];
  if (indexKeys.length > MAX_INDEX_KEYS) throw new RangeError(`at most ${MAX_INDEX_KEYS} index keys`);
  for (const k of indexKeys) {
    if (typeof k !== 'string' || k.length === 0 || k.length > MAX_INDEX_KEY_LENGTH || k.includes('\0')) {
      throw new RangeError(`index keys must be strings of 1 to ${MAX_INDEX_KEY_LENGTH} characters, without NUL`);
    }
  }
  return { leaf: Buffer.from(leaf), identity: Buffer.from(identity), indexKeys: [...indexKeys] };
}

/** Signs a checkpoint body with the log's signers and asks the witnesses to cosign it. */
export async function signCheckpoint(
  origin: string,
  signers: readonly NoteSigner[],
  witnesses: readonly WitnessHook[],
  witnessTimeoutMs: number,
  size: number,
  rootHash: Buffer,
): Promise<string> {
  const checkpoint = { origin, treeSize: size, rootHash, extensions: [] };
  const note = signNote(formatCheckpoint(checkpoint), signers);
  if (witnesses.length === 0) return note;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('witness timeout')), witnessTimeoutMs);
  try {
    const answers = await Promise.all(
      witnesses.map((w) => {
        const timeout = new Promise<undefined>((resolve) => controller.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
        return Promise.race([w.cosign(note, checkpoint, controller.signal).catch(() => undefined), timeout]);
      }),
    );
    // Only well-formed signature lines are appended (c2sp.org/signed-note: "— <name> <base64>").
    const lines = answers.flatMap((a) => a ?? []).filter((l) => /^\u2014 [^\s+]+ [A-Za-z0-9+/]+=*$/u.test(l));
    return lines.length === 0 ? note : `${note}${lines.map((l) => `${l}\n`).join('')}`;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/**
 * Hooks of the engine when it runs in the log's worker thread (log-worker.ts): the checkpoint
 * is signed (and cosigned) by the opening thread when it holds witnesses or signers that cannot
 * cross threads, and every published checkpoint is reported back to it.
 */
export interface EngineHooks {
  /**
   * Signs a checkpoint of `size` and `rootHash`; resolves with the note and its publication
   * time. Undefined: the engine signs with its own `signers` (keys handed to its thread).
   */
  sign: ((size: number, rootHash: Buffer) => Promise<{ note: string; publishedAt: Date }>) | undefined;
  /** Called after a checkpoint was durably stored and became the published one. */
  published(cp: PublishedCheckpoint): void;
}

/**
 * Opens (creating when new) a transparency log: integrates entries that were sequenced but not
 * integrated before a crash, checks the latest stored checkpoint against the tree, publishes a
 * checkpoint when none covers the tree, and starts the sequencer and publisher.
 *
 * @throws {LogError} `ERR_LOG_STORAGE` when storage cannot be opened or read; `ERR_LOG_CORRUPT`
 *   when the stored state is inconsistent (a stored checkpoint that does not match the tree, a
 *   hole in the entries, a missing tile).
 * @throws {TypeError} for invalid options (no signers, empty origin, neither dataDir nor driver).
 */
export async function openLog(options: LogOptions): Promise<TransparencyLog> {
  if (typeof options.origin !== 'string' || options.origin.length === 0 || options.origin.includes('\n')) {
    throw new TypeError('origin must be a non-empty line');
  }
  if (!Array.isArray(options.signers) || options.signers.length === 0) throw new TypeError('at least one checkpoint signer is needed');
  if ((options.dataDir === undefined) === (options.driver === undefined)) throw new TypeError('give exactly one of dataDir and driver');
  const thread = options.thread ?? 'inline';
  if (thread === 'worker') {
    if (options.dataDir === undefined) throw new TypeError("thread 'worker' needs dataDir (a driver object cannot move to another thread)");
    const { openWorkerLog } = await import('./worker-log.js');
    return openWorkerLog(options);
  }
  if (thread !== 'inline') throw new TypeError("thread must be 'inline' or 'worker'");
  return openInlineLog(options);
}

/** `openLog` on this thread; `hooks` when this thread is the log's worker. @internal */
export async function openInlineLog(options: LogOptions, hooks?: EngineHooks): Promise<Log> {
  const driver = options.driver ?? openSqliteDriver({ dataDir: options.dataDir! });
  try {
    const log = new Log(driver, options, hooks);
    await log.recover();
    return log;
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw err;
  }
}

export class Log implements TransparencyLog {
  readonly origin: string;
  readonly #hooks: EngineHooks | undefined;
  readonly #driver: StorageDriver;
  readonly #signers: readonly NoteSigner[];
  readonly #witnesses: readonly WitnessHook[];
  readonly #witnessTimeoutMs: number;
  readonly #batchSize: number;
  readonly #batchDelayMs: number;
  readonly #intervalMs: number;
  readonly #maxPending: number;
  readonly #clock: () => Date;
  readonly #onError: (err: LogError) => void;
  readonly #reader: TileReader;

  #queue: PendingAppend[] = [];
  #sequenced = 0;
  #builder: TileBuilder = TileBuilder.empty();
  /** Leaves sequenced but not yet integrated, in index order from `#builder.size`; null: read them from storage. */
  #toIntegrate: Buffer[] | null = null;
  #published: PublishedCheckpoint | undefined;
  #lastPublishAt = -Infinity;
  readonly #waiters = new CheckpointWaiters();

  #batchTimer: NodeJS.Timeout | undefined;
  #publishTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #pump: Promise<void> | undefined;
  #publishing: Promise<void> | undefined;
  #lock: Promise<void> = Promise.resolve();
  #closed = false;
  #closing: Promise<void> | undefined;
  #shutDown = false;
  /** Set when recover() is done: from then on an integration may publish in its own commit. */
  #recovered = false;

  constructor(driver: StorageDriver, options: LogOptions, hooks?: EngineHooks) {
    this.origin = options.origin;
    this.#hooks = hooks;
    this.#driver = driver;
    this.#signers = [...options.signers];
    this.#witnesses = [...(options.witnesses ?? [])];
    this.#witnessTimeoutMs = positiveOption(options.witnessTimeoutMs, 1000, 'witnessTimeoutMs');
    this.#batchSize = positiveOption(options.batchSize, 1024, 'batchSize');
    this.#batchDelayMs = positiveOption(options.batchDelayMs, 2, 'batchDelayMs', true);
    this.#intervalMs = positiveOption(options.checkpointIntervalMs, 0, 'checkpointIntervalMs', true);
    this.#maxPending = positiveOption(options.maxPending, 65536, 'maxPending');
    this.#clock = options.clock ?? (() => new Date());
    this.#onError = options.onError ?? (() => undefined);
    this.#reader = new TileReader((level, index) => this.#driver.readTile(level, index));
  }

  /** Recovery on open: resume the right edge, integrate what was sequenced, check and publish. */
  async recover(): Promise<void> {
    const state = await this.#driver.open();
    this.#sequenced = state.sequencedSize;
    if (state.integrated !== undefined) {
      const b = await TileBuilder.resume(state.integrated, (l, i) => this.#driver.readTile(l, i));
      if (typeof b === 'string') throw new LogError('ERR_LOG_CORRUPT', `cannot resume integration: ${b}`);
      this.#builder = b;
    }
    if (this.#builder.size > this.#sequenced) {
      throw new LogError('ERR_LOG_CORRUPT', `integrated size ${this.#builder.size} exceeds sequenced size ${this.#sequenced}`);
    }
    this.#toIntegrate = this.#builder.size === this.#sequenced ? [] : null;
    await this.#integrate();
    const latest = state.latestCheckpoint;
    if (latest !== undefined) {
      if (!latest.note.startsWith(`${this.origin}\n`)) {
        throw new TypeError(`the stored checkpoints have another origin than ${JSON.stringify(this.origin)}`);
      }
      if (latest.size > this.#builder.size) {
        throw new LogError('ERR_LOG_CORRUPT', `stored checkpoint of size ${latest.size} exceeds the ${this.#builder.size} stored entries`);
      }
      const root = latest.size === this.#builder.size ? this.#builder.root() : await this.#reader.mth(0, latest.size);
      if (!root.equals(latest.rootHash)) {
        throw new LogError('ERR_LOG_CORRUPT', `stored checkpoint of size ${latest.size} does not match the tree re-derived from tiles`);
      }
      this.#published = latest;
    }
    if (this.#published === undefined || this.#published.size < this.#builder.size) await this.#publish();
    this.#recovered = true;
  }

  // ------------------------------------------------------------------------------- write side

  append(req: AppendRequest): Promise<AppendResult> {
    const item = toSequenceItem(req);
    const refused = admissionError(this.#closed, this.#queue.length, this.#maxPending);
    if (refused) return Promise.reject(refused);
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#scheduleSequencing();
    });
  }

  #scheduleSequencing(): void {
    if (this.#pump !== undefined) return; // the running pump takes new appends in its next batch
    if (this.#queue.length >= this.#batchSize || this.#batchDelayMs === 0) {
      if (this.#batchTimer !== undefined) clearTimeout(this.#batchTimer);
      this.#batchTimer = undefined;
      this.#startPump(true);
    } else if (this.#batchTimer === undefined) {
      this.#batchTimer = setTimeout(() => {
        this.#batchTimer = undefined;
        this.#startPump(false);
      }, this.#batchDelayMs);
    }
  }

  #startPump(deferred: boolean): void {
    if (this.#pump !== undefined) return;
    // Deferred by a macrotask so that append() returns before storage work blocks the thread.
    this.#pump = (deferred ? new Promise<void>((r) => setImmediate(r)) : Promise.resolve())
      .then(() => this.#runPump())
      .finally(() => {
        this.#pump = undefined;
        if (this.#queue.length > 0) this.#scheduleSequencing();
      });
  }

  /** Sequence → integrate → publish, batch after batch, until no append waits. */
  async #runPump(): Promise<void> {
    do {
      if (this.#queue.length > 0) {
        const batch = this.#queue.length <= this.#batchSize ? this.#queue : this.#queue.slice(0, this.#batchSize);
        this.#queue = batch === this.#queue ? [] : this.#queue.slice(this.#batchSize);
        await this.#exclusive(() => this.#sequence(batch));
      }
      try {
        await this.#exclusive(() => this.#integrate());
      } catch (err) {
        this.#reportAndRetry(err, 'integration');
        continue;
      }
      this.#maybePublish();
      if (this.#queue.length === 0) break;
      // Yield to the event loop: storage calls may be synchronous (better-sqlite3), and timers
      // (the publisher) and I/O (new requests, which then join the next batch) must get a turn.
      await new Promise<void>((r) => setImmediate(r));
    } while (this.#queue.length > 0);
  }

  /** Runs storage writes one at a time (the driver contract: never two writes concurrently). */
  async #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async #sequence(batch: PendingAppend[]): Promise<void> {
    const integratedTime = Math.floor(this.#clock().getTime() / 1000);
    const items = batch.map((p) => p.item);
    // When the tree has caught up with the sequenced entries, the batch's integration (and a
    // due checkpoint) goes into the sequencing commit itself: one durable commit per batch
    // instead of two, and the entries are covered by a checkpoint as soon as they are indexed.
    let before: TileBuilder | undefined;
    let folded: { tiles: readonly TileWrite[]; cp: PublishedCheckpoint | undefined } | undefined;
    const fold: FoldIntegration | undefined =
      this.#recovered && this.#toIntegrate !== null && this.#builder.size === this.#sequenced
        ? (outcomes) => {
            const start = this.#builder.size;
            let next = start;
            for (const o of outcomes) {
              if (o.duplicate) continue;
              if (o.index !== next) return undefined; // the driver broke its contract: see below
              next++;
            }
            if (next === start) return undefined;
            const leaves: Uint8Array[] = [];
            for (let i = 0; i < outcomes.length; i++) if (!outcomes[i]!.duplicate) leaves.push(items[i]!.leaf);
            const { before: b, ...w } = this.#extend(leaves, true);
            before = b;
            folded = { tiles: w.tiles, cp: w.checkpoint };
            return w;
          }
        : undefined;
    let outcomes;
    try {
      outcomes = await this.#driver.sequence(items, integratedTime, fold);
    } catch (err) {
      if (before !== undefined) this.#builder = before;
      const e = asStorageError(err, 'sequencing');
      for (const p of batch) p.reject(e);
      this.#onError(e);
      return;
    }
    if (folded !== undefined) this.#stored(folded.tiles);
    for (let i = 0; i < batch.length; i++) {
      const o = outcomes[i]!;
      if (!o.duplicate) {
        if (o.index !== this.#sequenced) {
          // The driver broke its contract; stop trusting the in-memory leaves.
          this.#toIntegrate = null;
          this.#onError(new LogError('ERR_LOG_CORRUPT', `storage assigned index ${o.index}, expected ${this.#sequenced}`));
          this.#sequenced = o.index;
        }
        this.#sequenced++;
        if (folded === undefined) this.#toIntegrate?.push(items[i]!.leaf as Buffer);
      }
      batch[i]!.resolve(o);
    }
    if (folded?.cp !== undefined) this.#announce(folded.cp);
  }

  /** Folds every sequenced entry into the tree and stores the changed tiles with the new right edge. */
  async #integrate(): Promise<void> {
    while (this.#builder.size < this.#sequenced) {
      const start = this.#builder.size;
      let leaves: Buffer[];
      if (this.#toIntegrate !== null) {
        leaves = this.#toIntegrate;
        this.#toIntegrate = [];
      } else {
        const end = Math.min(start + RECOVERY_CHUNK, this.#sequenced);
        const entries = await this.#driver.readEntries(start, end);
        entries.forEach((e, i) => {
          if (e.index !== start + i) throw new LogError('ERR_LOG_CORRUPT', `entry ${start + i} is missing from storage`);
        });
        if (entries.length !== end - start) throw new LogError('ERR_LOG_CORRUPT', `entry ${start + entries.length} is missing from storage`);
        leaves = entries.map((e) => e.leaf);
      }
      const { before, tiles, state, checkpoint: cp } = this.#extend(leaves, this.#builder.size + leaves.length === this.#sequenced);
      try {
        await this.#driver.integrate(tiles, state, cp);
        this.#stored(tiles);
      } catch (err) {
        this.#builder = before;
        this.#toIntegrate = null; // catch up from storage next time; hold no leaves meanwhile
        throw asStorageError(err, 'integration');
      }
      if (this.#toIntegrate === null && this.#builder.size === this.#sequenced) this.#toIntegrate = [];
      if (cp !== undefined) this.#announce(cp);
    }
  }

  /**
   * Folds `leaves` into the tree: the tiles they changed, the new right edge and, when `last`
   * (the tree then holds every sequenced entry), a checkpoint if one is due and signable here;
   * `before` restores the builder should storing them fail.
   */
  #extend(leaves: readonly Uint8Array[], last: boolean): IntegrationWrite & { before: TileBuilder } {
    const before = this.#builder.snapshot();
    for (const leaf of leaves) this.#builder.append(hashLeaf(leaf));
    const tiles = this.#builder.flush();
    return { before, tiles, state: this.#builder.state(), checkpoint: last ? this.#checkpointNow() : undefined };
  }

  /** Tiles are durably stored: proofs against the next checkpoint read the right edge from memory. */
  #stored(tiles: readonly TileWrite[]): void {
    for (const t of tiles) this.#reader.stored(t.level, t.index, t.hashes);
  }

  /**
   * The checkpoint an integration stores in its own commit, when one is due and can be signed
   * right here: signers only (no witness to ask, no hook to sign elsewhere), no publication in
   * flight, the interval passed. That saves a durable commit per checkpoint, which under load
   * was a tenth of the engine thread's time; otherwise `#maybePublish` publishes as before.
   */
  #checkpointNow(): PublishedCheckpoint | undefined {
    if (!this.#recovered || this.#hooks?.sign !== undefined || this.#witnesses.length > 0) return undefined;
    if (this.#publishing !== undefined || this.#publishTimer !== undefined || this.#closed) return undefined;
    if (performance.now() < this.#lastPublishAt + this.#intervalMs) return undefined;
    const size = this.#builder.size;
    const rootHash = this.#builder.root();
    const note = signNote(formatCheckpoint({ origin: this.origin, treeSize: size, rootHash, extensions: [] }), this.#signers);
    return { size, rootHash, note, publishedAt: this.#clock() };
  }

  #reportAndRetry(err: unknown, what: string): void {
    this.#onError(asStorageError(err, what));
    if (this.#retryTimer !== undefined || this.#closed) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#startPump(false);
    }, RETRY_MS);
  }

  /** Publishes now when the interval has passed, else arms a timer for when it will have. */
  #maybePublish(): void {
    if (this.#publishing !== undefined || this.#publishTimer !== undefined) return;
    if (this.#published !== undefined && this.#published.size >= this.#builder.size) return;
    const wait = this.#lastPublishAt + this.#intervalMs - performance.now();
    if (wait > 0) {
      this.#publishTimer = setTimeout(() => {
        this.#publishTimer = undefined;
        this.#maybePublish();
      }, wait);
      return;
    }
    this.#publishing = this.#publish()
      .catch((err: unknown) => this.#reportAndRetry(err, 'publication'))
      .finally(() => {
        this.#publishing = undefined;
        // Entries integrated while this one was being signed and stored get the next checkpoint
        // (here, not at the end of #publish: #publishing must be clear for #maybePublish to act).
        if (!this.#closed && this.#retryTimer === undefined) this.#maybePublish();
      });
  }

  /** Signs, cosigns and durably stores a checkpoint of the integrated tree, then releases waiters. */
  async #publish(): Promise<void> {
    // Size and root are read together, between two integrations.
    const { size, rootHash } = await this.#exclusive(async () => ({ size: this.#builder.size, rootHash: this.#builder.root() }));
    let cp: PublishedCheckpoint;
    if (this.#hooks?.sign !== undefined) {
      const { note, publishedAt } = await this.#hooks.sign(size, rootHash);
      cp = { size, rootHash, note, publishedAt };
    } else {
      const note = await signCheckpoint(this.origin, this.#signers, this.#witnesses, this.#witnessTimeoutMs, size, rootHash);
      cp = { size, rootHash, note, publishedAt: this.#clock() };
    }
    await this.#exclusive(() => this.#driver.storeCheckpoint(cp));
    this.#announce(cp);
  }

  /** A checkpoint is durably stored: it becomes the published one and releases its waiters. */
  #announce(cp: PublishedCheckpoint): void {
    this.#lastPublishAt = performance.now();
    if (this.#published === undefined || cp.size >= this.#published.size) {
      this.#published = cp;
      this.#hooks?.published(cp);
    }
    this.#releaseWaiters();
  }

  #releaseWaiters(): void {
    if (this.#published !== undefined) this.#waiters.release(this.#published);
  }

  // -------------------------------------------------------------------------------- read side

  awaitCheckpoint(index: number, signal?: AbortSignal): Promise<PublishedCheckpoint> {
    return this.#waiters.await(index, { published: this.#published, closed: this.#closed, sequenced: this.#sequenced, appended: this.#sequenced + this.#queue.length }, signal);
  }

  checkpoint(): PublishedCheckpoint {
    return this.#published!; // recover() always leaves a published checkpoint
  }

  stats(): LogStats {
    return { pending: this.#queue.length, sequenced: this.#sequenced, integrated: this.#builder.size, published: this.#published?.size ?? 0 };
  }

  #checkOpen(): void {
    // Reads keep working while close() drains; they fail once storage is released.
    if (this.#shutDown) throw new LogError('ERR_LOG_CLOSED', 'the log is closed');
  }

  async entry(index: number): Promise<LogEntry | undefined> {
    this.#checkOpen();
    checkInteger(index, 'index');
    if (index >= this.#sequenced) return undefined;
    return (await this.#driver.readEntries(index, index + 1))[0];
  }

  async findByIdentity(identity: Uint8Array): Promise<number | undefined> {
    this.#checkOpen();
    if (!(identity instanceof Uint8Array)) throw new TypeError('identity must be a Uint8Array');
    return this.#driver.findByIdentity(identity);
  }

  async search(indexKey: string, limit = 100): Promise<number[]> {
    this.#checkOpen();
    if (typeof indexKey !== 'string') throw new TypeError('index key must be a string');
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) throw new RangeError(`limit must be 1 to ${MAX_SEARCH_LIMIT}`);
    return this.#driver.search(indexKey, limit);
  }

  #checkTreeSize(treeSize: number): void {
    checkInteger(treeSize, 'tree size');
    const published = this.#published?.size ?? 0;
    if (treeSize > published) {
      throw new LogError('ERR_LOG_TREE_SIZE', `tree size ${treeSize} exceeds the latest published checkpoint (size ${published})`);
    }
  }

  async inclusionProof(index: number, treeSize: number): Promise<Buffer[]> {
    this.#checkOpen();
    checkInteger(index, 'index');
    this.#checkTreeSize(treeSize);
    if (index >= treeSize) throw new LogError('ERR_LOG_INDEX', `index ${index} is not below tree size ${treeSize}`);
    // Copies: the reader's hashes may be views of its cached tiles.
    return (await this.#reader.inclusionRange(index, index + 1, treeSize))[0]!.map((h) => Buffer.from(h));
  }

  /**
   * `inclusionProof(i, treeSize)` for every i in [from, to), in one walk (see
   * `TileReader.inclusionRange`): the proofs a checkpoint's newly covered entries need. The
   * hashes may be views of cached tiles: read them, never write to them.
   * @internal For the engine thread's proof push.
   */
  async inclusionProofs(from: number, to: number, treeSize: number): Promise<Buffer[][]> {
    this.#checkOpen();
    checkInteger(from, 'index');
    checkInteger(to, 'index');
    this.#checkTreeSize(treeSize);
    if (from > to || to > treeSize) throw new LogError('ERR_LOG_INDEX', `range [${from}, ${to}) is not within tree size ${treeSize}`);
    return this.#reader.inclusionRange(from, to, treeSize);
  }

  async consistencyProof(oldSize: number, newSize: number): Promise<Buffer[]> {
    this.#checkOpen();
    checkInteger(oldSize, 'old size');
    this.#checkTreeSize(newSize);
    if (oldSize > newSize) throw new LogError('ERR_LOG_INDEX', `old size ${oldSize} exceeds new size ${newSize}`);
    if (oldSize === 0 || oldSize === newSize) return [];
    return (await this.#reader.consistency(oldSize, 0, newSize, true)).map((h) => Buffer.from(h));
  }

  async rootHash(treeSize: number): Promise<Buffer> {
    this.#checkOpen();
    this.#checkTreeSize(treeSize);
    if (treeSize === this.#published?.size) return Buffer.from(this.#published.rootHash);
    return Buffer.from(await this.#reader.mth(0, treeSize));
  }

  /** Width to serve for tile `index` of a level holding `count` published nodes, or undefined. */
  #servableWidth(count: number, index: number, width: number | undefined): number | undefined {
    if (!Number.isSafeInteger(index) || index < 0) return undefined;
    const w = width ?? TILE_WIDTH;
    if (!Number.isInteger(w) || w < 1 || w > TILE_WIDTH) return undefined;
    return index * TILE_WIDTH + w <= count ? w : undefined;
  }

  async tile(level: number, index: number, width?: number): Promise<Buffer | undefined> {
    this.#checkOpen();
    if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) return undefined;
    const w = this.#servableWidth(nodesAtTileLevel(this.#published?.size ?? 0, level), index, width);
    if (w === undefined) return undefined;
    const t = await this.#reader.tile(level, index, w);
    return Buffer.from(t.subarray(0, w * 32));
  }

  async entryBundle(index: number, width?: number): Promise<Buffer | undefined> {
    this.#checkOpen();
    const w = this.#servableWidth(this.#published?.size ?? 0, index, width);
    if (w === undefined) return undefined;
    const start = index * TILE_WIDTH;
    const entries = await this.#driver.readEntries(start, start + w);
    if (entries.length !== w) throw new LogError('ERR_LOG_CORRUPT', `entry bundle ${index} misses entries`);
    let total = 0;
    for (const e of entries) total += 2 + e.leaf.length;
    const out = Buffer.allocUnsafe(total);
    let off = 0;
    for (const e of entries) {
      // c2sp.org/tlog-tiles: each entry is a big-endian uint16 length followed by the data.
      off = out.writeUInt16BE(e.leaf.length, off);
      off += e.leaf.copy(out, off);
    }
    return out;
  }

  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#closing = this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (this.#batchTimer !== undefined) clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    // Drain: every accepted append is sequenced (or rejected by storage) before we stop.
    while (this.#pump !== undefined || this.#queue.length > 0) {
      if (this.#pump === undefined) this.#startPump(false);
      await this.#pump;
    }
    if (this.#retryTimer !== undefined) clearTimeout(this.#retryTimer);
    if (this.#publishTimer !== undefined) clearTimeout(this.#publishTimer);
    this.#retryTimer = this.#publishTimer = undefined;
    await this.#publishing;
    try {
      await this.#exclusive(() => this.#integrate());
      if (this.#published === undefined || this.#published.size < this.#builder.size) await this.#publish();
    } catch (err) {
      this.#onError(asStorageError(err, 'final publication'));
    }
    this.#waiters.rejectAll();
    this.#shutDown = true;
    await this.#exclusive(() => this.#driver.close());
  }
}
