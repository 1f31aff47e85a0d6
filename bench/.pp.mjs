import { openLog } from '@signet/log';
import { noteSignerFromPrivateKey } from '@signet/merkle';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os'; import { join } from 'node:path';
const signer = noteSignerFromPrivateKey('b', generateKeyPairSync('ed25519').privateKey);
const dir = mkdtempSync(join(tmpdir(), 'pp-'));
let log = await openLog({ dataDir: dir, origin: 'b', signers: [signer], batchSize: 16384, maxPending: 1<<20, checkpointIntervalMs: 1000 });
const N = 300000;
for (let s = 0; s < N; s += 100000) await Promise.all(Array.from({length: 100000}, (_, i) => log.append({ leaf: Buffer.from(`x${s+i}`) })));
await log.awaitCheckpoint(N-1); await log.close();
log = await openLog({ dataDir: dir, origin: 'b', signers: [signer] });
const times = [];
for (let i = 0; i < 2000; i++) { const idx = Math.floor(Math.random()*N); const t = performance.now(); await log.inclusionProof(idx, N); times.push([performance.now()-t, i]); }
const sorted = times.slice().sort((a,b)=>b[0]-a[0]);
console.log(sorted.slice(0, 25).map(([t,i]) => `${t.toFixed(1)}@${i}`).join(' '));
await log.close(); rmSync(dir, { recursive: true });
