import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { noteSignerFromPrivateKey, noteSigningKeyOf, noteVerifierFromPublicKey, parseSignedNote, signNote, verifyCheckpoint, type NoteSigner } from '@signet/merkle';
import { openLog, type WitnessHook } from '@signet/log';
import { ORIGIN, ecdsaSigner, ecdsaVerifier, signer, tempDir, verifier } from './helpers.js';

for (const thread of ['inline', 'worker'] as const) {
  describe(`openLog: witnesses and who signs [${thread}]`, () => {
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
      const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers: [signer], witnesses: [good, failing, slow, malformed], witnessTimeoutMs: 50 });
      t.after(() => log.close());
      await log.append({ leaf: Buffer.from('a') });
      const cp = await log.awaitCheckpoint(0);
      const names = parseSignedNote(cp.note).signatures.map((s) => s.name);
      assert.deepEqual(names, [ORIGIN, 'witness.example']);
      verifyCheckpoint(cp.note, [verifier]);
      verifyCheckpoint(cp.note, [noteVerifierFromPublicKey('witness.example', keys.publicKey)]);
    });

    it('signs with key-made signers, custom signers and several signers alike', async (t) => {
      // A signer made by noteSignerFromPrivateKey carries its key (the worker engine signs with it
      // on its own thread); a hand-written one does not (signed by the opening thread on request).
      assert.equal(noteSigningKeyOf(ecdsaSigner)?.name, ORIGIN);
      const custom: NoteSigner = { name: signer.name, keyHash: signer.keyHash, sign: (body) => signer.sign(body) };
      assert.equal(noteSigningKeyOf(custom), undefined);
      for (const signers of [[signer, ecdsaSigner], [custom], [custom, ecdsaSigner]]) {
        const before = Date.now();
        const log = await openLog({ thread, dataDir: tempDir(t), origin: ORIGIN, signers, checkpointIntervalMs: 1 });
        await log.append({ leaf: Buffer.from('x') });
        const cp = await log.awaitCheckpoint(0);
        await log.close();
        verifyCheckpoint(cp.note, [verifier]);
        assert.equal(parseSignedNote(cp.note).signatures.length, signers.length);
        if (signers.includes(ecdsaSigner)) verifyCheckpoint(cp.note, [ecdsaVerifier]);
        assert.ok(cp.publishedAt.getTime() >= before - 1000 && cp.publishedAt.getTime() <= Date.now() + 1000, 'published at the real time');
      }
    });
  });
}
