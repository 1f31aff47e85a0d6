// The log's worker thread (`openLog({ thread: 'worker' })`, see worker-log.ts): runs the whole
// engine — sequencer, integrator, publisher, the SQLite connection (and its WAL checkpointer),
// the tile reader and proofs — so that the synchronous better-sqlite3 commits (one fsync each)
// and the integration's SHA-256 never block the opening thread. Checkpoints are signed here
// when the opening thread handed over its signers' keys, else there on request (witnesses,
// custom signers or clock). Other threads can be clients too (`logPort` / `attachLog`): each
// client's appends and calls are answered on its own port, and every client hears of every
// published checkpoint.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { noteSignerFromPrivateKey } from '@signet/merkle';
import { LogError } from './errors.js';
import { openInlineLog, type Log } from './log.js';
import type { LogStats, PublishedCheckpoint } from './types.js';
import type { FromWorker, SerializedError, ToWorker, WorkerLogData } from './worker-protocol.js';

const data = workerData as WorkerLogData;

function serializeError(err: unknown): SerializedError {
  const e = err as Partial<LogError> & Error;
  return {
    name: e instanceof LogError ? 'LogError' : (e?.name ?? 'Error'),
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: e?.message ?? String(err),
    retryAfterSeconds: e instanceof LogError ? e.retryAfterSeconds : undefined,
  };
}

/** A thread using the engine: the opening thread (`parentPort`) or an attached one. */
interface Client {
  readonly port: MessagePort;
  readonly owner: boolean;
  /** Append outcomes of this turn, sent in one message: (id, index, integratedTime, duplicate) quadruples. */
  okOut: number[];
  errOut: [number, SerializedError][];
  flushQueued: boolean;
  /** Appends received and not answered yet. */
  inFlight: number;
  /** Highest index its appends got (-1: none): only clients with entries in a new checkpoint get its proofs. */
  maxIndex: number;
  detaching: boolean;
  gone: boolean;
}

const clients = new Set<Client>();

function post(c: Client, m: FromWorker, transfer?: ArrayBuffer[]): void {
  if (!c.gone) c.port.postMessage(m, transfer);
}

/** Lets go of a client's port (its front is told `closed` first unless it is already gone). */
function release(c: Client): void {
  if (c.gone) return;
  post(c, { t: 'closed', stats: stats() });
  c.gone = true;
  clients.delete(c);
  c.port.close();
}

