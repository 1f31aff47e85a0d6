import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hashLeaf, noteVerifierFromPublicKey } from '@signet/merkle';
import { fsck, openLog, type TransparencyLog } from '@signet/log';
import { generateKeyPairSync } from 'node:crypto';
import { ORIGIN, leafOf, signer, tempDir, verifier } from './helpers.js';

/** Flips one byte in every occurrence of `needle` in the closed log's SQLite file; returns the count. */
function tamper(dir: string, needle: Buffer, at = 0): number {
  const file = join(dir, 'log.sqlite');
  const bytes = readFileSync(file);
  let count = 0;
  for (let i = bytes.indexOf(needle); i >= 0; i = bytes.indexOf(needle, i + 1)) {
    bytes[i + at] = bytes[i + at]! ^ 0x01;
    count++;
  }
  writeFileSync(file, bytes);
  return count;
}

async function buildLog(dir: string, n: number): Promise<void> {
  const log: TransparencyLog = await openLog({ dataDir: dir, origin: ORIGIN, signers: [signer], checkpointIntervalMs: 0, batchSize: 100 });
  for (let i = 0; i < n; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => log.append({ leaf: leafOf(i + j, 'fsck-entry') })));
    await log.awaitCheckpoint(Math.min(i + 100, n) - 1);
  }
  await log.close(); // closing the last connection folds the WAL into log.sqlite
}

describe('fsck', () => {
  it('passes on a healthy log and re-derives its root', async (t) => {
    const dir = tempDir(t);
    await buildLog(dir, 700);
    const report = await fsck({ dataDir: dir }, [verifier]);
    assert.deepEqual(report.problems, []);
    assert.equal(report.ok, true);
    assert.equal(report.entries, 700);
    assert.equal(report.integratedSize, 700);
    assert.ok(report.checkpointsChecked >= 8);
    assert.ok(report.tilesChecked >= 4);
  });

  it('reports checkpoints that no trusted key signed', async (t) => {
    const dir = tempDir(t);
    await buildLog(dir, 10);
    const other = noteVerifierFromPublicKey(ORIGIN, generateKeyPairSync('ed25519').publicKey);
    const report = await fsck({ dataDir: dir }, [other]);
    assert.equal(report.ok, false);
    assert.ok(report.problems.every((p) => p.code === 'ERR_LOG_CORRUPT'));
    assert.match(report.problems[0]!.message, /does not verify/);
  });

  it('detects a tampered full hash tile with ERR_LOG_CORRUPT', async (t) => {
    const dir = tempDir(t);
    await buildLog(dir, 700);
    // A leaf hash inside full tile 0/0 (and in any stale copy of the partial row it once was).
    assert.ok(tamper(dir, hashLeaf(leafOf(100, 'fsck-entry')), 5) >= 1);
    const report = await fsck({ dataDir: dir }, [verifier]);
    assert.equal(report.ok, false);
    assert.equal(report.problems[0]?.code, 'ERR_LOG_CORRUPT');
    assert.ok(report.problems.some((p) => /tile 0\/0 differs/.test(p.message)), JSON.stringify(report.problems));
  });

  it('detects a tampered partial hash tile with ERR_LOG_CORRUPT', async (t) => {
    const dir = tempDir(t);
    await buildLog(dir, 700);
    assert.ok(tamper(dir, hashLeaf(leafOf(650, 'fsck-entry')), 31) >= 1);
    const report = await fsck({ dataDir: dir }, [verifier]);
    assert.ok(report.problems.some((p) => p.code === 'ERR_LOG_CORRUPT' && /tile 0\/2 differs/.test(p.message)), JSON.stringify(report.problems));
  });

  it('detects a tampered entry with ERR_LOG_CORRUPT: its tile and the checkpoints no longer match', async (t) => {
    const dir = tempDir(t);
    await buildLog(dir, 700);
    assert.ok(tamper(dir, leafOf(123, 'fsck-entry')) >= 1); // B-tree splits may leave stale copies in free pages
    const report = await fsck({ dataDir: dir }, [verifier]);
    assert.equal(report.ok, false);
    assert.ok(report.problems.every((p) => p.code === 'ERR_LOG_CORRUPT'));
    assert.ok(report.problems.some((p) => /tile 0\/0 differs/.test(p.message)));
    assert.ok(report.problems.some((p) => /not consistent with the stored entries/.test(p.message)));
  });
});
