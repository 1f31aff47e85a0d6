import { availableParallelism } from 'node:os';
import { hashLeaf } from '@signet/merkle';
import { LogError, MAX_LEAF_SIZE, canShareLog, type PublishedCheckpoint, type TransparencyLog } from '@signet/log';
import { TLogServerError } from './errors.js';
import { object, parseJsonBody, requestError, string, type JsonObject } from './json-fields.js';
import { keyFingerprint, keyMaterialFromPem } from './key-material.js';
import type { LogKeys } from './log-keys.js';
import { canonicalizeProposedEntry, type CanonicalEntry } from './rekor-v1-entries.js';
import { canonicalizeCreateEntryRequest } from './rekor-v2-entries.js';
import { WriteWorkers, type EncodedEntry, type EntryApi } from './write-workers.js';
import { signSET } from './signed-entry-timestamp.js';

/** Rekor v1 `LogEntry` value (the object under the entry UUID). */
export interface RekorV1Entry {
  body: string;
  integratedTime: number;
  logID: string;
  logIndex: number;
  verification: {
    signedEntryTimestamp: string;
    inclusionProof?: { checkpoint: string; hashes: string[]; logIndex: number; rootHash: string; treeSize: number };
  };
}

/** Rekor v1 `LogEntry`: one entry keyed by its UUID. */
export type RekorV1EntryMap = Record<string, RekorV1Entry>;

/** protobuf-specs `TransparencyLogEntry` in proto3 JSON, as Rekor v2 answers. */
export interface TransparencyLogEntryV2JSON {
  logIndex: string;
  logId: { keyId: string };
  kindVersion: { kind: string; version: string };
  integratedTime: string;
  inclusionProof: { logIndex: string; rootHash: string; treeSize: string; hashes: string[]; checkpoint: { envelope: string } };
  canonicalizedBody: string;
}

/** The outcome of `POST /api/v1/log/entries`. */
export interface CreatedV1Entry {
  /** 80-hex entry ID (tree ID + leaf hash), the key of `entry` and the tail of `Location`. */
  uuid: string;
  entry: RekorV1EntryMap;
  /** True when an equivalent entry existed: Rekor answers 409. */
  duplicate: boolean;
  /** Milliseconds from the call until the proposal was validated and its signature verified (Server-Timing). */
  verifiedMs: number;
  /** Milliseconds from the call until the entry was durably sequenced (Server-Timing). */
  sequencedMs: number;
  /** Milliseconds from the call until a published checkpoint covered the entry. */
  checkpointMs: number;
}

/** Rekor v1 `GET /api/v1/log`. */
export interface LogInfo {
  rootHash: string;
  treeSize: number;
  signedTreeHead: string;
  treeID: string;
  inactiveShards: never[];
}

/** Options of the personality. */
export interface TLogServiceOptions {
  log: TransparencyLog;
  keys: LogKeys;
  /** Longest wait for a checkpoint covering a new entry before answering 503 (ms). Default 30 s. */
  checkpointTimeoutMs?: number;
  /**
   * Worker threads that run `createEntry` — parsing, verification, append, SET, checkpoint wait,
   * encoding — beside the event loop (see `WriteWorkers`); needs a log opened with
   * `thread: 'worker'`. 0 does it all on the event loop. Default: one per core (at most 4) when
   * the machine has more than one core and the log can be shared, else 0.
   */
  workers?: number;
}

/** A created v1 entry before it is put into an object or JSON. */
interface CreatedV1Parts {
  uuid: string;
  bodyBase64: string;
  index: number;
  integratedTime: number;
  set: Buffer;
  cp: PublishedCheckpoint;
  hashes: Buffer[];
  duplicate: boolean;
  verifiedMs: number;
  sequencedMs: number;
  checkpointMs: number;
}

/** A canonical entry with its RFC 6962 leaf hash. */
type HashedEntry = CanonicalEntry & { readonly leafHash: Buffer };

/** A checkpoint wait's deadline: `expire` ends the wait; `at` < 0 once it has ended either way. */
interface Deadline {
  at: number;
  expire: () => void;
}

/** Reason of the abort when a checkpoint wait times out. */
const TIMED_OUT = Symbol('checkpoint wait timed out');

/** Most UUIDs, indexes or entries in one retrieve request (Rekor's limit is 10). */
export const MAX_RETRIEVE = 10;
/** Most UUIDs an index search returns. */
export const MAX_SEARCH_RESULTS = 1000;

