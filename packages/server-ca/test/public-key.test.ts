import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { digestSignatureBackend } from '@signet/core';
import { CAError, importSubjectKey, readSubjectKey, verifyProofOfPossession, verifySubjectProofOfPossession } from '@signet/server-ca';

// readSubjectKey's fast path (canonical EC keys imported natively) must accept and refuse
// exactly what the KeyObject path does, and certify the same SubjectPublicKeyInfo bytes.

const native = digestSignatureBackend() === 'native';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    assert.ok(err instanceof CAError, `expected a CAError, got ${String(err)}`);
    return err.code;
  }
}

function pem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'spki' }) as string;
}

const EC = [
  { curve: 'prime256v1', hash: 'sha256', wrongHash: 'sha512' },
  { curve: 'secp384r1', hash: 'sha384', wrongHash: 'sha256' },
  { curve: 'secp521r1', hash: 'sha512', wrongHash: 'sha256' },
] as const;

describe('readSubjectKey', () => {
  for (const c of EC) {
    it(`${c.curve}: PEM and DER take the fast path and carry the SPKI the KeyObject path would`, () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: c.curve });
      const slow = importSubjectKey(pem(publicKey)).export({ format: 'der', type: 'spki' });
      for (const input of [pem(publicKey), publicKey.export({ format: 'der', type: 'spki' })]) {
        const key = readSubjectKey(input);
        assert.equal(key.native !== undefined, native);
        assert.deepEqual(key.spki, slow);
      }
    });

    it(`${c.curve}: the proof of possession is checked as verifyProofOfPossession checks it`, () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: c.curve });
      const other = generateKeyPairSync('ec', { namedCurve: c.curve }).privateKey;
      const fast = readSubjectKey(pem(publicKey));
      const slow = importSubjectKey(pem(publicKey));
      const good = sign(c.hash, Buffer.from('user@example.com'), privateKey);
      const cases: [string, string, Uint8Array][] = [
        ['valid', 'user@example.com', good],
        ['another challenge', 'other@example.com', good],
        ['another key', 'user@example.com', sign(c.hash, Buffer.from('user@example.com'), other)],
        ['another hash', 'user@example.com', sign(c.wrongHash, Buffer.from('user@example.com'), privateKey)],
        ['not DER', 'user@example.com', Buffer.from('not a signature')],
        ['truncated', 'user@example.com', good.subarray(0, good.length - 1)],
        ['empty', 'user@example.com', Buffer.alloc(0)],
        ['too long', 'user@example.com', Buffer.alloc(2000, 1)],
      ];
      for (const [name, challenge, signature] of cases) {
        const expected = name === 'valid' ? undefined : 'ERR_CA_POP';
        assert.equal(code(() => verifySubjectProofOfPossession(fast, challenge, signature)), expected, `fast path: ${name}`);
        assert.equal(code(() => verifyProofOfPossession(slow, challenge, signature)), expected, `KeyObject path: ${name}`);
      }
    });
  }

  it('refuses a point off the curve with ERR_CA_KEY on both paths', () => {
    const der = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
    der[der.length - 1]! ^= 1;
    assert.equal(code(() => readSubjectKey(der)), 'ERR_CA_KEY');
    assert.equal(code(() => readSubjectKey(`-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`)), 'ERR_CA_KEY');
    assert.equal(code(() => importSubjectKey(der)), 'ERR_CA_KEY');
  });

  it('sends other keys down the KeyObject path: RSA, Ed25519, a compressed EC point; and still refuses weak ones', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const ed = generateKeyPairSync('ed25519').publicKey;
    for (const k of [rsa, ed]) {
      const key = readSubjectKey(pem(k));
      assert.equal(key.native, undefined);
      assert.deepEqual(key.spki, k.export({ format: 'der', type: 'spki' }));
    }
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    const jwk = ec.export({ format: 'jwk' });
    const y = Buffer.from(jwk.y!, 'base64url');
    const compressed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.of(2 + (y[31]! & 1)), Buffer.from(jwk.x!, 'base64url')]);
    const key = readSubjectKey(compressed);
    assert.equal(key.native, undefined);
    assert.deepEqual(createPublicKey({ key: key.spki, format: 'der', type: 'spki' }).export({ format: 'jwk' }), jwk);
    assert.equal(code(() => readSubjectKey(pem(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey))), 'ERR_CA_KEY');
    assert.equal(code(() => readSubjectKey(pem(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey))), 'ERR_CA_KEY');
    assert.equal(code(() => readSubjectKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')), 'ERR_CA_KEY');
    assert.equal(code(() => readSubjectKey('')), 'ERR_CA_KEY');
  });
});
