// The log's worker thread (`openLog({ thread: 'worker' })`, see worker-log.ts): runs the whole
// engine — sequencer, integrator, publisher, the SQLite connection (and its WAL checkpointer),
// the tile reader and proofs — so that the synchronous better-sqlite3 commits (one fsync each)
// and the integration's SHA-256 never block the opening thread. The opening thread keeps the
// signers, witnesses and clock: checkpoints are signed there on request.
import { parentPort, workerData } from 'node:worker_threads';
import { LogError } from './errors.js';
import { openInlineLog, type Log } from './log.js';
import type { LogStats, PublishedCheckpoint } from './types.js';
import type { FromWorker, SerializedError, ToWorker, WorkerLogData } from './worker-protocol.js';

const data = workerData as WorkerLogData;
const port = parentPort!;

function serializeError(err: unknown): SerializedError {
  const e = err as Partial<LogError> & Error;
  return {
    name: e instanceof LogError ? 'LogError' : (e?.name ?? 'Error'),
    code: typeof e?.code === 'string' ? e.code : undefined,
    message: e?.message ?? String(err),
    retryAfterSeconds: e instanceof LogError ? e.retryAfterSeconds : undefined,
  };
}

function post(m: FromWorker, transfer?: ArrayBuffer[]): void {
  port.postMessage(m, transfer);
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
    // proofs go along in one message instead of one round trip each.
    if (log !== undefined && cp.size > from && cp.size - from <= data.proofBatchLimit) {
      try {
        const counts = new Uint8Array(cp.size - from);
        const all: Buffer[] = [];
        for (let i = from; i < cp.size; i++) {
          const p = await log.inclusionProof(i, cp.size);
          counts[i - from] = p.length;
          for (const h of p) all.push(h);
        }
        proofs = { from, counts, hashes: pack(all) };
      } catch {
        proofs = undefined; // answered on request instead
      }
    }
    const c = { size: cp.size, rootHash: pack([cp.rootHash]), note: cp.note, publishedAt: cp.publishedAt.getTime() };
    post({ t: 'published', cp: c, stats: stats(), ...(proofs ? { proofs } : {}) }, proofs ? [proofs.hashes.buffer as ArrayBuffer] : []);
  });
}

// Append results of one turn go back in one message.
let okOut: number[] = [];
let errOut: [number, SerializedError][] = [];
let flushQueued = false;
function queueFlush(): void {
  if (flushQueued) return;
  flushQueued = true;
  queueMicrotask(() => {
    flushQueued = false;
    const ok = okOut;
    const errs = errOut;
    okOut = [];
    errOut = [];
    const okArr = new Float64Array(ok);
    post({ t: 'appended', ok: okArr, errs, stats: stats() }, [okArr.buffer]);
  });
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

port.on('message', (msg: ToWorker) => {
  switch (msg.t) {
    case 'append': {
      now = Math.max(now, msg.now);
      const bytes = new Uint8Array(msg.buf);
      let off = 0;
      for (let i = 0; i < msg.keys.length; i++) {
        const id = msg.firstId + i;
        const leafLen = msg.lens[2 * i]!;
        const idLen = msg.lens[2 * i + 1]!;
        const leaf = bytes.subarray(off, off + leafLen);
        off += leafLen;
        const identity = bytes.subarray(off, off + idLen);
        off += idLen;
        let p: Promise<{ index: number; integratedTime: number; duplicate: boolean }>;
        try {
          p = log!.append({ leaf, identity, indexKeys: msg.keys[i]! });
        } catch (err) {
          p = Promise.reject(err);
        }
        p.then(
          (r) => {
            okOut.push(id, r.index, r.integratedTime, r.duplicate ? 1 : 0);
            queueFlush();
          },
          (err: unknown) => {
            errOut.push([id, serializeError(err)]);
            queueFlush();
          },
        );
      }
      return;
    }
    case 'signed': {
      const s = signing.get(msg.id);
      if (s === undefined) return;
      signing.delete(msg.id);
      if (msg.note !== undefined) s.resolve({ note: msg.note, publishedAt: new Date(msg.publishedAt!) });
      else s.reject(new LogError('ERR_LOG_STORAGE', `checkpoint signing failed: ${msg.error ?? 'unknown'}`));
      return;
    }
    case 'call': {
      call(msg.m, msg.a).then(
        ({ v, transfer }) => post({ t: 'result', id: msg.id, v }, transfer),
        (err: unknown) => post({ t: 'result', id: msg.id, e: serializeError(err) }),
      );
      return;
    }
    case 'close': {
      const l = log;
      (l ? l.close() : Promise.resolve())
        .catch(() => undefined)
        .then(() => announce)
        .then(() => {
          post({ t: 'closed', stats: stats() });
          port.close();
        });
      return;
    }
  }
});

openInlineLog(
  {
    dataDir: data.dataDir,
    origin: data.origin,
    signers: [],
    batchSize: data.batchSize,
    batchDelayMs: data.batchDelayMs,
    checkpointIntervalMs: data.checkpointIntervalMs,
    maxPending: data.maxPending,
    clock: () => new Date(now),
    onError: (err) => post({ t: 'error', e: serializeError(err) }),
  },
  {
    sign(size, rootHash) {
      const id = nextSign++;
      return new Promise((resolve, reject) => {
        signing.set(id, { resolve, reject });
        post({ t: 'sign', id, size, rootHash: pack([rootHash]) });
      });
    },
    published,
  },
).then(
  (l) => {
    log = l;
    const cp = l.checkpoint();
    announcedSize = Math.max(announcedSize, cp.size);
    void announce.then(() =>
      post({ t: 'ready', cp: { size: cp.size, rootHash: pack([cp.rootHash]), note: cp.note, publishedAt: cp.publishedAt.getTime() }, stats: stats() }),
    );
  },
  (err: unknown) => {
    post({ t: 'openError', e: serializeError(err) });
    port.close();
  },
);