/** The engine stores at most 64 search keys per entry. */
const MAX_INDEX_KEYS = 64;
const UUID_64 = /^[0-9a-f]{64}$/;
const UUID_80 = /^[0-9a-f]{80}$/;

/**
 * The Rekor personality of a transparency log: Rekor v1 and v2 entry semantics (validation,
 * canonical bodies, SETs, UUIDs, search) over one `TransparencyLog` and its keys. No HTTP here;
 * the fastify routes translate requests and errors.
 */
export class TLogService {
  readonly log: TransparencyLog;
  readonly keys: LogKeys;
  readonly #checkpointTimeoutMs: number;
  readonly #logIdHex: string;
  readonly #workers: WriteWorkers | undefined;
  /** Checkpoint waits with their deadlines (`at` < 0: finished); swept by one timer. */
  #deadlines: Deadline[] = [];
  #sweep: NodeJS.Timeout | undefined;
  /** The latest checkpoint's root in hex and note in JSON: every proof answered against it repeats them. */
  #textsOf: { cp: PublishedCheckpoint; hex: string; noteJson: Buffer } | undefined;

  constructor(options: TLogServiceOptions) {
    this.log = options.log;
    this.keys = options.keys;
    this.#checkpointTimeoutMs = options.checkpointTimeoutMs ?? 30_000;
    this.#logIdHex = options.keys.v1LogId.toString('hex');
    // One per core (at most 4): verification and SETs are most of the work; the HTTP thread and
    // the engine thread mostly wait (on sockets, on fsync). On 2 cores, 2 beat 1 by a few %.
    const workers = options.workers ?? (availableParallelism() > 1 && canShareLog(options.log) ? Math.min(4, availableParallelism()) : 0);
    if (!Number.isSafeInteger(workers) || workers < 0) throw new RangeError('workers must be a non-negative integer');
    this.#workers = workers > 0 ? new WriteWorkers(workers, options.log, options.keys, this.#checkpointTimeoutMs) : undefined;
  }

  /** Whether `createEntry` runs on write workers. */
  get writesOnWorkers(): boolean {
    return this.#workers !== undefined;
  }

  /** Stops the worker threads and the deadline timer (the log is closed by its owner). */
  async close(): Promise<void> {
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
    await this.#workers?.close();
  }

  /** The P-256 Rekor v1 key as PEM (`GET /api/v1/log/publicKey`). */
  publicKeyPem(): string {
    return this.keys.setPublicKey.export({ format: 'pem', type: 'spki' }) as string;
  }

  /** 80-hex entry ID of a leaf: tree ID then leaf hash (Rekor v1 "entryUUID"). */
  entryId(leafHash: Buffer): string {
    return `${this.keys.treeId}${leafHash.toString('hex')}`;
  }

  /**
   * Rekor v1 signed entry timestamp: the log's P-256 signature over the RFC 8785 canonical JSON
   * of {body, integratedTime, logID, logIndex}.
   */
  signedEntryTimestamp(body: Buffer, integratedTime: number, logIndex: number): Buffer {
    return signSET(this.keys.setKey, this.#logIdHex, body.toString('base64'), integratedTime, logIndex);
  }

  /** Validates, verifies and canonicalizes a proposal (v1) or request (v2). */
  #canonicalize(api: EntryApi, proposal: unknown): HashedEntry {
    const c = api === 'v1' ? canonicalizeProposedEntry(proposal) : canonicalizeCreateEntryRequest(proposal);
    return { ...c, leafHash: hashLeaf(c.body) };
  }

