import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import { CoreError, signEd25519ph, verifyEd25519ph } from '@signet/core';

// RFC 8032 §7.3, "TEST abc" — the one Ed25519ph vector of the RFC.
const SECRET = Buffer.from('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'hex');
const PUBLIC = Buffer.from('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf', 'hex');
const MESSAGE = Buffer.from('616263', 'hex');
const SIGNATURE = Buffer.from(
  '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' + '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406',
  'hex',
);
const DIGEST = createHash('sha512').update(MESSAGE).digest();
const SPKI = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), PUBLIC]);
const PKCS8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SECRET]);
const privateKey = createPrivateKey({ key: PKCS8, format: 'der', type: 'pkcs8' });
const publicKey = createPublicKey(privateKey);

/** The group order L, little-endian arithmetic for the non-canonical S test. */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
function leToBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i] as number);
  return n;
}
function bigToLe(n: bigint, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof CoreError ? err.code : (err as Error).name;
  }
  return undefined;
}

describe('Ed25519ph over a SHA-512 digest (RFC 8032 §5.1)', () => {
  it('verifies the RFC 8032 §7.3 "abc" vector from the digest, with the key in every accepted form', () => {
    assert.equal(publicKey.export({ format: 'der', type: 'spki' }).equals(SPKI), true, 'PKCS#8 import yields the vector public key');
    for (const key of [PUBLIC, SPKI, publicKey, privateKey, new Uint8Array(PUBLIC)]) {
      assert.equal(verifyEd25519ph(key, DIGEST, SIGNATURE), true);
    }
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, SIGNATURE, new Uint8Array(0)), true, 'an empty context is the default');
  });

  it('signs the vector: the same signature from the seed and from the KeyObject', () => {
    assert.equal(signEd25519ph(SECRET, DIGEST).toString('hex'), SIGNATURE.toString('hex'));
    assert.equal(signEd25519ph(privateKey, DIGEST).toString('hex'), SIGNATURE.toString('hex'));
  });

  it('refuses a wrong digest, key or signature', () => {
    const otherDigest = createHash('sha512').update('abd').digest();
    assert.equal(verifyEd25519ph(PUBLIC, otherDigest, SIGNATURE), false, 'other digest');
    const other = generateKeyPairSync('ed25519').publicKey;
    assert.equal(verifyEd25519ph(other, DIGEST, SIGNATURE), false, 'other key');
    for (const i of [0, 31, 32, 63]) {
      const bad = Buffer.from(SIGNATURE);
      bad[i] = (bad[i] as number) ^ 0x01;
      assert.equal(verifyEd25519ph(PUBLIC, DIGEST, bad), false, `bit flipped in byte ${i}`);
    }
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, SIGNATURE.subarray(0, 63)), false, 'short signature');
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, Buffer.concat([SIGNATURE, Buffer.of(0)])), false, 'long signature');
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, Buffer.alloc(0)), false, 'empty signature');
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, SIGNATURE, Buffer.from('ctx')), false, 'signed without a context, verified with one');
  });

  it('refuses a non-canonical S (S + L), which is the same scalar mod L', () => {
    const s = leToBig(SIGNATURE.subarray(32));
    assert.ok(s < L);
    const malleated = Buffer.concat([SIGNATURE.subarray(0, 32), bigToLe(s + L, 32)]);
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, malleated), false);
  });

  it('refuses a pure Ed25519 signature over the same message, and the other way round', () => {
    const pure = sign(null, MESSAGE, privateKey);
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, pure), false, 'pure Ed25519 over the message');
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, sign(null, DIGEST, privateKey)), false, 'pure Ed25519 over the digest');
  });

  it('round-trips random keys, digests and contexts, and matches noble\'s own ed25519ph (which hashes the message itself)', () => {
    const { ed25519ph } = createRequire(import.meta.url)('@noble/curves/ed25519.js') as {
      ed25519ph: { sign(msg: Uint8Array, secret: Uint8Array, opts?: { context?: Uint8Array }): Uint8Array };
    };
    for (let i = 0; i < 8; i++) {
      const pair = generateKeyPairSync('ed25519');
      const message = randomBytes(i * 37);
      const digest = createHash('sha512').update(message).digest();
      const context = i % 2 ? randomBytes(i * 30) : undefined;
      const sig = signEd25519ph(pair.privateKey, digest, context);
      assert.equal(verifyEd25519ph(pair.publicKey, digest, sig, context), true);
      const seed = Buffer.from(pair.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
      const reference = ed25519ph.sign(message, seed, context ? { context } : {});
      assert.equal(sig.toString('hex'), Buffer.from(reference).toString('hex'));
    }
  });

  it('rejects malformed keys, digests and contexts with typed errors', () => {
    assert.equal(codeOf(() => verifyEd25519ph(PUBLIC, DIGEST.subarray(0, 32), SIGNATURE)), 'ERR_CORE_DIGEST');
    assert.equal(codeOf(() => signEd25519ph(SECRET, DIGEST.subarray(1))), 'ERR_CORE_DIGEST');
    assert.equal(codeOf(() => verifyEd25519ph(PUBLIC.subarray(1), DIGEST, SIGNATURE)), 'ERR_CORE_KEY_FORMAT');
    assert.equal(codeOf(() => verifyEd25519ph(Buffer.concat([Buffer.from('302a300506032b6571032100', 'hex'), PUBLIC]), DIGEST, SIGNATURE)), 'ERR_CORE_KEY_FORMAT');
    // y = p (2^255 - 19) is a non-canonical encoding; y = 2 is not on the curve.
    const yIsP = Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex');
    assert.equal(codeOf(() => verifyEd25519ph(yIsP, DIGEST, SIGNATURE)), 'ERR_CORE_KEY_FORMAT');
    const notOnCurve = Buffer.alloc(32);
    notOnCurve[0] = 2;
    assert.equal(codeOf(() => verifyEd25519ph(notOnCurve, DIGEST, SIGNATURE)), 'ERR_CORE_KEY_FORMAT');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.equal(codeOf(() => verifyEd25519ph(ec.publicKey, DIGEST, SIGNATURE)), 'ERR_CORE_KEY_UNSUPPORTED');
    assert.equal(codeOf(() => signEd25519ph(ec.privateKey, DIGEST)), 'ERR_CORE_KEY_UNSUPPORTED');
    assert.equal(codeOf(() => signEd25519ph(publicKey, DIGEST)), 'ERR_CORE_KEY_UNSUPPORTED');
    assert.equal(codeOf(() => signEd25519ph(SECRET.subarray(1), DIGEST)), 'ERR_CORE_KEY_FORMAT');
    assert.equal(codeOf(() => verifyEd25519ph(PUBLIC, DIGEST, SIGNATURE, Buffer.alloc(256))), 'RangeError');
    assert.equal(codeOf(() => signEd25519ph(SECRET, DIGEST, Buffer.alloc(256))), 'RangeError');
    assert.equal(verifyEd25519ph(PUBLIC, DIGEST, SIGNATURE, Buffer.alloc(255)), false, 'a 255-byte context is allowed');
  });

  it('refuses a small-order public key (the identity), whatever the signature', () => {
    const identity = Buffer.alloc(32);
    identity[0] = 1; // y = 1, x = 0
    // With A = identity, [S]B = R holds for S = 0, R = identity: accepted under ZIP 215 rules.
    const forged = Buffer.concat([identity, Buffer.alloc(32)]);
    assert.equal(verifyEd25519ph(identity, DIGEST, forged), false);
  });

  it('does not load @noble/curves when @signet/core is imported, only on first use', () => {
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const loaded = () => Object.keys(cache).some((k) => k.includes('@noble'));
      const core = await import('@signet/core');
      const before = loaded();
      core.verifyEd25519ph(new Uint8Array(Buffer.from('${PUBLIC.toString('hex')}', 'hex')), new Uint8Array(64), new Uint8Array(64));
      console.log(JSON.stringify({ before, after: loaded() }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('.', import.meta.url), encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { before: false, after: true });
  });
});
