import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  NoteSignatureType,
  logKeyId,
  noteKeyHash,
  noteSignerFromPrivateKey,
  noteVerifierFromPublicKey,
  noteVerifierFromVkey,
  parseSignedNote,
  signNote,
  verifySignedNote,
  type NoteVerifier,
} from '@signet/merkle';
import { assertCode } from './assert-code.js';

const NAME = 'example.com/log';
const BODY = 'example.com/log\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';

const ed = generateKeyPairSync('ed25519');
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

const rawEd25519 = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' }).subarray(12);
const spki = (k: KeyObject): Buffer => k.export({ format: 'der', type: 'spki' });

function vkey(name: string, type: number, key: Buffer, hash: Buffer): string {
  return `${name}+${hash.toString('hex')}+${Buffer.concat([Buffer.from([type]), key]).toString('base64')}`;
}

/** A timestamped cosignature line (type 0x04) from a witness we do not know. */
function cosignatureLine(): string {
  const raw = Buffer.concat([Buffer.from('w1tn'), Buffer.alloc(8), Buffer.alloc(64, 9)]);
  return `— witness.example/w1 ${raw.toString('base64')}\n`;
}

describe('note key IDs', () => {
  it('computes SHA-256(name || 0x0A || type || key)[:4] (c2sp.org/signed-note)', () => {
    const key = rawEd25519(ed.publicKey);
    const want = createHash('sha256').update(Buffer.concat([Buffer.from(`${NAME}\n`), Buffer.from([1]), key])).digest();
    assert.deepEqual(noteKeyHash(NAME, NoteSignatureType.Ed25519, key), want.subarray(0, 4));
    assert.deepEqual(logKeyId(NAME, ed.publicKey), want);
  });

  it('uses SHA-256 of the SPKI DER for ECDSA, whatever the name (Rekor v1/v2, type 0x02)', () => {
    const want = createHash('sha256').update(spki(ec.publicKey)).digest();
    assert.deepEqual(logKeyId(NAME, ec.publicKey), want);
    assert.deepEqual(logKeyId('other', ec.publicKey), want);
    assert.deepEqual(noteVerifierFromPublicKey(NAME, ec.publicKey).keyHash, want.subarray(0, 4));
  });
});

describe('verifySignedNote', () => {
  for (const [label, pair] of [['Ed25519', ed], ['ECDSA P-256', ec], ['RSA', rsa]] as const) {
    it(`verifies a ${label} signature made by noteSignerFromPrivateKey`, () => {
      const text = signNote(BODY, noteSignerFromPrivateKey(NAME, pair.privateKey));
      const verifier = noteVerifierFromPublicKey(NAME, pair.publicKey);
      const ok = verifySignedNote(parseSignedNote(text), [verifier]);
      assert.equal(ok.length, 1);
      assert.equal(ok[0]?.name, NAME);
    });
  }

  it('ignores unknown keys: cosignatures, same name with another key ID, same key ID with another name', () => {
    const signer = noteSignerFromPrivateKey(NAME, ed.privateKey);
    const verifier = noteVerifierFromPublicKey(NAME, ed.publicKey);
    const otherId = Buffer.concat([Buffer.from('zzzz'), Buffer.alloc(64)]).toString('base64');
    const sameId = Buffer.concat([verifier.keyHash, Buffer.alloc(64)]).toString('base64');
    const text = signNote(BODY, signer) + cosignatureLine() + `— ${NAME} ${otherId}\n` + `— other.example ${sameId}\n`;
    const ok = verifySignedNote(parseSignedNote(text), [verifier]);
    assert.deepEqual(ok.map((s) => s.name), [NAME]);
  });

  it('returns every trusted signature that verified', () => {
    const text = signNote(BODY, [noteSignerFromPrivateKey(NAME, ed.privateKey), noteSignerFromPrivateKey('b.example', ec.privateKey)]);
    const ok = verifySignedNote(parseSignedNote(text), [
      noteVerifierFromPublicKey(NAME, ed.publicKey),
      noteVerifierFromPublicKey('b.example', ec.publicKey),
    ]);
    assert.equal(ok.length, 2);
  });

  it('rejects a note whose text was changed', () => {
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ed.privateKey)).replace('\n7\n', '\n8\n');
    assertCode(() => verifySignedNote(parseSignedNote(text), [noteVerifierFromPublicKey(NAME, ed.publicKey)]), 'ERR_NOTE_SIGNATURE');
  });

  it('rejects the whole note when one known key signed badly, even if another verified', () => {
    const good = noteSignerFromPrivateKey(NAME, ed.privateKey);
    const bad = noteSignerFromPrivateKey('b.example', ec.privateKey);
    const text = signNote(BODY, [good, { ...bad, sign: () => Buffer.from('not DER') }]);
    const verifiers = [noteVerifierFromPublicKey(NAME, ed.publicKey), noteVerifierFromPublicKey('b.example', ec.publicKey)];
    assertCode(() => verifySignedNote(parseSignedNote(text), verifiers), 'ERR_NOTE_SIGNATURE');
  });

  it('rejects a note signed only by unknown keys, and an empty trust list', () => {
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ed.privateKey)) + cosignatureLine();
    const other = generateKeyPairSync('ed25519');
    assertCode(() => verifySignedNote(parseSignedNote(text), [noteVerifierFromPublicKey(NAME, other.publicKey)]), 'ERR_NOTE_SIGNATURE');
    assertCode(() => verifySignedNote(parseSignedNote(text), []), 'ERR_NOTE_SIGNATURE');
  });

  it('rejects when a verifier throws instead of answering', () => {
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ed.privateKey));
    const real = noteVerifierFromPublicKey(NAME, ed.publicKey);
    const throwing: NoteVerifier = { ...real, verify: () => { throw new Error('boom'); } };
    assertCode(() => verifySignedNote(parseSignedNote(text), [throwing]), 'ERR_NOTE_SIGNATURE');
  });

  it('honours an explicit key ID', () => {
    const hint = Buffer.from('0a0b0c0d', 'hex');
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ec.privateKey, hint));
    assert.equal(verifySignedNote(parseSignedNote(text), [noteVerifierFromPublicKey(NAME, ec.publicKey, hint)]).length, 1);
    assertCode(() => verifySignedNote(parseSignedNote(text), [noteVerifierFromPublicKey(NAME, ec.publicKey)]), 'ERR_NOTE_SIGNATURE');
  });
});

