import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import {
  formatCheckpoint,
  hashLeaf,
  MerkleTree,
  noteSignerFromPrivateKey,
  noteVerifierFromPublicKey,
  parseCheckpoint,
  signNote,
  verifyCheckpoint,
  verifyInclusionProof,
} from '@signet/merkle';
import { assertCode, leafData } from './assert-code.js';

const ROOT = Buffer.alloc(32, 0xab);
const ROOT64 = ROOT.toString('base64');

describe('parseCheckpoint / formatCheckpoint (c2sp.org/tlog-checkpoint)', () => {
  it('round-trips origin, size, root and extension lines', () => {
    const cp = { origin: 'example.com/log', treeSize: 20852163, rootHash: ROOT, extensions: ['Timestamp: 1689177396617352539'] };
    const text = formatCheckpoint(cp);
    assert.equal(text, `example.com/log\n20852163\n${ROOT64}\nTimestamp: 1689177396617352539\n`);
    assert.deepEqual(parseCheckpoint(text), cp);
  });

  it('accepts size 0, the largest safe size, and an origin with spaces (Rekor v1)', () => {
    assert.equal(parseCheckpoint(`o\n0\n${ROOT64}\n`).treeSize, 0);
    assert.equal(parseCheckpoint(`o\n9007199254740991\n${ROOT64}\n`).treeSize, Number.MAX_SAFE_INTEGER);
    assert.equal(parseCheckpoint(`rekor.sigstore.dev - 123\n1\n${ROOT64}\n`).origin, 'rekor.sigstore.dev - 123');
  });

  const malformed: Array<[string, string]> = [
    ['no final newline', `o\n1\n${ROOT64}`],
    ['only two lines', `o\n1\n`],
    ['empty origin', `\n1\n${ROOT64}\n`],
    ['leading zero in size', `o\n01\n${ROOT64}\n`],
    ['negative size', `o\n-1\n${ROOT64}\n`],
    ['signed size', `o\n+1\n${ROOT64}\n`],
    ['exponent size', `o\n1e3\n${ROOT64}\n`],
    ['size with spaces', `o\n 1\n${ROOT64}\n`],
    ['size beyond 2^53-1', `o\n9007199254740992\n${ROOT64}\n`],
    ['root of 31 bytes', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`],
    ['root of 33 bytes', `o\n1\n${Buffer.alloc(33).toString('base64')}\n`],
    ['root in hex', `o\n1\n${ROOT.toString('hex')}\n`],
    ['root without padding', `o\n1\n${ROOT64.replace('=', '')}\n`],
    ['empty extension line', `o\n1\n${ROOT64}\n\next\n`],
    ['trailing blank line', `o\n1\n${ROOT64}\n\n`],
    ['carriage returns', `o\r\n1\r\n${ROOT64}\r\n`],
  ];
  for (const [why, text] of malformed) {
    it(`rejects a checkpoint with ${why}`, () => assertCode(() => parseCheckpoint(text), 'ERR_CHECKPOINT_FORMAT'));
  }

  it('refuses to format impossible checkpoints (caller misuse)', () => {
    const cp = { origin: 'o', treeSize: 1, rootHash: ROOT, extensions: [] };
    assert.throws(() => formatCheckpoint({ ...cp, origin: '' }), TypeError);
    assert.throws(() => formatCheckpoint({ ...cp, origin: 'a\nb' }), TypeError);
    assert.throws(() => formatCheckpoint({ ...cp, treeSize: -1 }), TypeError);
    assert.throws(() => formatCheckpoint({ ...cp, rootHash: Buffer.alloc(31) }), TypeError);
    assert.throws(() => formatCheckpoint({ ...cp, extensions: [''] }), TypeError);
  });
});

describe('verifyCheckpoint', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const origin = 'signet.example/log';

  it('signs a checkpoint of a tree and proves a leaf against it', () => {
    const tree = new MerkleTree();
    for (let i = 0; i < 300; i++) tree.append(hashLeaf(leafData(i)));
    const note = signNote(
      formatCheckpoint({ origin, treeSize: tree.size, rootHash: tree.root(), extensions: [] }),
      noteSignerFromPrivateKey(origin, privateKey),
    );
    const { checkpoint, signatures } = verifyCheckpoint(note, [noteVerifierFromPublicKey(origin, publicKey)]);
    assert.equal(signatures.length, 1);
    assert.equal(checkpoint.treeSize, 300);
    verifyInclusionProof({
      index: 257,
      treeSize: checkpoint.treeSize,
      leafHash: hashLeaf(leafData(257)),
      proof: tree.inclusionProof(257, 300),
      rootHash: checkpoint.rootHash,
    });
  });

  it('checks signatures before parsing the checkpoint text', () => {
    const note = signNote('not a checkpoint\n', noteSignerFromPrivateKey(origin, privateKey));
    const verifiers = [noteVerifierFromPublicKey(origin, publicKey)];
    assertCode(() => verifyCheckpoint(note, verifiers), 'ERR_CHECKPOINT_FORMAT');
    const other = generateKeyPairSync('ed25519');
    assertCode(() => verifyCheckpoint(note, [noteVerifierFromPublicKey(origin, other.publicKey)]), 'ERR_NOTE_SIGNATURE');
    assertCode(() => verifyCheckpoint('not a note', verifiers), 'ERR_NOTE_FORMAT');
  });
});
