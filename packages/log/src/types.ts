import type { Checkpoint, NoteSigner } from '@signet/merkle';
import type { LogError } from './errors.js';

/**
 * Something that may add cosignature lines (c2sp.org/tlog-cosignature) to a checkpoint before
 * it is published, e.g. a client of a c2sp.org/tlog-witness witness.
 */
export interface WitnessHook {
  /** Name for diagnostics. */
  readonly name: string;
  /**
   * Asked once per checkpoint about to be published, with the note already signed by the log.
   * Resolves to complete signature lines (`— <name> <base64>`, no trailing newline) to append,
   * or `undefined`/`[]` to add nothing. A hook that rejects or exceeds
   * `LogOptions.witnessTimeoutMs` is skipped for that checkpoint: witnesses never block the log.
   */
  cosign(signedNote: string, checkpoint: Checkpoint, signal: AbortSignal): Promise<readonly string[] | undefined>;
}

/** How to open a log. */
export interface LogOptions {
  /** Directory of the default SQLite store (`<dataDir>/log.sqlite` and `log-index.sqlite`, created when missing). Give this or `driver`. */
  dataDir?: string;
  /** A storage driver (see docs/log-storage.md); the log takes ownership and closes it. */
  driver?: StorageDriver;
  /** Checkpoint origin line (c2sp.org/tlog-checkpoint), e.g. the log's hostname. */
  origin: string;
  /** Checkpoint signers; the first is the log's own key (Ed25519 or ECDSA P-256). At least one. */
  signers: readonly NoteSigner[];
  /** Most entries sequenced in one batch (one durable commit). Default 1024. */
  batchSize?: number;
  /** Longest wait, in ms, for a batch to fill before it is committed. Default 2. */
  batchDelayMs?: number;
  /**
   * Least time, in ms, between two published checkpoints. A checkpoint is published as soon as
   * new entries are integrated and this long has passed since the last one; 0 publishes after
   * every integration. Default 0: publications are then bounded by the integration cycle (one
   * per durable commit, and never two at once), a submitter waits for no timer, and with signers
   * only each checkpoint goes into the integration's own commit. Under load a 10 ms interval
   * sent about every other checkpoint through a commit of its own: 1M-entry bench, alternating
   * runs, 4,913 (0) vs 4,337 (10) appends/s on average.
   */
  checkpointIntervalMs?: number;
  /** Most appends waiting to be sequenced; beyond it `append` fails with `ERR_LOG_PUSHBACK`. Default 65536. */
  maxPending?: number;
  /** Time source for integrated times; tests pin it. Default `() => new Date()`. */
  clock?: () => Date;
  /** Witnesses asked to cosign each checkpoint before it is published. Default none. */
  witnesses?: readonly WitnessHook[];
  /** Longest wait, in ms, for the witnesses of one checkpoint. Default 1000. */
  witnessTimeoutMs?: number;
  /** Called with background failures (a failed integration or publication); default: ignored, retried. */
  onError?: (err: LogError) => void;
  /**
   * Where the engine runs. `'inline'` (default): on the calling thread, storage calls included
   * (better-sqlite3 is synchronous, so each durable commit blocks this thread for its fsync).
   * `'worker'`: sequencer, integrator, publisher, SQLite connection and proofs run in one
   * worker thread owned by the log; this thread only exchanges batched messages with it, signs
   * checkpoints (signers, witnesses and clock stay here) and answers `awaitCheckpoint` locally.
   * Needs `dataDir` (a `driver` object cannot move to another thread). Same interface, same
   * durability: an append resolves only after its batch's commit returned in the worker.
   */
  thread?: 'inline' | 'worker';
}

/** One entry to append. */
export interface AppendRequest {
  /** The leaf data (entry body). At most `MAX_LEAF_SIZE` bytes (entry bundles use 16-bit lengths). */
  leaf: Uint8Array;
  /** Deduplication key: a second append with the same identity gets the first one's index. Default SHA-256 of `leaf`. */
  identity?: Uint8Array;
  /** Search keys the entry can be found by (`sha256:<hex>` of an artifact, a key fingerprint, an email…). */
  indexKeys?: readonly string[];
}

/** The outcome of an append, once the entry is durable. */
export interface AppendResult {
  /** The entry's leaf index. */
  index: number;
  /** Unix seconds assigned when the entry was sequenced (for a duplicate: the original's). */
  integratedTime: number;
  /** True when the identity was already in the log; no new leaf was added. */
  duplicate: boolean;
}

/** A stored log entry. */
export interface LogEntry {
  /** Leaf index. */
  index: number;
  /** The leaf data as appended. */
  leaf: Buffer;
  /** Unix seconds assigned at sequencing. */
  integratedTime: number;
}

/** A checkpoint the log signed and published. */
export interface PublishedCheckpoint {
  /** Tree size. */
  size: number;
  /** RFC 6962 root hash of the first `size` leaves. */
  rootHash: Buffer;
  /** The complete signed note (c2sp.org/tlog-checkpoint body, blank line, signature lines). */
  note: string;
  /** When it was published (from the log's clock). */
  publishedAt: Date;
}

