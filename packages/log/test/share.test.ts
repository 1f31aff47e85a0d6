import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { canShareLog, logPort, openLog, type TransparencyLog } from '@signet/log';
import { hashLeaf, verifyInclusionProof } from '@signet/merkle';
import { ORIGIN, signer, tempDir } from './helpers.js';

/** A thread attached to `log` (attached-client.ts), with a request/answer helper. */
async function attachedThread(t: { after(fn: () => unknown): void }, log: TransparencyLog) {
  const port = logPort(log);
  const worker = new Worker(new URL('./attached-client.js', import.meta.url), { workerData: { port }, transferList: [port] });
  t.after(() => worker.terminate());
  const [hello] = (await once(worker, 'message')) as [{ ready: boolean; origin: string }];
  const ask = async (msg: unknown): Promise<Record<string, unknown>> => {
    worker.postMessage(msg);
    const [answer] = (await once(worker, 'message')) as [Record<string, unknown>];
    return answer;
  };
  return { hello, ask };
}

type Appended = { index: number; duplicate: boolean; size: number; root: string; proof: string[] };

describe('a log shared with other threads (logPort / attachLog)', () => {
  it('serves appends, checkpoints and pushed proofs to an attached thread, deduplicated with the opening one', async (t) => {
    const log = await openLog({ thread: 'worker', dataDir: tempDir(t), origin: ORIGIN, signers: [signer], checkpointIntervalMs: 1 });
    t.after(() => log.close());
    assert.equal(canShareLog(log), true);
    const a = await attachedThread(t, log);
    const b = await attachedThread(t, log);
    assert.equal(a.hello.origin, ORIGIN, 'the attached front knows the origin');
    const own = await log.append({ leaf: Buffer.from('from the opening thread') });
    const [fromA, fromB] = await Promise.all([a.ask({ cmd: 'append', leaves: ['a1', 'a2', 'a3'] }), b.ask({ cmd: 'append', leaves: ['b1', 'from the opening thread'] })]);
    const all = [...(fromA['out'] as Appended[]), ...(fromB['out'] as Appended[])];
    const fresh = all.filter((r) => !r.duplicate);
    assert.equal(fresh.length, 4);
    assert.deepEqual(new Set(fresh.map((r) => r.index)).size, 4, 'distinct indexes');
    const dup = all.find((r) => r.duplicate)!;
    assert.equal(dup.index, own.index, 'the same leaf from another thread is the same entry');
    const leaves = new Map([['a1', 0], ['a2', 1], ['a3', 2]].map(([l, i]) => [(fromA['out'] as Appended[])[i as number]!.index, l as string]));
    leaves.set((fromB['out'] as Appended[])[0]!.index, 'b1');
    for (const r of fresh) {
      const leafHash = hashLeaf(Buffer.from(leaves.get(r.index)!));
      verifyInclusionProof({ leafHash, index: r.index, treeSize: r.size, proof: r.proof.map((h) => Buffer.from(h, 'hex')), rootHash: Buffer.from(r.root, 'hex') });
    }
    assert.deepEqual(await log.search('tag:a2', 10), [(fromA['out'] as Appended[])[1]!.index], 'search keys from attached threads are stored');
  });

  it('detaching leaves the log open; closing the log closes every attached front', async (t) => {
    const log = await openLog({ thread: 'worker', dataDir: tempDir(t), origin: ORIGIN, signers: [signer], checkpointIntervalMs: 1 });
    const a = await attachedThread(t, log);
    const b = await attachedThread(t, log);
    assert.deepEqual(await a.ask({ cmd: 'detach' }), { detached: true });
    const after = await b.ask({ cmd: 'appendOne', leaf: 'still open' });
    assert.equal((after['out'] as { index: number }[])[0]!.index, 0);
    await log.close();
    assert.equal(canShareLog(log), false);
    assert.throws(() => logPort(log), TypeError);
    const refused = await b.ask({ cmd: 'appendOne', leaf: 'after close' });
    assert.equal((refused['error'] as { code: string }).code, 'ERR_LOG_CLOSED');
  });

  it('cannot share an inline log', async (t) => {
    const log = await openLog({ dataDir: tempDir(t), origin: ORIGIN, signers: [signer] });
    t.after(() => log.close());
    assert.equal(canShareLog(log), false);
    assert.equal(canShareLog(Object.create(log) as TransparencyLog), false, 'a lookalike is not a log front');
    assert.throws(() => logPort(log), TypeError);
  });
});
