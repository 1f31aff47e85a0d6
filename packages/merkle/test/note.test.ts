import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import {
  MAX_NOTE_SIGNATURES,
  noteSignerFromPrivateKey,
  parseSignedNote,
  signNote,
  type NoteSigner,
} from '@signet/merkle';
import { assertCode } from './assert-code.js';

const BODY = 'example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
const SIG = '— example.com/log ' + Buffer.alloc(68, 1).toString('base64') + '\n';

describe('parseSignedNote (c2sp.org/signed-note)', () => {
  it('splits text and signature lines', () => {
    const note = parseSignedNote(`${BODY}\n${SIG}`);
    assert.equal(note.body, BODY);
    assert.equal(note.signatures.length, 1);
    const [s] = note.signatures;
    assert.equal(s?.name, 'example.com/log');
    assert.deepEqual(s?.keyHash, Buffer.alloc(4, 1));
    assert.deepEqual(s?.signature, Buffer.alloc(64, 1));
    assert.deepEqual(s?.raw, Buffer.alloc(68, 1));
  });

  it('keeps blank lines inside the text: the last blank line separates', () => {
    const body = 'first\n\nsecond\n';
    const note = parseSignedNote(`${body}\n${SIG}${SIG}`);
    assert.equal(note.body, body);
    assert.equal(note.signatures.length, 2);
  });

  it('accepts a signature of 5 bytes and exactly the maximum number of lines', () => {
    const short = `— k ${Buffer.alloc(5).toString('base64')}\n`;
    assert.equal(parseSignedNote(`${BODY}\n${short}`).signatures[0]?.signature.length, 1);
    assert.equal(parseSignedNote(`${BODY}\n${SIG.repeat(MAX_NOTE_SIGNATURES)}`).signatures.length, MAX_NOTE_SIGNATURES);
  });

  const malformed: Array<[string, string]> = [
    ['missing blank line', `${BODY}${SIG}`],
    ['no signature lines', `${BODY}\n`],
    ['no final newline', `${BODY}\n${SIG.slice(0, -1)}`],
    ['body without newline (separator missing)', `x\n— k ${Buffer.alloc(8).toString('base64')}\n`],
    ['hyphen instead of em dash', `${BODY}\n- k ${Buffer.alloc(8).toString('base64')}\n`],
    ['no space after em dash', `${BODY}\n—k ${Buffer.alloc(8).toString('base64')}\n`],
    ['name with a space', `${BODY}\n— my key ${Buffer.alloc(8).toString('base64')}\n`],
    ['name with a plus', `${BODY}\n— my+key ${Buffer.alloc(8).toString('base64')}\n`],
    ['empty name', `${BODY}\n—  ${Buffer.alloc(8).toString('base64')}\n`],
    ['name with a no-break space', `${BODY}\n— my\u00a0key ${Buffer.alloc(8).toString('base64')}\n`],
    ['bad base64', `${BODY}\n— k not*base64\n`],
    ['unpadded base64', `${BODY}\n— k ${Buffer.alloc(8).toString('base64').replace(/=+$/, '')}\n`],
    ['non-canonical base64 padding bits', `${BODY}\n— k AAAAAAB=\n`],
    ['base64 with a trailing space', `${BODY}\n— k ${Buffer.alloc(8).toString('base64')} \n`],
    ['signature of only 4 bytes', `${BODY}\n— k ${Buffer.alloc(4).toString('base64')}\n`],
    ['too many signature lines', `${BODY}\n${SIG.repeat(MAX_NOTE_SIGNATURES + 1)}`],
    ['carriage return', `${BODY.replace('\n', '\r\n')}\n${SIG}`],
    ['NUL byte', `a\u0000\n\n${SIG}`],
    ['tab', `a\tb\n\n${SIG}`],
    ['lone surrogate', `a\ud800\n\n${SIG}`],
    ['larger than 1 MiB', `${'x'.repeat(1024 * 1024)}\n\n${SIG}`],
    ['empty note', ''],
  ];
  for (const [why, text] of malformed) {
    it(`rejects a note with ${why}`, () => assertCode(() => parseSignedNote(text), 'ERR_NOTE_FORMAT'));
  }
});

describe('signNote', () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const signer = noteSignerFromPrivateKey('example.com/log', privateKey);

  it('writes text, a blank line, and one line per signer', () => {
    const other: NoteSigner = { name: 'w.example/1', keyHash: Buffer.from('abcd'), sign: () => Buffer.from('sig') };
    const text = signNote(BODY, [signer, other]);
    const note = parseSignedNote(text);
    assert.equal(note.body, BODY);
    assert.deepEqual(note.signatures.map((s) => s.name), ['example.com/log', 'w.example/1']);
    assert.deepEqual(note.signatures[1]?.raw, Buffer.from('abcdsig'));
    assert.ok(text.startsWith(`${BODY}\n— example.com/log `));
  });

  it('rejects text without a final newline, bad names and bad key IDs as caller misuse', () => {
    assert.throws(() => signNote('no newline', signer), TypeError);
    assert.throws(() => signNote('', signer), TypeError);
    assert.throws(() => signNote('a\rb\n', signer), TypeError);
    assert.throws(() => signNote(BODY, { ...signer, name: 'a b' }), TypeError);
    assert.throws(() => signNote(BODY, { ...signer, keyHash: Buffer.alloc(3) }), TypeError);
    assert.throws(() => signNote(BODY, []), TypeError);
  });
});
