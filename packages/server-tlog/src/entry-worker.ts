// The body of an entry worker thread (see entry-workers.ts): canonicalizes proposed entries
// (validation and signature verification, the same functions the event loop would run) and
// signs SETs, in batches, so the CPU-bound part of an append runs beside the event loop.
import { parentPort, workerData } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { SignetError } from '@signet/core';
import { hashLeaf } from '@signet/merkle';
import { canonicalizeProposedEntry } from './rekor-v1-entries.js';
import { canonicalizeCreateEntryRequest } from './rekor-v2-entries.js';
import { signSET } from './signed-entry-timestamp.js';
import type { WorkerJob, WorkerResult } from './entry-workers.js';

const { setKey, logIdHex } = workerData as { setKey: KeyObject; logIdHex: string };

function run(job: WorkerJob): WorkerResult {
  try {
    switch (job.t) {
      case 'v1':
      case 'v2': {
        const c = job.t === 'v1' ? canonicalizeProposedEntry(job.p) : canonicalizeCreateEntryRequest(job.p);
        return { id: job.id, ok: true, v: { kind: c.kind, apiVersion: c.apiVersion, body: c.body, indexKeys: [...c.indexKeys], leafHash: hashLeaf(c.body) } };
      }
      case 'set':
        return { id: job.id, ok: true, v: signSET(setKey, logIdHex, job.body, job.integratedTime, job.logIndex) };
    }
  } catch (err) {
    if (err instanceof SignetError) return { id: job.id, ok: false, e: { name: err.name, code: err.code, message: err.message } };
    return { id: job.id, ok: false, e: { name: 'Error', code: 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) } };
  }
}

parentPort!.on('message', (jobs: WorkerJob[]) => {
  parentPort!.postMessage(jobs.map(run));
});
