// Crash test of the transparency log (issue 3): `signet serve tlog` runs as a child process,
// many concurrent HTTP clients append, the server is SIGKILLed mid-load several times and
// restarted; then every acknowledged (201) entry must be at its index with a valid inclusion
// proof, every checkpoint handed out before a crash must be consistent with the final tree,
// and `signet log fsck` must pass. Loopback only, bounded in entries and time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashLeaf, noteVerifierFromPublicKey, parseCheckpoint, parseSignedNote, verifyCheckpoint, verifyConsistencyProof, verifyInclusionProof } from '@signet/merkle';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'packages/cli/dist/bin.js');
const CRASHES = 3;
const CLIENTS = 48;
const MAX_ENTRIES_PER_ROUND = 3000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startServer(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', 'tlog', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--checkpoint-interval-ms', '10'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d; });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('signet serve tlog:')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  child.removeAllListeners('exit');
  return child;
}

interface Acked { index: number; uuid: string; body: Buffer }

describe('transparency log crash test', () => {
  it('keeps every acknowledged entry and every handed-out checkpoint across repeated SIGKILLs', { timeout: 180_000 }, async (t) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'signet-tlog-crash-'));
    t.after(() => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const keys = Array.from({ length: 4 }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
    const pems = keys.map((k) => Buffer.from(createPublicKey(k).export({ format: 'pem', type: 'spki' }) as string).toString('base64'));
    const acked: Acked[] = [];
    const checkpoints = new Map<string, { size: number; root: Buffer; note: string }>();
    let counter = 0;

    const seeCheckpoint = (note: string): void => {
      const cp = parseCheckpoint(parseSignedNote(note).body);
      checkpoints.set(`${cp.treeSize}`, { size: cp.treeSize, root: cp.rootHash, note });
    };

    for (let round = 0; round <= CRASHES; round++) {
      const child = await startServer(dataDir, port);
      // A failed assertion must not leave the server running (its pipes would keep the test alive).
      t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
      let stop = false;
      let roundAcked = 0;
      const client = async (c: number): Promise<void> => {
        while (!stop && roundAcked < MAX_ENTRIES_PER_ROUND) {
          const n = counter++;
          const data = Buffer.from(`crash-test entry ${n} client ${c}`);
          const k = n % keys.length;
          const proposal = {
            apiVersion: '0.0.1', kind: 'hashedrekord',
            spec: {
              data: { hash: { algorithm: 'sha256', value: createHash('sha256').update(data).digest('hex') } },
              signature: { content: sign('sha256', data, keys[k]!).toString('base64'), publicKey: { content: pems[k] } },
            },
          };
          let r: Response;
          try {
            r = await fetch(`${url}/api/v1/log/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(proposal) });
          } catch {
            return; // the server died: this append is unacknowledged
          }
          let json: Record<string, { logIndex: number; body: string; verification: { inclusionProof: { checkpoint: string } } }>;
          try {
            json = await r.json() as typeof json;
          } catch {
            return;
          }
          if (r.status !== 201) {
            assert.ok(r.status === 503, `unexpected status ${r.status}`);
            continue;
          }
          const [uuid, entry] = Object.entries(json)[0]!;
          acked.push({ index: entry.logIndex, uuid, body: Buffer.from(entry.body, 'base64') });
          roundAcked++;
          seeCheckpoint(entry.verification.inclusionProof.checkpoint);
          if (n % 50 === 0) {
            try {
              const info = await (await fetch(`${url}/api/v1/log`)).json() as { signedTreeHead: string };
              seeCheckpoint(info.signedTreeHead);
            } catch {
              return;
            }
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, (_, c) => client(c));
      if (round < CRASHES) {
        // Kill mid-load, at a different moment each round.
        await new Promise((r) => setTimeout(r, 700 + round * 300));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        stop = true;
        await Promise.all(clients);
      } else {
        stop = false;
        await new Promise((r) => setTimeout(r, 500));
        stop = true;
        await Promise.all(clients);
        // Final check against the restarted server.
        const trustedRoot = JSON.parse(readFileSync(join(dataDir, 'trusted_root.json'), 'utf8')) as { tlogs: { publicKey: { rawBytes: string } }[] };
        const origin = `127.0.0.1:${port}`;
        const verifiers = trustedRoot.tlogs.map((l) => noteVerifierFromPublicKey(origin, createPublicKey({ key: Buffer.from(l.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' })));
        const info = await (await fetch(`${url}/api/v1/log`)).json() as { treeSize: number; rootHash: string; signedTreeHead: string };
        const final = { size: info.treeSize, root: Buffer.from(info.rootHash, 'hex') };
        verifyCheckpoint(info.signedTreeHead, verifiers);
        assert.ok(acked.length >= 100, `only ${acked.length} entries were acknowledged`);
        const indexes = new Set<number>();
        for (const a of acked) {
          assert.ok(!indexes.has(a.index), `index ${a.index} acknowledged twice`);
          indexes.add(a.index);
          assert.ok(a.index < final.size, `acknowledged entry ${a.index} is beyond the final tree ${final.size}`);
          const r = await (await fetch(`${url}/api/v1/log/entries?logIndex=${a.index}`)).json() as Record<string, { body: string; verification: { inclusionProof: { hashes: string[]; treeSize: number; rootHash: string; checkpoint: string } } }>;
          const [uuid, e] = Object.entries(r)[0]!;
          assert.equal(uuid, a.uuid, `entry ${a.index} was rewritten`);
          assert.deepEqual(Buffer.from(e.body, 'base64'), a.body);
          const p = e.verification.inclusionProof;
          verifyInclusionProof({ index: a.index, treeSize: p.treeSize, leafHash: hashLeaf(a.body), proof: p.hashes.map((h) => Buffer.from(h, 'hex')), rootHash: Buffer.from(p.rootHash, 'hex') });
        }
        for (const cp of checkpoints.values()) {
          verifyCheckpoint(cp.note, verifiers);
          if (cp.size === 0) continue;
          const p = await (await fetch(`${url}/api/v1/log/proof?firstSize=${cp.size}&lastSize=${final.size}`)).json() as { hashes: string[]; rootHash: string };
          verifyConsistencyProof({ oldSize: cp.size, newSize: final.size, oldRoot: cp.root, newRoot: final.root, proof: p.hashes.map((h) => Buffer.from(h, 'hex')) });
        }
        t.diagnostic(`${acked.length} acknowledged entries over ${CRASHES} crashes, ${checkpoints.size} checkpoints checked, final size ${final.size}`);
        child.kill('SIGTERM');
        const code = await new Promise((r) => child.once('exit', r));
        assert.equal(code, 0, 'clean shutdown on SIGTERM');
      }
    }
    const fsck = spawnSync(process.execPath, [BIN, 'log', 'fsck', '--data-dir', dataDir], { encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
    assert.match(fsck.stdout, /fsck: OK/);
  });
});
