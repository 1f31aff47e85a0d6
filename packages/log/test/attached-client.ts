// A thread that uses a log through `attachLog` (share.test.ts drives it by messages).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { attachLog, LogError } from '@signet/log';

type Command = { cmd: 'append'; leaves: string[] } | { cmd: 'detach' } | { cmd: 'appendOne'; leaf: string };

const log = await attachLog((workerData as { port: MessagePort }).port);
parentPort!.postMessage({ ready: true, origin: log.origin });

parentPort!.on('message', (c: Command) => {
  void (async () => {
    try {
      switch (c.cmd) {
        case 'append': {
          const results = await Promise.all(c.leaves.map((l) => log.append({ leaf: Buffer.from(l), indexKeys: [`tag:${l}`] })));
          const out = [];
          for (const r of results) {
            const cp = await log.awaitCheckpoint(r.index);
            const proof = await log.inclusionProof(r.index, cp.size);
            out.push({ index: r.index, duplicate: r.duplicate, size: cp.size, root: cp.rootHash.toString('hex'), proof: proof.map((h) => h.toString('hex')) });
          }
          parentPort!.postMessage({ out });
          return;
        }
        case 'appendOne': {
          const r = await log.append({ leaf: Buffer.from(c.leaf) });
          parentPort!.postMessage({ out: [{ index: r.index }] });
          return;
        }
        case 'detach':
          await log.close();
          parentPort!.postMessage({ detached: true });
          return;
      }
    } catch (err) {
      parentPort!.postMessage({ error: { code: err instanceof LogError ? err.code : undefined, message: (err as Error).message } });
    }
  })();
});