/** Counters of the log's pipeline, for metrics and benchmarks. */
export interface LogStats {
  /** Appends waiting to be sequenced. */
  pending: number;
  /** Entries durably sequenced (the next index). */
  sequenced: number;
  /** Entries folded into the stored tree (tiles). */
  integrated: number;
  /** Size of the latest published checkpoint. */
  published: number;
}

/**
 * A transparency log: an append-only Merkle tree with durable sequencing, C2SP tiles and signed
 * checkpoints. One process owns the write side (one sequencer); reads are served from storage.
 */
export interface TransparencyLog {
  /** Checkpoint origin. */
  readonly origin: string;
  /**
   * Appends an entry; resolves once it is durable (committed with its index), before it is
   * integrated or covered by a checkpoint. The same identity twice gives the existing index with
   * `duplicate: true` and adds no leaf.
   *
   * @throws {LogError} `ERR_LOG_PUSHBACK` (with `retryAfterSeconds`) when too many appends wait;
   *   `ERR_LOG_CLOSED` after `close()`; `ERR_LOG_STORAGE` when the commit failed (nothing was added).
   * @throws {RangeError} for a leaf larger than `MAX_LEAF_SIZE` or a bad identity/index key.
   */
  append(req: AppendRequest): Promise<AppendResult>;
  /**
   * Resolves with the first published checkpoint whose size is greater than `index`.
   *
   * @throws {LogError} `ERR_LOG_CLOSED` when the log closes first; the signal's reason when aborted.
   */
  awaitCheckpoint(index: number, signal?: AbortSignal): Promise<PublishedCheckpoint>;
  /** The latest published checkpoint (size 0 for a new log). Never an unpublished tree. */
  checkpoint(): PublishedCheckpoint;
  /** Pipeline counters. */
  stats(): LogStats;
  /** A durably sequenced entry, or `undefined` past the sequenced size. It may not be published yet. */
  entry(index: number): Promise<LogEntry | undefined>;
  /** Index of the entry with this identity, if any. */
  findByIdentity(identity: Uint8Array): Promise<number | undefined>;
  /** Indexes of entries with this search key, ascending, at most `limit` (default 100, max 10,000). */
  search(indexKey: string, limit?: number): Promise<number[]>;
  /**
   * RFC 6962 inclusion proof of leaf `index` in the tree of `treeSize` leaves, read from tiles.
   *
   * @throws {LogError} `ERR_LOG_TREE_SIZE` when `treeSize` exceeds the latest published size;
   *   `ERR_LOG_INDEX` when `index >= treeSize` or is not a non-negative integer.
   */
  inclusionProof(index: number, treeSize: number): Promise<Buffer[]>;
  /**
   * RFC 6962 consistency proof from `oldSize` to `newSize` (empty when equal or `oldSize` is 0).
   *
   * @throws {LogError} `ERR_LOG_TREE_SIZE` when `newSize` exceeds the latest published size;
   *   `ERR_LOG_INDEX` when `oldSize > newSize` or a size is not a non-negative integer.
   */
  consistencyProof(oldSize: number, newSize: number): Promise<Buffer[]>;
  /**
   * RFC 6962 root hash of the first `treeSize` leaves, read from tiles.
   *
   * @throws {LogError} `ERR_LOG_TREE_SIZE` beyond the latest published size.
   */
  rootHash(treeSize: number): Promise<Buffer>;
  /**
   * Hash tile bytes (c2sp.org/tlog-tiles), published data only: without `width` the full tile
   * (`undefined` until it is full and published); with `width` 1–255 that partial tile
   * (`undefined` unless the latest published tree has exactly that many hashes in it, or more,
   * in which case the prefix is returned as the spec allows).
   */
  tile(level: number, index: number, width?: number): Promise<Buffer | undefined>;
  /** Entry bundle bytes (c2sp.org/tlog-tiles, big-endian uint16 length before each entry), same width rules as `tile`. */
  entryBundle(index: number, width?: number): Promise<Buffer | undefined>;
  /** Stops accepting appends, sequences and integrates what is pending, publishes, stops timers, closes storage. */
  close(): Promise<void>;
}

/** One fsck finding; `code` is always `ERR_LOG_CORRUPT`. */
export interface FsckProblem {
  /** `ERR_LOG_CORRUPT`. */
  code: 'ERR_LOG_CORRUPT';
  /** What is wrong, with the index, tile or checkpoint concerned. */
  message: string;
}

/** What `fsck` checked and found. */
export interface FsckReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Entries read (the sequenced size). */
  entries: number;
  /** Integrated size recorded in storage. */
  integratedSize: number;
  /** Hash tiles compared with their re-derivation. */
  tilesChecked: number;
  /** Stored checkpoints verified. */
  checkpointsChecked: number;
  /** Re-derived root of all integrated entries. */
  rootHash: Buffer;
  /** Problems, in the order found (capped at 1000). */
  problems: FsckProblem[];
}

