// The body of a write worker thread (see write-workers.ts): a `TLogService` over an attached
// front of the log, running create-entry requests from raw JSON to the encoded answer.
import { parentPort, workerData } from 'node:worker_threads';
import { attachLog } from '@signet/log';
import { logKeysFrom } from './log-keys.js';
import { TLogService } from './tlog-service.js';
import { packResults, toWireError, unpackBodies, type EncodedEntry, type EntryApi, type WireError, type WriteJobs, type WriteWorkerData } from './write-workers.js';

const data = workerData as WriteWorkerData;
const service = attachLog(data.port).then(
  (log) => new TLogService({ log, keys: logKeysFrom(data.origin, data.noteKey, data.setKey), workers: 0, checkpointTimeoutMs: data.checkpointTimeoutMs }),
);
// Without a log nothing can be answered: end the thread, the pool fails its requests.
service.catch(() => process.exit(1));

let answers: { id: number; entry: EncodedEntry }[] = [];
let errors: [number, WireError][] = [];
let flushQueued = false;

/** Outcomes of one turn (typically every request one checkpoint released) go back in one message. */
function finish(id: number, entry: EncodedEntry | undefined, err?: unknown): void {
  if (entry !== undefined) answers.push({ id, entry });
  else errors.push([id, toWireError(err)]);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(() => {
    flushQueued = false;
    const { results, transfer } = packResults(answers, errors);
    answers = [];
    errors = [];
    parentPort!.postMessage(results, transfer);
  });
}

/** Requests received and not started yet. */
const queue: { id: number; api: EntryApi; body: Uint8Array }[] = [];
let head = 0;
let pumping = false;
/**
 * Requests started per turn of the event loop: each verifies a signature synchronously, so a
 * slice of them is ~1 ms; between slices the appends they made go out and checkpoint and
 * append messages come in, instead of waiting behind every request the HTTP thread sent.
 */
const SLICE = 8;

function pump(s: TLogService): void {
  const end = Math.min(queue.length, head + SLICE);
  for (; head < end; head++) {
    const { id, api, body } = queue[head]!;
    s.createEntry(api, body).then(
      (e) => finish(id, e),
      (err: unknown) => finish(id, undefined, err),
    );
  }
  if (head < queue.length) {
    setImmediate(() => pump(s));
    return;
  }
  queue.length = 0;
  head = 0;
  pumping = false;
}

parentPort!.on('message', (jobs: WriteJobs) => {
  const bodies = unpackBodies(jobs.bodies, jobs.lens);
  for (let i = 0; i < jobs.ids.length; i++) queue.push({ id: jobs.ids[i]!, api: jobs.v2[i] === 1 ? 'v2' : 'v1', body: bodies[i]! });
  if (pumping) return;
  pumping = true;
  void service.then((s) => pump(s));
});