/** One fresh ArrayBuffer holding `parts` (never a view on Node's shared Buffer pool, which a clone would copy whole). */
function pack(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(new ArrayBuffer(total));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

let now = data.now;
let log: Log | undefined;
let nextSign = 1;
const signing = new Map<number, { resolve: (v: { note: string; publishedAt: Date }) => void; reject: (e: unknown) => void }>();
/** Published checkpoints are announced in order, each with the proofs of the entries it newly covers. */
let announce = Promise.resolve();
let announcedSize = -1;

function stats(): LogStats {
  return log?.stats() ?? { pending: 0, sequenced: 0, integrated: 0, published: 0 };
}

function published(cp: PublishedCheckpoint): void {
  announce = announce.then(async () => {
    const from = Math.max(0, announcedSize < 0 ? cp.size : announcedSize);
    announcedSize = cp.size;
    let proofs: { from: number; counts: Uint8Array; hashes: Uint8Array } | undefined;
    // The entries this checkpoint newly covers are the ones whose submitters wait for it: their
    // proofs go along in one message instead of one round trip each, to the clients that
    // appended them (see `wants`).
    const wants = (client: Client): boolean => client.maxIndex >= from;
    const to = [...clients];
    if (log !== undefined && cp.size > from && cp.size - from <= data.proofBatchLimit && to.some(wants)) {
      try {
        const counts = new Uint8Array(cp.size - from);
        const all: Buffer[] = [];
        const paths = await log.inclusionProofs(from, cp.size, cp.size);
        for (let i = 0; i < paths.length; i++) {
          const p = paths[i]!;
          counts[i] = p.length;
          for (const h of p) all.push(h);
        }
        proofs = { from, counts, hashes: pack(all) };
      } catch {
        proofs = undefined; // answered on request instead
      }
    }
    const c = { size: cp.size, rootHash: pack([cp.rootHash]), note: cp.note, publishedAt: cp.publishedAt.getTime() };
    const st = stats();
    // The proofs' buffer moves to the last client that wants them; the others get their own copy first.
    let last = -1;
    to.forEach((client, i) => {
      if (wants(client)) last = i;
    });
    to.forEach((client, i) => {
      const own = proofs === undefined || !wants(client) ? undefined : i === last ? proofs : { ...proofs, hashes: pack([proofs.hashes]) };
      post(client, { t: 'published', cp: c, stats: st, ...(own ? { proofs: own } : {}) }, own ? [own.hashes.buffer as ArrayBuffer] : []);
    });
  });
}

/** Append results of one turn go back to each client in one message. */
function queueFlush(c: Client): void {
  if (c.flushQueued) return;
  c.flushQueued = true;
  queueMicrotask(() => {
    c.flushQueued = false;
    const ok = c.okOut;
    const errs = c.errOut;
    c.okOut = [];
    c.errOut = [];
    const okArr = new Float64Array(ok);
    post(c, { t: 'appended', ok: okArr, errs, stats: stats() }, [okArr.buffer]);
    if (c.detaching && c.inFlight === 0) release(c);
  });
}

function answered(c: Client): void {
  c.inFlight--;
  queueFlush(c);
}

async function call(m: string, a: unknown[]): Promise<{ v: unknown; transfer: ArrayBuffer[] }> {
  const l = log!;
  switch (m) {
    case 'entry': {
      const e = await l.entry(a[0] as number);
      if (e === undefined) return { v: undefined, transfer: [] };
      const leaf = pack([e.leaf]);
      return { v: { index: e.index, leaf, integratedTime: e.integratedTime }, transfer: [leaf.buffer as ArrayBuffer] };
    }
    case 'findByIdentity':
      return { v: await l.findByIdentity(a[0] as Uint8Array), transfer: [] };
    case 'search':
      return { v: await l.search(a[0] as string, a[1] as number), transfer: [] };
    case 'inclusionProof':
    case 'consistencyProof': {
      const p = m === 'inclusionProof' ? await l.inclusionProof(a[0] as number, a[1] as number) : await l.consistencyProof(a[0] as number, a[1] as number);
      const hashes = pack(p);
      return { v: hashes, transfer: [hashes.buffer as ArrayBuffer] };
    }
    case 'rootHash':
    case 'tile':
    case 'entryBundle': {
      const b =
        m === 'rootHash'
          ? await l.rootHash(a[0] as number)
          : m === 'tile'
            ? await l.tile(a[0] as number, a[1] as number, a[2] as number | undefined)
            : await l.entryBundle(a[0] as number, a[1] as number | undefined);
      if (b === undefined) return { v: undefined, transfer: [] };
      const v = pack([b]);
      return { v, transfer: [v.buffer as ArrayBuffer] };
    }
    default:
      throw new Error(`unknown log call ${m}`);
  }
}

function serve(c: Client): void {
  clients.add(c);
  c.port.on('message', (msg: ToWorker) => onMessage(c, msg));
  // A client thread that ends (or terminates) closes its end: forget it.
  c.port.on('close', () => {
    c.gone = true;
    clients.delete(c);
  });
  if (log !== undefined) sendReady(c);
}

/** `ready` after every announcement already queued, so a client never sees a checkpoint go backwards. */
function sendReady(c: Client): void {
  const l = log!;
  void announce.then(() => {
    const cp = l.checkpoint();
    post(c, { t: 'ready', origin: data.origin, cp: { size: cp.size, rootHash: pack([cp.rootHash]), note: cp.note, publishedAt: cp.publishedAt.getTime() }, stats: stats() });
  });
}

function onMessage(c: Client, msg: ToWorker): void {
  switch (msg.t) {
    case 'append': {
      now = Math.max(now, msg.now);
      const bytes = new Uint8Array(msg.buf);
      const keys = msg.keys === '' ? [] : msg.keys.split('\0');
      let off = 0;
      let k = 0;
      for (let i = 0; i < msg.keyCounts.length; i++) {
        const id = msg.firstId + i;
        const leafLen = msg.lens[2 * i]!;
        const idLen = msg.lens[2 * i + 1]!;
        const leaf = bytes.subarray(off, off + leafLen);
        off += leafLen;
        const identity = bytes.subarray(off, off + idLen);
        off += idLen;
        let p: Promise<{ index: number; integratedTime: number; duplicate: boolean }>;
        try {
          const n = msg.keyCounts[i]!;
          p = log!.append({ leaf, identity, indexKeys: keys.slice(k, k + n) });
          k += n;
        } catch (err) {
          p = Promise.reject(err);
        }
        c.inFlight++;
        p.then(
          (r) => {
            if (r.index > c.maxIndex) c.maxIndex = r.index;
            c.okOut.push(id, r.index, r.integratedTime, r.duplicate ? 1 : 0);
            answered(c);
          },
          (err: unknown) => {
            c.errOut.push([id, serializeError(err)]);
            answered(c);
          },
        );
      }
      return;
    }
    case 'signed': {
      if (!c.owner) return;
      const s = signing.get(msg.id);
      if (s === undefined) return;
      signing.delete(msg.id);
      if (msg.note !== undefined) s.resolve({ note: msg.note, publishedAt: new Date(msg.publishedAt!) });
      else s.reject(new LogError('ERR_LOG_STORAGE', `checkpoint signing failed: ${msg.error ?? 'unknown'}`));
      return;
    }
    case 'call': {
      call(msg.m, msg.a).then(
        ({ v, transfer }) => post(c, { t: 'result', id: msg.id, v }, transfer),
        (err: unknown) => post(c, { t: 'result', id: msg.id, e: serializeError(err) }),
      );
      return;
    }
    case 'attach': {
      if (c.owner) serve({ port: msg.port, owner: false, okOut: [], errOut: [], flushQueued: false, inFlight: 0, maxIndex: -1, detaching: false, gone: false });
      return;
    }
    case 'detach': {
      if (c.owner) return;
      c.detaching = true;
      if (c.inFlight === 0 && !c.flushQueued) release(c);
      return;
    }
    case 'close': {
      if (!c.owner) return;
      const l = log;
      (l ? l.close() : Promise.resolve())
        .catch(() => undefined)
        .then(() => announce)
        .then(() => {
          // Attached clients first: the opening thread ends the worker once it hears `closed`.
          for (const other of clients) if (other !== c) release(other);
          release(c);
        });
      return;
    }
  }
}

const owner: Client = { port: parentPort as unknown as MessagePort, owner: true, okOut: [], errOut: [], flushQueued: false, inFlight: 0, maxIndex: -1, detaching: false, gone: false };
serve(owner);

// Signing here when the opening thread handed over its keys (see worker-log.ts), else there.
const localSigners = data.signingKeys?.map((k) => noteSignerFromPrivateKey(k.name, k.key, k.keyHash));

openInlineLog(
  {
    dataDir: data.dataDir,
    origin: data.origin,
    signers: localSigners ?? [],
    batchSize: data.batchSize,
    batchDelayMs: data.batchDelayMs,
    checkpointIntervalMs: data.checkpointIntervalMs,
    maxPending: data.maxPending,
    clock: localSigners !== undefined ? () => new Date() : () => new Date(now),
    onError: (err) => post(owner, { t: 'error', e: serializeError(err) }),
  },
  {
    sign:
      localSigners !== undefined
        ? undefined
        : (size, rootHash) => {
            const id = nextSign++;
            return new Promise((resolve, reject) => {
              signing.set(id, { resolve, reject });
              post(owner, { t: 'sign', id, size, rootHash: pack([rootHash]) });
            });
          },
    published,
  },
).then(
  (l) => {
    log = l;
    announcedSize = Math.max(announcedSize, l.checkpoint().size);
    for (const c of clients) sendReady(c);
  },
  (err: unknown) => {
    for (const c of clients) post(c, { t: 'openError', e: serializeError(err) });
    for (const c of [...clients]) {
      c.gone = true;
      c.port.close();
    }
    clients.clear();
  },
);
