import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { hashLeaf, noteSignerFromPrivateKey, noteVerifierFromPublicKey, verifyConsistencyProof, verifyInclusionProof } from '@signet/merkle';
import { fsck, openLog } from '@signet/log';
import { tempDir } from './helpers.js';

const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));
const ORIGIN = 'crash.test.example';

interface Run {
  acked: Map<number, string>;
  checkpoints: { size: number; root: Buffer }[];
}

/** Runs the child (engine inline or in the log's worker thread) until it has acknowledged some entries, then SIGKILLs it after a random delay. */
function runAndKill(dir: string, keyPem: string, tag: string, thread: 'inline' | 'worker'): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, keyPem, ORIGIN, tag, thread], { stdio: ['ignore', 'pipe', 'pipe'] });
    const run: Run = { acked: new Map(), checkpoints: [] };
    let buffered = '';
    let stderr = '';
    let armed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!; // a torn last line is not an acknowledgement
      for (const line of lines) {
        const [kind, a, b] = line.split(' ');
        if (kind === 'ack') run.acked.set(Number(a), b!);
        else if (kind === 'cp') run.checkpoints.push({ size: Number(a), root: Buffer.from(b!, 'base64') });
      }
      if (!armed && run.acked.size > 0) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), 50 + Math.floor(Math.random() * 400));
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve(run);
    });
  });
}

describe('crash safety (SIGKILL of the appending process)', () => {
  it('keeps every acknowledged entry at its index, fsck passes, and all seen checkpoints are consistent', async (t) => {
    const dir = tempDir(t);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const acked = new Map<number, string>();
    const seen: { size: number; root: Buffer }[] = [];
    for (let round = 0; round < 5; round++) {
      // Rounds alternate the engine's thread: both modes must keep every acknowledged entry.
      const run = await runAndKill(dir, keyPem, `r${round}`, round % 2 === 0 ? 'inline' : 'worker');
      assert.ok(run.acked.size > 0);
      for (const [i, leaf] of run.acked) {
        assert.ok(!acked.has(i), `index ${i} acknowledged twice`);
        acked.set(i, leaf);
      }
      seen.push(...run.checkpoints);
    }

    const log = await openLog({ dataDir: dir, origin: ORIGIN, signers: [noteSignerFromPrivateKey(ORIGIN, privateKey)] });
    try {
      // Recovery integrates and publishes everything that was sequenced before the last kill.
      const cp = log.checkpoint();
      assert.equal(cp.size, log.stats().sequenced);
      for (const [index, leaf] of acked) {
        const entry = await log.entry(index);
        assert.equal(entry?.leaf.toString(), leaf, `entry ${index}`);
      }
      const sample = [...acked.keys()].filter((_, i) => i % 97 === 0);
      for (const index of sample) {
        const proof = await log.inclusionProof(index, cp.size);
        verifyInclusionProof({ index, treeSize: cp.size, leafHash: hashLeaf(Buffer.from(acked.get(index)!)), rootHash: cp.rootHash, proof });
      }
      for (const old of seen) {
        const proof = await log.consistencyProof(old.size, cp.size);
        verifyConsistencyProof({ oldSize: old.size, newSize: cp.size, oldRoot: old.root, newRoot: cp.rootHash, proof });
      }
      // The lookup indexes (merged or still pending when the process died) know every entry.
      for (let round = 0; round < 5; round++) {
        const found = new Set(await log.search(`round:r${round}`, 10_000));
        for (const [index, leaf] of acked) if (leaf.startsWith(`r${round}-`)) assert.ok(found.has(index), `search misses entry ${index}`);
      }
      for (const [index, leaf] of acked) {
        assert.equal(await log.findByIdentity(createHash('sha256').update(leaf).digest()), index, `identity of entry ${index}`);
      }
      for (const index of sample) {
        assert.deepEqual((await log.append({ leaf: Buffer.from(acked.get(index)!) })).index, index);
      }
    } finally {
      await log.close();
    }
    const report = await fsck({ dataDir: dir }, [noteVerifierFromPublicKey(ORIGIN, publicKey)]);
    assert.deepEqual(report.problems, []);
    assert.ok(report.ok);
  });
});
