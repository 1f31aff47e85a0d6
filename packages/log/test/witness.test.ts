import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { noteSignerFromPrivateKey, noteVerifierFromPublicKey, parseSignedNote, signNote, verifyCheckpoint } from '@signet/merkle';
import { openLog, type WitnessHook } from '@signet/log';
import { ORIGIN, signer, tempDir, verifier } from './helpers.js';

describe('openLog: witnesses', () => {
  it('appends cosignature lines from answering witnesses and skips failing, slow or malformed ones', async (t) => {
    const keys = generateKeyPairSync('ed25519');
    const witnessSigner = noteSignerFromPrivateKey('witness.example', keys.privateKey);
    const good: WitnessHook = {
      name: 'good',
      async cosign(note) {
        // A stand-in for a c2sp.org/tlog-witness cosignature: a note signature line by another key.
        const body = parseSignedNote(note).body;
        const line = signNote(body, witnessSigner).split('\n').at(-2)!;
        return [line];
      },
    };
    const failing: WitnessHook = { name: 'failing', cosign: async () => Promise.reject(new Error('down')) };
    const slow: WitnessHook = { name: 'slow', cosign: (_n, _c, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(['— slow AAAA']))) };
    const malformed: WitnessHook = { name: 'malformed', cosign: async () => ['not a signature line\n— injected x'] };
    const log = await openLog({ dataDir: tempDir(t), origin: ORIGIN, signers: [signer], witnesses: [good, failing, slow, malformed], witnessTimeoutMs: 50 });
    t.after(() => log.close());
    await log.append({ leaf: Buffer.from('a') });
    const cp = await log.awaitCheckpoint(0);
    const names = parseSignedNote(cp.note).signatures.map((s) => s.name);
    assert.deepEqual(names, [ORIGIN, 'witness.example']);
    verifyCheckpoint(cp.note, [verifier]);
    verifyCheckpoint(cp.note, [noteVerifierFromPublicKey('witness.example', keys.publicKey)]);
  });
});