describe('noteVerifierFromVkey', () => {
  it('reads an Ed25519 vkey (type 0x01)', () => {
    const key = rawEd25519(ed.publicKey);
    const v = noteVerifierFromVkey(vkey(NAME, 1, key, noteKeyHash(NAME, 1, key)));
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ed.privateKey));
    assert.equal(verifySignedNote(parseSignedNote(text), [v]).length, 1);
  });

  it('reads an ECDSA vkey (type 0x02, SPKI DER, key ID from the SPKI hash)', () => {
    const der = spki(ec.publicKey);
    const v = noteVerifierFromVkey(vkey(NAME, 2, der, createHash('sha256').update(der).digest().subarray(0, 4)));
    const text = signNote(BODY, noteSignerFromPrivateKey(NAME, ec.privateKey));
    assert.equal(verifySignedNote(parseSignedNote(text), [v]).length, 1);
  });

  it('rejects malformed vkeys, unknown types, bad keys and mismatched key IDs', () => {
    const key = rawEd25519(ed.publicKey);
    const hash = noteKeyHash(NAME, 1, key);
    const bad = [
      'no-plus-signs',
      `${NAME}+${hash.toString('hex')}`,
      `${NAME}+${hash.toString('hex').slice(1)}+${Buffer.concat([Buffer.from([1]), key]).toString('base64')}`,
      `bad name+${hash.toString('hex')}+${Buffer.concat([Buffer.from([1]), key]).toString('base64')}`,
      `${NAME}+${hash.toString('hex')}+not*base64`,
      vkey(NAME, 1, key, Buffer.from('00000000', 'hex')),
      vkey(NAME, 1, key.subarray(1), hash),
      vkey(NAME, 4, key, noteKeyHash(NAME, 4, key)),
      vkey(NAME, 2, Buffer.from('not der'), hash),
      vkey(NAME, 2, spki(ed.publicKey), createHash('sha256').update(spki(ed.publicKey)).digest().subarray(0, 4)),
    ];
    for (const v of bad) assertCode(() => noteVerifierFromVkey(v), 'ERR_NOTE_KEY');
  });

  it('rejects unusable public keys and names in noteVerifierFromPublicKey', () => {
    const x = generateKeyPairSync('x25519');
    assertCode(() => noteVerifierFromPublicKey(NAME, x.publicKey), 'ERR_NOTE_KEY');
    assertCode(() => noteVerifierFromPublicKey('a+b', ed.publicKey), 'ERR_NOTE_KEY');
    assertCode(() => noteVerifierFromPublicKey(NAME, ed.publicKey, Buffer.alloc(5)), 'ERR_NOTE_KEY');
    assert.throws(() => noteSignerFromPrivateKey(NAME, ed.publicKey), TypeError);
  });
});
