// Child process of crash.test.ts: appends forever from 32 concurrent writers and prints every
// acknowledged entry (`ack <index> <leaf>`) and, from time to time, the latest published
// checkpoint (`cp <size> <root base64>`), until the parent SIGKILLs it.
import { createPrivateKey } from 'node:crypto';
import { noteSignerFromPrivateKey } from '@signet/merkle';
import { openLog, openSqliteDriver } from '@signet/log';

const [dir, keyPem, origin, tag, thread] = process.argv.slice(2) as [string, string, string, string, 'inline' | 'worker'];
const signer = noteSignerFromPrivateKey(origin, createPrivateKey(keyPem));
// Inline, the driver's indexer merges every few dozen entries, so kills also land mid-merge.
const store = thread === 'inline' ? { driver: openSqliteDriver({ dataDir: dir, index: { minBatch: 48, intervalMs: 3 } }) } : { dataDir: dir };
const log = await openLog({ thread, ...store, origin, signers: [signer], batchSize: 64, checkpointIntervalMs: 5 });
let n = 0;
let lastCp = -1;
async function writer(): Promise<never> {
  for (;;) {
    const leaf = `${tag}-${n++}`;
    const r = await log.append({ leaf: Buffer.from(leaf), indexKeys: [`round:${tag}`] });
    // Pipes are synchronous on Linux: once write() returns the parent can read the line.
    process.stdout.write(`ack ${r.index} ${leaf}\n`);
    const cp = log.checkpoint();
    if (cp.size !== lastCp) {
      lastCp = cp.size;
      process.stdout.write(`cp ${cp.size} ${cp.rootHash.toString('base64')}\n`);
    }
  }
}
process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 32 }, () => writer()));
