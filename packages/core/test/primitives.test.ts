import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CoreError, canonicalizeJSON, describeKey, digest, digestFile, importPrivateKey, pooledDigest, importPublicKey, preAuthEncoding, signMessage, verifySignature,
} from '@signet/core';

describe('canonicalizeJSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units and drops whitespace', () => {
    assert.equal(canonicalizeJSON({ b: 1, a: [true, null, 'x'], '\u20ac': 1, '\r': 2, 'ö': 3 }), '{"\\r":2,"a":[true,null,"x"],"b":1,"ö":3,"€":1}');
  });
  it('serialises numbers as ECMAScript does', () => {
    assert.equal(canonicalizeJSON([1e21, 1e-7, 0.1, -0, 333333333.3333333]), '[1e+21,1e-7,0.1,0,333333333.3333333]');
  });
  it('rejects values JSON cannot carry', () => {
    assert.throws(() => canonicalizeJSON({ a: Number.NaN }), (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_JSON');
    assert.throws(() => canonicalizeJSON(10n), (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_JSON');
  });
});

describe('DSSE PAE', () => {
  it('matches the DSSE v1 specification example', () => {
    assert.equal(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString(), 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });
});

describe('keys', () => {
  const cases = [
    ['ec', { namedCurve: 'P-256' }, 'ecdsa-p256'],
    ['ec', { namedCurve: 'P-384' }, 'ecdsa-p384'],
    ['ec', { namedCurve: 'P-521' }, 'ecdsa-p521'],
    ['ed25519', {}, 'ed25519'],
    ['rsa', { modulusLength: 2048 }, 'rsa'],
  ] as const;
  for (const [type, opts, alg] of cases) {
    it(`imports ${alg} from SPKI/PKCS#8 PEM and DER, signs and verifies`, () => {
      const { publicKey, privateKey } = generateKeyPairSync(type as 'ec', opts as { namedCurve: string });
      const pub = importPublicKey(publicKey.export({ type: 'spki', format: 'pem' }) as string);
      const pubDer = importPublicKey(publicKey.export({ type: 'spki', format: 'der' }));
      const priv = importPrivateKey(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      assert.equal(describeKey(pub).algorithm, alg);
      const msg = Buffer.from('signet');
      const sig = signMessage(priv, msg);
      assert.equal(verifySignature(pubDer, msg, sig), true);
      assert.equal(verifySignature(pub, Buffer.from('other'), sig), false);
      if (alg === 'rsa') {
        const pss = signMessage(priv, msg, { rsaPadding: 'pss' });
        assert.equal(verifySignature(pub, msg, pss, { rsaPadding: 'pss' }), true);
        assert.equal(verifySignature(pub, msg, pss), false);
      }
    });
  }
  it('imports SEC1 and PKCS#1 private keys', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(describeKey(importPrivateKey(ec.privateKey.export({ type: 'sec1', format: 'pem' }) as string)).algorithm, 'ecdsa-p256');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(describeKey(importPrivateKey(rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string)).algorithm, 'rsa');
    assert.equal(describeKey(importPublicKey(rsa.publicKey.export({ type: 'pkcs1', format: 'pem' }) as string)).algorithm, 'rsa');
  });
  it('rejects malformed keys, wrong PEM labels and unsupported curves', () => {
    const code = (c: string) => (e: unknown) => e instanceof CoreError && e.code === c;
    assert.throws(() => importPublicKey(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])), code('ERR_CORE_KEY_FORMAT'));
    assert.throws(() => importPublicKey('-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n'), code('ERR_CORE_KEY_FORMAT'));
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    assert.throws(() => importPublicKey(k1.publicKey.export({ type: 'spki', format: 'pem' }) as string), code('ERR_CORE_KEY_UNSUPPORTED'));
    const x = generateKeyPairSync('x25519');
    assert.throws(() => importPublicKey(x.publicKey.export({ type: 'spki', format: 'der' })), code('ERR_CORE_KEY_UNSUPPORTED'));
  });
  it('treats a garbage signature as a failed verification, not a crash', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(verifySignature(publicKey, Buffer.from('x'), Buffer.from([1, 2, 3])), false);
  });
});

describe('digest, pooledDigest', () => {
  it('equal the Hash object\'s digest for every byte value, sizes around the pool\'s and strings as UTF-8', () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const inputs = [Buffer.alloc(0), every, Buffer.concat([every, every]), randomBytes(65), randomBytes(4095), randomBytes(5000), randomBytes(2 * 1024 * 1024)];
    for (const h of ['sha256', 'sha384', 'sha512'] as const) {
      for (const data of inputs) {
        const want = createHash(h).update(data).digest();
        assert.deepEqual(digest(h, data), want);
        if (data.length <= 5000) assert.deepEqual(pooledDigest(h, data), want);
      }
      assert.deepEqual(pooledDigest(h, 'ö€ \u{1F600} x'), createHash(h).update('ö€ \u{1F600} x', 'utf8').digest());
    }
    // Each call gives its own bytes, even on the shared pool.
    const a = pooledDigest('sha256', 'a');
    const b = pooledDigest('sha256', 'b');
    assert.notDeepEqual(a, b);
    assert.deepEqual(a, createHash('sha256').update('a').digest());
  });
});

describe('digestFile', () => {
  it('hashes empty, small and multi-chunk files like createHash, several hashes in one pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-hash-'));
    try {
      for (const size of [0, 1, 4 * 1024 * 1024, 4 * 1024 * 1024 + 17]) {
        const data = randomBytes(size);
        const path = join(dir, `f${size}`);
        writeFileSync(path, data);
        const d = await digestFile(path, ['sha256', 'sha384', 'sha512']);
        for (const h of ['sha256', 'sha384', 'sha512'] as const) assert.deepEqual(d[h], createHash(h).update(data).digest());
      }
      await assert.rejects(digestFile(join(dir, 'missing')), (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_IO');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
