import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createPublicKey } from 'node:crypto';
import {
  hashLeaf,
  logKeyId,
  noteVerifierFromPublicKey,
  parseCheckpoint,
  parseSignedNote,
  verifyCheckpoint,
  verifyInclusionProof,
  verifySignedNote,
  type NoteVerifier,
} from '@signet/merkle';
import { assertCode } from './assert-code.js';

// Minimal views of the JSON we read; the fixtures are real Sigstore data (see fixtures/README.md).
interface TLogEntry {
  logId: { keyId: string };
  canonicalizedBody: string;
  inclusionProof: { logIndex: string; treeSize: string; rootHash: string; hashes: string[]; checkpoint: { envelope: string } };
}
interface TrustedRoot {
  tlogs: Array<{ baseUrl: string; publicKey: { rawBytes: string }; logId: { keyId: string } }>;
}

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), 'utf8'));
const entryOf = (bundle: string): TLogEntry =>
  (fixture(bundle) as { verificationMaterial: { tlogEntries: TLogEntry[] } }).verificationMaterial.tlogEntries[0] as TLogEntry;

/** The trusted-root log whose logId equals the entry's, as a verifier named after its host. */
function logFor(root: string, entry: TLogEntry): { verifier: NoteVerifier; keyId: Buffer; name: string } {
  const log = (fixture(root) as TrustedRoot).tlogs.find((t) => t.logId.keyId === entry.logId.keyId);
  assert.ok(log, 'no trusted log with that logId');
  const key = createPublicKey({ key: Buffer.from(log.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
  const name = new URL(log.baseUrl).host;
  return { verifier: noteVerifierFromPublicKey(name, key), keyId: logKeyId(name, key), name };
}

function checkInclusion(entry: TLogEntry, rootHash: Buffer): void {
  const p = entry.inclusionProof;
  verifyInclusionProof({
    index: Number(p.logIndex),
    treeSize: Number(p.treeSize),
    leafHash: hashLeaf(Buffer.from(entry.canonicalizedBody, 'base64')),
    proof: p.hashes.map((h) => Buffer.from(h, 'base64')),
    rootHash,
  });
}

describe('Rekor v1 checkpoint (rekor.sigstore.dev, ECDSA P-256)', () => {
  const entry = entryOf('rekor-v1-happy-path.bundle.json');
  const log = logFor('public-good-trusted_root.json', entry);

  it('uses the SHA-256 of the SPKI DER as logId, and its first 4 bytes as the note key ID', () => {
    assert.equal(log.keyId.toString('base64'), entry.logId.keyId);
    const note = parseSignedNote(entry.inclusionProof.checkpoint.envelope);
    assert.deepEqual(note.signatures[0]?.keyHash, log.keyId.subarray(0, 4));
    assert.equal(note.signatures[0]?.name, 'rekor.sigstore.dev');
  });

  it('verifies the checkpoint and binds it to the inclusion proof', () => {
    const { checkpoint, signatures } = verifyCheckpoint(entry.inclusionProof.checkpoint.envelope, [log.verifier]);
    assert.equal(signatures.length, 1);
    assert.equal(checkpoint.origin, 'rekor.sigstore.dev - 2605736670972794746');
    assert.equal(checkpoint.treeSize, Number(entry.inclusionProof.treeSize));
    assert.equal(checkpoint.rootHash.toString('base64'), entry.inclusionProof.rootHash);
    assert.deepEqual(checkpoint.extensions, []);
    checkInclusion(entry, checkpoint.rootHash);
  });

  it('rejects a checkpoint whose signature does not verify (conformance case)', () => {
    const bad = entryOf('rekor-v1-invalid-checkpoint-signature.bundle.json');
    const note = parseSignedNote(bad.inclusionProof.checkpoint.envelope);
    assert.deepEqual(parseCheckpoint(note.body).extensions, ['Timestamp: 1689177396617352539']);
    assertCode(() => verifySignedNote(note, [log.verifier]), 'ERR_NOTE_SIGNATURE');
  });

  it('rejects an inclusion proof with a flipped bit (conformance case)', () => {
    const bad = entryOf('rekor-v1-inclusion-proof-corrupted-hash.bundle.json');
    const { checkpoint } = verifyCheckpoint(bad.inclusionProof.checkpoint.envelope, [log.verifier]);
    assertCode(() => checkInclusion(bad, checkpoint.rootHash), 'ERR_MERKLE_INCLUSION_PROOF');
  });
});

describe('Rekor v2 checkpoint (log2025-alpha1.rekor.sigstage.dev, Ed25519)', () => {
  const entry = entryOf('rekor-v2-happy-path.bundle.json');
  const log = logFor('rekor-v2-staging-trusted_root.json', entry);

  it('uses SHA-256(origin || 0x0A || 0x01 || key) as logId, and its first 4 bytes as the key ID', () => {
    assert.equal(log.name, 'log2025-alpha1.rekor.sigstage.dev');
    assert.equal(log.keyId.toString('base64'), entry.logId.keyId);
    const note = parseSignedNote(entry.inclusionProof.checkpoint.envelope);
    assert.deepEqual(note.signatures[0]?.keyHash, log.keyId.subarray(0, 4));
  });

  it('verifies the checkpoint and binds it to the inclusion proof', () => {
    const { checkpoint } = verifyCheckpoint(entry.inclusionProof.checkpoint.envelope, [log.verifier]);
    assert.equal(checkpoint.origin, log.name);
    assert.equal(checkpoint.treeSize, 736);
    assert.equal(checkpoint.rootHash.toString('base64'), entry.inclusionProof.rootHash);
    checkInclusion(entry, checkpoint.rootHash);
  });

  it('rejects a checkpoint whose origin line was removed (conformance case)', () => {
    const bad = entryOf('rekor-v2-checkpoint-missing-origin.bundle.json');
    // The signature no longer covers the text, and the text is not a checkpoint either.
    const note = parseSignedNote(bad.inclusionProof.checkpoint.envelope);
    assertCode(() => verifySignedNote(note, [log.verifier]), 'ERR_NOTE_SIGNATURE');
    assertCode(() => parseCheckpoint(note.body), 'ERR_CHECKPOINT_FORMAT');
  });

  it('does not accept the v2 checkpoint with the v1 key or vice versa', () => {
    const v1 = logFor('public-good-trusted_root.json', entryOf('rekor-v1-happy-path.bundle.json'));
    assertCode(() => verifyCheckpoint(entry.inclusionProof.checkpoint.envelope, [v1.verifier]), 'ERR_NOTE_SIGNATURE');
  });
});