  async #append(entry: HashedEntry): Promise<{ index: number; integratedTime: number; duplicate: boolean }> {
    if (entry.body.length > MAX_LEAF_SIZE) throw requestError(`the canonical entry is ${entry.body.length} bytes; the log stores at most ${MAX_LEAF_SIZE}`);
    // Identity = the RFC 6962 leaf hash: Rekor dedups on it, and the UUID lookup becomes one index read.
    return this.log.append({ leaf: entry.body, identity: entry.leafHash, indexKeys: entry.indexKeys.slice(0, MAX_INDEX_KEYS) });
  }

  async #checkpointFor(index: number, signal?: AbortSignal): Promise<PublishedCheckpoint> {
    const current = this.log.checkpoint();
    if (current.size > index) return current;
    const timedOut = (): LogError => new LogError('ERR_LOG_PUSHBACK', `no checkpoint covered entry ${index} within ${this.#checkpointTimeoutMs} ms`, { retryAfterSeconds: 1 });
    if (signal === undefined) {
      // No client signal (the write workers' case): no AbortController per wait, the deadline
      // sweep rejects this promise itself. A timed-out wait stays registered with the log until
      // the next checkpoint or close releases it (waits are bounded by the log's pushback).
      return new Promise<PublishedCheckpoint>((resolve, reject) => {
        const deadline: Deadline = { at: performance.now() + this.#checkpointTimeoutMs, expire: () => reject(timedOut()) };
        this.#deadlines.push(deadline);
        this.#armSweep();
        this.log.awaitCheckpoint(index).then(
          (cp) => {
            deadline.at = -1;
            resolve(cp);
          },
          (err: unknown) => {
            deadline.at = -1;
            reject(err);
          },
        );
      });
    }
    // One controller per wait, aborted by the client going away or by the deadline sweep: no
    // timer per request (thousands of waits per second).
    const ac = new AbortController();
    const onGone = (): void => ac.abort(signal.reason);
    if (signal.aborted) onGone();
    else signal.addEventListener('abort', onGone, { once: true });
    const deadline: Deadline = { at: performance.now() + this.#checkpointTimeoutMs, expire: () => ac.abort(TIMED_OUT) };
    this.#deadlines.push(deadline);
    this.#armSweep();
    try {
      return await this.log.awaitCheckpoint(index, ac.signal);
    } catch (err) {
      if (ac.signal.reason === TIMED_OUT) throw timedOut();
      throw err;
    } finally {
      signal.removeEventListener('abort', onGone);
      deadline.at = -1;
    }
  }

  #armSweep(): void {
    if (this.#sweep !== undefined) return;
    const period = Math.max(1, Math.min(250, Math.floor(this.#checkpointTimeoutMs / 4)));
    this.#sweep = setInterval(() => {
      const now = performance.now();
      const live: Deadline[] = [];
      for (const d of this.#deadlines) {
        if (d.at < 0) continue;
        if (now >= d.at) {
          d.at = -1;
          d.expire();
        } else live.push(d);
      }
      this.#deadlines = live;
      if (live.length === 0) {
        clearInterval(this.#sweep);
        this.#sweep = undefined;
      }
    }, period);
    this.#sweep.unref();
  }

  /** The root in hex and the note as a JSON string literal (UTF-8) of `cp`, made once per checkpoint. */
  #texts(cp: PublishedCheckpoint): { hex: string; noteJson: Buffer } {
    if (this.#textsOf?.cp !== cp) this.#textsOf = { cp, hex: cp.rootHash.toString('hex'), noteJson: Buffer.from(JSON.stringify(cp.note), 'utf8') };
    return this.#textsOf;
  }

  /** A v1 entry as Rekor shows it: SET, and an inclusion proof when `proof` is given. */
  #v1Object(bodyBase64: string, index: number, integratedTime: number, set: Buffer, proof?: { cp: PublishedCheckpoint; hashes: Buffer[] }): RekorV1Entry {
    const entry: RekorV1Entry = {
      body: bodyBase64,
      integratedTime,
      logID: this.#logIdHex,
      logIndex: index,
      verification: { signedEntryTimestamp: set.toString('base64') },
    };
    if (proof !== undefined) {
      entry.verification.inclusionProof = {
        checkpoint: proof.cp.note,
        hashes: proof.hashes.map((h) => h.toString('hex')),
        logIndex: index,
        rootHash: this.#texts(proof.cp).hex,
        treeSize: proof.cp.size,
      };
    }
    return entry;
  }

  /** A stored v1 entry with its SET and an inclusion proof against `cp` (or none when `cp` does not cover it). */
  async #v1Entry(body: Buffer, index: number, integratedTime: number, cp: PublishedCheckpoint | undefined): Promise<RekorV1Entry> {
    const proof = cp && cp.size > index ? { cp, hashes: await this.log.inclusionProof(index, cp.size) } : undefined;
    return this.#v1Object(body.toString('base64'), index, integratedTime, this.signedEntryTimestamp(body, integratedTime, index), proof);
  }

  /**
   * `POST /api/v1/log/entries`: validate, verify, canonicalize, append (durable), wait for a
   * checkpoint, answer with SET and inclusion proof. Nothing is written unless the proposal is
   * valid and its signature verifies.
   * @throws TLogServerError (request faults); LogError `ERR_LOG_PUSHBACK`, `ERR_LOG_CLOSED`, `ERR_LOG_STORAGE`
   */
  async createEntryV1(proposal: unknown, signal?: AbortSignal): Promise<CreatedV1Entry> {
    const c = await this.#createV1(proposal, signal);
    const entry = this.#v1Object(c.bodyBase64, c.index, c.integratedTime, c.set, c);
    return { uuid: c.uuid, entry: { [c.uuid]: entry }, duplicate: c.duplicate, verifiedMs: c.verifiedMs, sequencedMs: c.sequencedMs, checkpointMs: c.checkpointMs };
  }

  /** `createEntryV1` up to the parts of its answer. */
  async #createV1(proposal: unknown, signal?: AbortSignal): Promise<CreatedV1Parts> {
    const start = performance.now();
    const canonical = this.#canonicalize('v1', proposal);
    const verifiedMs = performance.now() - start;
    const r = await this.#append(canonical);
    const sequencedMs = performance.now() - start;
    // The SET needs only the index and time: signed while the checkpoint is awaited, not in the
    // burst of answers each checkpoint releases.
    const bodyBase64 = canonical.body.toString('base64');
    const set = signSET(this.keys.setKey, this.#logIdHex, bodyBase64, r.integratedTime, r.index);
    const cp = await this.#checkpointFor(r.index, signal);
    const checkpointMs = performance.now() - start;
    const hashes = await this.log.inclusionProof(r.index, cp.size);
    return { uuid: this.entryId(canonical.leafHash), bodyBase64, index: r.index, integratedTime: r.integratedTime, set, cp, hashes, duplicate: r.duplicate, verifiedMs, sequencedMs, checkpointMs };
  }

  /**
   * The JSON of a created v1 entry, written out in the key order `createEntryV1`'s object has
   * (what `JSON.stringify` of it gives, byte for byte; tests hold it so): thousands of answers a
   * second, each mostly base64 and hex that needs no escaping. The checkpoint note, the one
   * string that does (newlines, the signature lines' em dash), is encoded once per checkpoint.
   */
  #encodeV1(c: CreatedV1Parts): Buffer {
    const hashes = c.hashes.length === 0 ? '' : `"${c.hashes.map((h) => h.toString('hex')).join('","')}"`;
    const head = `{"${c.uuid}":{"body":"${c.bodyBase64}","integratedTime":${c.integratedTime},"logID":"${this.#logIdHex}","logIndex":${c.index},"verification":{"signedEntryTimestamp":"${c.set.toString('base64')}","inclusionProof":{"checkpoint":`;
    const { hex, noteJson: note } = this.#texts(c.cp);
    const tail = `,"hashes":[${hashes}],"logIndex":${c.index},"rootHash":"${hex}","treeSize":${c.cp.size}}}}}`;
    const out = Buffer.allocUnsafe(head.length + note.length + tail.length);
    out.write(head, 0, 'latin1');
    note.copy(out, head.length);
    out.write(tail, head.length + note.length, 'latin1');
    return out;
  }

  /**
   * `POST /api/v2/log/entries`: as v1 for a `CreateEntryRequest`; answers with a protobuf-JSON
   * `TransparencyLogEntry` once a checkpoint covers the entry (integratedTime 0, no SET: Rekor v2).
   */
  async createEntryV2(request: unknown, signal?: AbortSignal): Promise<{ entry: TransparencyLogEntryV2JSON; duplicate: boolean; sequencedMs: number }> {
    const start = performance.now();
    const canonical = this.#canonicalize('v2', request);
    const r = await this.#append(canonical);
    const sequencedMs = performance.now() - start;
    const cp = await this.#checkpointFor(r.index, signal);
    const hashes = await this.log.inclusionProof(r.index, cp.size);
    return {
      duplicate: r.duplicate,
      sequencedMs,
      entry: {
        logIndex: String(r.index),
        logId: { keyId: this.keys.checkpointKeyId.toString('base64') },
        kindVersion: { kind: canonical.kind, version: canonical.apiVersion },
        integratedTime: '0',
        inclusionProof: {
          logIndex: String(r.index),
          rootHash: cp.rootHash.toString('base64'),
          treeSize: String(cp.size),
          hashes: hashes.map((h) => h.toString('base64')),
          checkpoint: { envelope: cp.note },
        },
        canonicalizedBody: canonical.body.toString('base64'),
      },
    };
  }

  /**
   * `POST /api/v1/log/entries` or `/api/v2/log/entries` from the raw request body to the HTTP
   * answer (status, headers, JSON), on a write worker when there are workers. `signal` (the
   * client went away) ends a checkpoint wait on this thread; a worker finishes the request.
   * @throws TLogServerError `ERR_TLOG_JSON` and the faults of `createEntryV1`/`createEntryV2`
   */
  async createEntry(api: EntryApi, body: Uint8Array, signal?: AbortSignal): Promise<EncodedEntry> {
    if (this.#workers) return this.#workers.create(api, body);
    const request = parseJsonBody(body);
    const json = 'application/json; charset=utf-8';
    if (api === 'v1') {
      const c = await this.#createV1(request, signal);
      const headers: Record<string, string> = {
        'content-type': json,
        location: `/api/v1/log/entries/${c.uuid}`,
        'server-timing': `seq;dur=${c.sequencedMs.toFixed(2)}, cp;dur=${c.checkpointMs.toFixed(2)}, ver;dur=${c.verifiedMs.toFixed(2)}`,
      };
      if (c.duplicate) headers['x-signet-error-code'] = 'ERR_TLOG_DUPLICATE';
      return { status: c.duplicate ? 409 : 201, headers, body: this.#encodeV1(c) };
    }
    const c = await this.createEntryV2(request, signal);
    // A duplicate is the same entry again: answered like a new one (rekor-tiles is idempotent).
    return { status: c.duplicate ? 200 : 201, headers: { 'content-type': json, 'server-timing': `seq;dur=${c.sequencedMs.toFixed(2)}` }, body: Buffer.from(JSON.stringify(c.entry)) };
  }

  /** The published entry at `index` as Rekor v1 shows it, or undefined (unknown or not yet published). */
  async entryByIndex(index: number): Promise<RekorV1EntryMap | undefined> {
    const cp = this.log.checkpoint();
    if (!Number.isSafeInteger(index) || index < 0 || index >= cp.size) return undefined;
    const e = await this.log.entry(index);
    if (!e) return undefined;
    return { [this.entryId(hashLeaf(e.leaf))]: await this.#v1Entry(e.leaf, e.index, e.integratedTime, cp) };
  }

  /**
   * The published entry with this UUID: 64 hex (leaf hash) or 80 hex (tree ID + leaf hash).
   * @throws TLogServerError `ERR_TLOG_REQUEST` for a malformed UUID or another tree's ID
   */
  async entryByUuid(uuid: string): Promise<RekorV1EntryMap | undefined> {
    const id = uuid.toLowerCase();
    let hash: string;
    if (UUID_64.test(id)) hash = id;
    else if (UUID_80.test(id)) {
      if (id.slice(0, 16) !== this.keys.treeId) return undefined;
      hash = id.slice(16);
    } else throw requestError('an entry UUID is 64 or 80 hexadecimal digits');
    const index = await this.log.findByIdentity(Buffer.from(hash, 'hex'));
    return index === undefined ? undefined : this.entryByIndex(index);
  }

  /**
   * `POST /api/v1/log/entries/retrieve`: entries by UUID, by index, or by proposed content
   * (canonicalized, never written); unknown ones are left out, as Rekor does.
   * @throws TLogServerError `ERR_TLOG_REQUEST`, and proposal faults for `entries`
   */
  async retrieveEntries(query: unknown): Promise<RekorV1EntryMap[]> {
    const q = object(query, '$', ['entryUUIDs', 'logIndexes', 'entries']);
    const list = (key: string): unknown[] => {
      const v = q[key];
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw requestError(`$.${key} must be an array`);
      if (v.length > MAX_RETRIEVE) throw requestError(`$.${key} has more than ${MAX_RETRIEVE} items`);
      return v;
    };
    const uuids = list('entryUUIDs');
    const indexes = list('logIndexes');
    const entries = list('entries');
    if (uuids.length + indexes.length + entries.length === 0) throw requestError('give entryUUIDs, logIndexes or entries');
    const out: RekorV1EntryMap[] = [];
    for (const [i, u] of uuids.entries()) {
      if (typeof u !== 'string') throw requestError(`$.entryUUIDs[${i}] must be a string`);
      const e = await this.entryByUuid(u);
      if (e) out.push(e);
    }
    for (const [i, n] of indexes.entries()) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw requestError(`$.logIndexes[${i}] must be a non-negative integer`);
      const e = await this.entryByIndex(n);
      if (e) out.push(e);
    }
    for (const p of entries) {
      const canonical = canonicalizeProposedEntry(p);
      const e = await this.entryByUuid(hashLeaf(canonical.body).toString('hex'));
      if (e) out.push(e);
    }
    return out;
  }

  /** `GET /api/v1/log`. */
  logInfo(): LogInfo {
    const cp = this.log.checkpoint();
    return { rootHash: cp.rootHash.toString('hex'), treeSize: cp.size, signedTreeHead: cp.note, treeID: BigInt(`0x${this.keys.treeId}`).toString(), inactiveShards: [] };
  }

  /**
   * `GET /api/v1/log/proof`: consistency proof between two published sizes, with the root of the larger.
   * @throws TLogServerError `ERR_TLOG_PROOF_RANGE`
   */
  async consistencyProof(firstSize: number, lastSize: number): Promise<{ rootHash: string; hashes: string[] }> {
    const published = this.log.checkpoint().size;
    if (!(firstSize >= 1 && firstSize <= lastSize)) throw new TLogServerError('ERR_TLOG_PROOF_RANGE', `firstSize must be between 1 and lastSize (${firstSize}, ${lastSize})`);
    if (lastSize > published) throw new TLogServerError('ERR_TLOG_PROOF_RANGE', `lastSize ${lastSize} is beyond the published tree size ${published}`);
    const [hashes, root] = await Promise.all([this.log.consistencyProof(firstSize, lastSize), this.log.rootHash(lastSize)]);
    return { rootHash: root.toString('hex'), hashes: hashes.map((h) => h.toString('hex')) };
  }

  /**
   * `POST /api/v1/index/retrieve`: entry UUIDs by artifact hash, public key and/or email, AND-ed
   * by default (`operator: "or"` for a union). Key material is taken inline only: a request URL
   * is refused, the log never fetches one.
   * @throws TLogServerError `ERR_TLOG_REQUEST`, `ERR_TLOG_KEY`
   */
  async searchIndex(query: unknown): Promise<string[]> {
    const q = object(query, '$', ['hash', 'publicKey', 'email', 'operator']);
    const operator = q['operator'] === undefined ? 'and' : q['operator'];
    if (operator !== 'and' && operator !== 'or') throw requestError('$.operator must be "and" or "or"');
    const keys: string[] = [];
    if (q['hash'] !== undefined) {
      const h = string(q, 'hash', '$', 200).toLowerCase();
      const m = /^(?:(sha256|sha384|sha512):)?([0-9a-f]+)$/.exec(h);
      const len = { sha256: 64, sha384: 96, sha512: 128 } as const;
      const alg = (m?.[1] ?? 'sha256') as keyof typeof len;
      if (!m || m[2]?.length !== len[alg]) throw requestError('$.hash must be <algorithm>:<hex digest> (sha256, sha384, sha512)');
      keys.push(`${alg}:${m[2]}`);
    }
    if (q['publicKey'] !== undefined) {
      const pk = object(q['publicKey'], '$.publicKey', ['format', 'content', 'url']);
      if (pk['url'] !== undefined) throw requestError('$.publicKey.url is not supported: the log never fetches URLs; send the key as content');
      const format = string(pk, 'format', '$.publicKey', 32);
      if (format !== 'x509') throw requestError(`$.publicKey.format ${JSON.stringify(format)} is not supported (x509)`);
      const content = string(pk, 'content', '$.publicKey', 64 * 1024);
      const pem = Buffer.from(content, 'base64');
      if (pem.toString('base64') !== content) throw requestError('$.publicKey.content is not canonical, padded standard base64');
      keys.push(`key:${keyFingerprint(keyMaterialFromPem(pem))}`);
    }
    if (q['email'] !== undefined) {
      const email = string(q, 'email', '$', 320);
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw requestError('$.email is not an email address');
      keys.push(`email:${email.toLowerCase()}`);
    }
    if (keys.length === 0) throw requestError('give at least one of hash, publicKey, email');
    const sets = await Promise.all(keys.map((k) => this.log.search(k, MAX_SEARCH_RESULTS)));
    let indexes: number[];
    if (operator === 'or') indexes = [...new Set(sets.flat())].sort((a, b) => a - b);
    else indexes = (sets[0] as number[]).filter((i) => sets.every((s) => s.includes(i)));
    const published = this.log.checkpoint().size;
    const out: string[] = [];
    for (const i of indexes) {
      if (i >= published) continue; // readers see only what a checkpoint covers
      const e = await this.log.entry(i);
      if (e) out.push(this.entryId(hashLeaf(e.leaf)));
    }
    return out;
  }
}

/** Narrowing helper for route handlers. */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
