// Log engine benchmark (issue 3), bounded in count and time. Build first: `npx tsc --build packages/log`.
//
//   node bench/log-engine.bench.mjs
//
// Phase 1: CONCURRENCY appenders (default 256) each append, then await a published checkpoint
//   covering their entry, in a loop for SECONDS (default 5) or at most MAX_APPENDS entries.
//   Prints durable appends/s and p50/p99 time-to-index (append resolved: entry committed) and
//   time-to-checkpoint (a signed, stored checkpoint covers the entry).
// Phase 2: builds a log of MILLION entries (default 1,000,000) by appending in big batches,
//   prints how long that took, then inclusion- and consistency-proof latency at that size,
//   computed from stored tiles (cold tile cache on a reopened log), and fsck time.
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openLog, fsck } from '@signet/log';
import { noteSignerFromPrivateKey, noteVerifierFromPublicKey, hashLeaf, verifyInclusionProof, verifyConsistencyProof } from '@signet/merkle';

const SECONDS = Number(process.env.SECONDS ?? 5);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 256);
const MAX_APPENDS = Number(process.env.MAX_APPENDS ?? 200_000);
const MILLION = Number(process.env.MILLION ?? 1_000_000);
const PROOFS = Number(process.env.PROOFS ?? 2000);
const LEAF_BYTES = 512; // about a hashedrekord body

// The proof phase runs in a child process that must sign with the same key: pass it by env.
const privateKey = process.env.SIGNET_BENCH_KEY !== undefined ? createPrivateKey(process.env.SIGNET_BENCH_KEY) : generateKeyPairSync('ed25519').privateKey;
process.env.SIGNET_BENCH_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicKey = privateKey;
const signer = noteSignerFromPrivateKey('bench.log', privateKey);
const verifier = noteVerifierFromPublicKey('bench.log', publicKey);

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const ms = (x) => `${x.toFixed(2)} ms`;

function makeLeaf(worker, n) {
  const leaf = Buffer.alloc(LEAF_BYTES, 0x61);
  leaf.write(`{"worker":${worker},"n":${n},"t":${performance.now()}}`);
  return leaf;
}

async function phaseConcurrent(dir) {
  const log = await openLog({ dataDir: dir, origin: 'bench.log', signers: [signer] });
  const toIndex = [];
  const toCheckpoint = [];
  let appended = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const t0 = performance.now();
  async function worker(w) {
    for (let n = 0; performance.now() < deadline && appended < MAX_APPENDS; n++) {
      appended++;
      const leaf = makeLeaf(w, n);
      const start = performance.now();
      const key = `sha256:${createHash('sha256').update(leaf).digest('hex')}`;
      const r = await log.append({ leaf, indexKeys: [key] });
      const indexed = performance.now();
      await log.awaitCheckpoint(r.index);
      const published = performance.now();
      toIndex.push(indexed - start);
      toCheckpoint.push(published - start);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(w)));
  const elapsed = (performance.now() - t0) / 1000;
  await log.close();
  toIndex.sort((a, b) => a - b);
  toCheckpoint.sort((a, b) => a - b);
  console.log(`phase 1: ${CONCURRENCY} concurrent appenders, ${toIndex.length} entries in ${elapsed.toFixed(2)} s`);
  console.log(`  durable appends/s:        ${(toIndex.length / elapsed).toFixed(0)}`);
  console.log(`  time to index       p50 ${ms(pct(toIndex, 50))}  p99 ${ms(pct(toIndex, 99))}  max ${ms(toIndex.at(-1))}`);
  console.log(`  time to checkpoint  p50 ${ms(pct(toCheckpoint, 50))}  p99 ${ms(pct(toCheckpoint, 99))}  max ${ms(toCheckpoint.at(-1))}`);
}

async function phaseMillion(dir) {
  let log = await openLog({ dataDir: dir, origin: 'bench.log', signers: [signer], batchSize: 16_384, maxPending: 1 << 20, checkpointIntervalMs: 1000 });
  const t0 = performance.now();
  const CHUNK = 100_000;
  const leafOf = (i) => Buffer.from(`{"entry":${i},"pad":"${'x'.repeat(80)}"}`);
  for (let start = 0; start < MILLION; start += CHUNK) {
    const n = Math.min(CHUNK, MILLION - start);
    const ps = new Array(n);
    for (let i = 0; i < n; i++) ps[i] = log.append({ leaf: leafOf(start + i) });
    await Promise.all(ps);
  }
  await log.awaitCheckpoint(MILLION - 1);
  const built = (performance.now() - t0) / 1000;
  await log.close();
  console.log(`phase 2: built a log of ${MILLION} entries in ${built.toFixed(1)} s (${(MILLION / built).toFixed(0)} entries/s, batches of 16,384)`);
  // Proofs are measured in a fresh process (cold caches, a server-sized heap), as after a restart.
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--proofs', dir], { stdio: 'inherit', env: process.env });
  if (child.status !== 0) throw new Error('proof phase failed');
}

async function phaseProofs(dir) {
  const leafOf = (i) => Buffer.from(`{"entry":${i},"pad":"${'x'.repeat(80)}"}`);
  const t1 = performance.now();
  const log = await openLog({ dataDir: dir, origin: 'bench.log', signers: [signer] });
  console.log(`  reopen: ${ms(performance.now() - t1)}`);
  const cp = log.checkpoint();
  const size = cp.size;
  const inc = [];
  for (let i = 0; i < PROOFS; i++) {
    const index = Math.floor(Math.random() * size);
    const s = performance.now();
    const proof = await log.inclusionProof(index, size);
    inc.push(performance.now() - s);
    if (i < 50) verifyInclusionProof({ index, treeSize: size, leafHash: hashLeaf(leafOf(index)), rootHash: cp.rootHash, proof });
  }
  const con = [];
  for (let i = 0; i < PROOFS; i++) {
    const oldSize = 1 + Math.floor(Math.random() * (size - 1));
    const s = performance.now();
    const proof = await log.consistencyProof(oldSize, size);
    con.push(performance.now() - s);
    if (i < 20) verifyConsistencyProof({ oldSize, newSize: size, oldRoot: await log.rootHash(oldSize), newRoot: cp.rootHash, proof });
  }
  inc.sort((a, b) => a - b);
  con.sort((a, b) => a - b);
  console.log(`  inclusion proof at ${size}:   p50 ${ms(pct(inc, 50))}  p99 ${ms(pct(inc, 99))}  (${PROOFS} random leaves, cold start)`);
  console.log(`  consistency proof to ${size}: p50 ${ms(pct(con, 50))}  p99 ${ms(pct(con, 99))}  (${PROOFS} random old sizes)`);
  await log.close();
  const t2 = performance.now();
  const report = await fsck({ dataDir: dir }, [verifier]);
  console.log(`  fsck: ${report.ok ? 'ok' : `${report.problems.length} problems`} in ${((performance.now() - t2) / 1000).toFixed(1)} s (${report.tilesChecked} tiles, ${report.checkpointsChecked} checkpoints)`);
}

if (process.argv[2] === '--proofs') {
  await phaseProofs(process.argv[3]);
  process.exit(0);
}

console.log(`log engine bench: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'})`);
const dir1 = mkdtempSync(join(tmpdir(), 'signet-log-bench-'));
const dir2 = mkdtempSync(join(tmpdir(), 'signet-log-bench-'));
try {
  await phaseConcurrent(dir1);
  if (MILLION > 0) await phaseMillion(dir2);
} finally {
  rmSync(dir1, { recursive: true, force: true });
  rmSync(dir2, { recursive: true, force: true });
}