// ---------------------------------------------------------------------------------------------
// Storage driver contract. docs/log-storage.md states it in MUST/SHOULD words.

/** One entry handed to `StorageDriver.sequence`. */
export interface SequenceItem {
  /** Leaf data. */
  leaf: Uint8Array;
  /** Deduplication key (non-empty). */
  identity: Uint8Array;
  /** Search keys. */
  indexKeys: readonly string[];
}

/** What `StorageDriver.sequence` did with one item. */
export interface SequenceOutcome {
  /** Assigned (new) or existing (duplicate) index. */
  index: number;
  /** Integrated time of that index. */
  integratedTime: number;
  /** True when the identity was already stored (or earlier in the same batch). */
  duplicate: boolean;
}

/** The integrated tree's right edge, stored atomically with the tiles it describes. */
export interface IntegratedState {
  /** Number of leaves integrated. */
  size: number;
  /** Roots of the perfect subtrees that make up the tree, left to right (the compact range). */
  compactRange: Buffer[];
}

/** A hash tile to store: full (256 hashes, written once) or partial (rewritten as it grows). */
export interface TileWrite {
  /** Tile level (each level spans 8 tree levels). */
  level: number;
  /** Tile index within the level. */
  index: number;
  /** Concatenated 32-byte hashes, 1–256 of them. */
  hashes: Buffer;
}

/** An integration to store: tiles, the new right edge and, when one is due, a checkpoint. */
export interface IntegrationWrite {
  tiles: readonly TileWrite[];
  state: IntegratedState;
  checkpoint?: PublishedCheckpoint;
}

/**
 * Given to `StorageDriver.sequence`: called once inside the sequencing transaction with the
 * outcomes of the batch, it returns the integration of the new entries to store in that same
 * transaction (or `undefined`: none).
 */
export type FoldIntegration = (outcomes: readonly SequenceOutcome[]) => IntegrationWrite | undefined;

/** What a driver holds when it is opened. */
export interface StorageState {
  /** Number of entries sequenced (the next index). */
  sequencedSize: number;
  /** Latest integrated state, or `undefined` when nothing was integrated yet. */
  integrated: IntegratedState | undefined;
  /** Latest stored checkpoint (largest size, then latest), if any. */
  latestCheckpoint: PublishedCheckpoint | undefined;
}

/**
 * Storage of one log. Every method may be async; the engine never calls two writing methods
 * concurrently. See docs/log-storage.md for the full contract.
 */
export interface StorageDriver {
  /** Creates or checks the schema and reports the stored state. @throws {LogError} `ERR_LOG_STORAGE`. */
  open(): Promise<StorageState>;
  /**
   * Atomically and durably assigns consecutive indexes from the sequenced size to the items whose
   * identity is new, stores them with `integratedTime`, their identities and their search keys,
   * and reports an outcome per item (in order). All or nothing. With `fold`, the integration it
   * returns is stored in the same transaction, as `integrate` stores one (docs/log-storage.md
   * rule 7a). @throws {LogError} `ERR_LOG_STORAGE`.
   */
  sequence(items: readonly SequenceItem[], integratedTime: number, fold?: FoldIntegration): Promise<SequenceOutcome[]>;
  /** Entries `[start, end)` that exist, ascending. @throws {LogError} `ERR_LOG_STORAGE`. */
  readEntries(start: number, end: number): Promise<LogEntry[]>;
  /**
   * Atomically stores the tiles and the new integrated state, and with `checkpoint` that
   * checkpoint too, durably (as `storeCheckpoint`) in the same transaction.
   * @throws {LogError} `ERR_LOG_STORAGE`.
   */
  integrate(tiles: readonly TileWrite[], state: IntegratedState, checkpoint?: PublishedCheckpoint): Promise<void>;
  /** The stored hashes of a tile (any width), or `undefined`. @throws {LogError} `ERR_LOG_STORAGE`. */
  readTile(level: number, index: number): Promise<Buffer | undefined>;
  /** Number of stored hash tiles at a level (for fsck). @throws {LogError} `ERR_LOG_STORAGE`. */
  countTiles(level: number): Promise<number>;
  /** Durably stores a published checkpoint. @throws {LogError} `ERR_LOG_STORAGE`. */
  storeCheckpoint(cp: PublishedCheckpoint): Promise<void>;
  /** Stored checkpoints in publication order, from the `offset`-th, at most `limit`. @throws {LogError} `ERR_LOG_STORAGE`. */
  readCheckpoints(offset: number, limit: number): Promise<PublishedCheckpoint[]>;
  /** Index of the entry with this identity. @throws {LogError} `ERR_LOG_STORAGE`. */
  findByIdentity(identity: Uint8Array): Promise<number | undefined>;
  /** Indexes stored with this search key, ascending, at most `limit`. @throws {LogError} `ERR_LOG_STORAGE`. */
  search(indexKey: string, limit: number): Promise<number[]>;
  /** Releases the storage; no call follows. */
  close(): Promise<void>;
}
