import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { constants, createHash, generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { CoreError, digestSignatureBackend, importCanonicalEcSpki, importPublicKey, signDigest, verifyDigest, verifyDigestWithSpki, verifySignature, type DigestSignatureOptions } from '@signet/core';

// This file runs twice: as itself (the addon when it is built), and — spawned by the last test
// below — as a child with SIGNET_DIGEST_BACKEND=js, so the same table covers the JS fallback.
const forced = process.env['SIGNET_DIGEST_BACKEND'];
const backend = digestSignatureBackend();
const addonPath = fileURLToPath(new URL('../build/Release/signet_digest.node', import.meta.url));

type KeyPair = { publicKey: KeyObject; privateKey: KeyObject };
type KeySpec = { type: 'ec'; curve: string } | { type: 'rsa' | 'rsa-pss'; bits: number };

const keyPool = new Map<string, KeyPair[]>();
/** Two distinct key pairs per spec (the second is "another key"), generated once. */
function keys(spec: KeySpec): [KeyPair, KeyPair] {
  const id = JSON.stringify(spec);
  let pairs = keyPool.get(id);
  if (!pairs) {
    const gen = (): KeyPair =>
      spec.type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: spec.curve })
        : spec.type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: spec.bits })
          : generateKeyPairSync('rsa-pss', { modulusLength: spec.bits });
    pairs = [gen(), gen()];
    keyPool.set(id, pairs);
  }
  return pairs as [KeyPair, KeyPair];
}

function fieldElement(v: bigint, length: number): Buffer {
  return Buffer.from(v.toString(16).padStart(2 * length, '0'), 'hex');
}

function assertCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CoreError, `expected a CoreError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

interface Row {
  name: string;
  spec: KeySpec;
  options: DigestSignatureOptions;
}

const rows: Row[] = [
  { name: 'ECDSA P-256 sha256', spec: { type: 'ec', curve: 'P-256' }, options: { hash: 'sha256' } },
  // A digest longer than the group order is truncated to its leftmost bits (SEC 1 §4.1.3 step 5).
  { name: 'ECDSA P-256 sha512', spec: { type: 'ec', curve: 'P-256' }, options: { hash: 'sha512' } },
  { name: 'ECDSA P-384 sha384', spec: { type: 'ec', curve: 'P-384' }, options: { hash: 'sha384' } },
  { name: 'ECDSA P-521 sha512', spec: { type: 'ec', curve: 'P-521' }, options: { hash: 'sha512' } },
  { name: 'RSA-2048 PKCS#1 sha256', spec: { type: 'rsa', bits: 2048 }, options: { hash: 'sha256', rsaPadding: 'pkcs1' } },
  { name: 'RSA-2048 PKCS#1 (default) sha512', spec: { type: 'rsa', bits: 2048 }, options: { hash: 'sha512' } },
  { name: 'RSA-2048 PSS sha256', spec: { type: 'rsa', bits: 2048 }, options: { hash: 'sha256', rsaPadding: 'pss' } },
  // modBits ≡ 1 (mod 8): the encoded message is one byte shorter than the modulus (RFC 8017 §9.1.2).
  { name: 'RSA-2049 PSS sha384', spec: { type: 'rsa', bits: 2049 }, options: { hash: 'sha384', rsaPadding: 'pss' } },
];

const HASH_LENGTH = { sha256: 32, sha384: 48, sha512: 64 } as const;

/** node:crypto options producing the same scheme over the whole message. */
function nodeKey(key: KeyObject, options: DigestSignatureOptions) {
  return options.rsaPadding === 'pss'
    ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LENGTH[options.hash] }
    : { key, dsaEncoding: 'der' as const };
}

/** The JS fallback cannot sign RSA-PSS; everything else works on both backends. */
const canSign = (row: Row) => backend === 'native' || row.options.rsaPadding !== 'pss';

describe(`digest signatures (${backend} backend)`, () => {
  it('uses the backend that was asked for, and the addon whenever it is built', (t) => {
    // npm hides install-script output, so surface a failed build here; run with
    // SIGNET_DIGEST_BACKEND=native to make a missing addon fatal.
    const buildLog = fileURLToPath(new URL('../build/build-native.log', import.meta.url));
    if (existsSync(buildLog)) t.diagnostic(`native addon build failed, see ${buildLog}`);
    if (forced === 'js') assert.equal(backend, 'js');
    else if (forced === 'native' || existsSync(addonPath)) assert.equal(backend, 'native', `${addonPath} exists but did not load`);
  });

  for (const row of rows) {
    describe(row.name, () => {
      const message = randomBytes(100);
      const digest = createHash(row.options.hash).update(message).digest();
      const other = createHash(row.options.hash).update('another message').digest();

      it('signDigest output verifies with crypto.verify over the message, and with verifyDigest', (t) => {
        const [{ publicKey, privateKey }] = keys(row.spec);
        if (!canSign(row)) {
          assertCode(() => signDigest(privateKey, digest, row.options), 'ERR_CORE_KEY_UNSUPPORTED');
          return t.skip('the JS fallback does not sign RSA-PSS');
        }
        const signature = signDigest(privateKey, digest, row.options);
        assert.ok(verify(row.options.hash, message, nodeKey(publicKey, row.options), signature));
        assert.ok(verifyDigest(publicKey, digest, signature, row.options));
        assert.ok(verifyDigest(privateKey, digest, signature, row.options), 'a private key verifies too');
      });

      it('crypto.sign output verifies with verifyDigest over the digest', () => {
        const [{ publicKey, privateKey }] = keys(row.spec);
        const signature = sign(row.options.hash, message, nodeKey(privateKey, row.options));
        assert.ok(verifyDigest(publicKey, digest, signature, row.options));
        assert.ok(verifyDigest(privateKey, digest, signature, row.options));
        // The same bytes inside a larger buffer (a view with an offset) verify the same.
        const view = new Uint8Array(Buffer.concat([Buffer.alloc(3), signature])).subarray(3);
        assert.ok(verifyDigest(publicKey, new Uint8Array(digest), view, row.options));
      });

      it('rejects a different digest, a flipped byte, and another key', () => {
        const [{ publicKey, privateKey }, another] = keys(row.spec);
        const signature = sign(row.options.hash, message, nodeKey(privateKey, row.options));
        assert.equal(verifyDigest(publicKey, other, signature, row.options), false);
        for (const at of [0, 1, signature.length >> 1, signature.length - 1]) {
          const flipped = Buffer.from(signature);
          flipped[at]! ^= 0x01;
          assert.equal(verifyDigest(publicKey, digest, flipped, row.options), false, `byte ${at}`);
        }
        assert.equal(verifyDigest(another.publicKey, digest, signature, row.options), false);
      });

      it('returns false for truncated, extended, empty and garbage signatures', () => {
        const [{ publicKey, privateKey }] = keys(row.spec);
        const signature = sign(row.options.hash, message, nodeKey(privateKey, row.options));
        const bad = [
          signature.subarray(0, signature.length - 1),
          Buffer.concat([signature, Buffer.of(0)]),
          Buffer.alloc(0),
          Buffer.alloc(signature.length, 0xff),
          Buffer.alloc(signature.length),
          randomBytes(signature.length),
        ];
        for (const [i, sig] of bad.entries()) assert.equal(verifyDigest(publicKey, digest, sig, row.options), false, `case ${i}`);
      });

      it('throws ERR_CORE_DIGEST for a digest of the wrong length', () => {
        const [{ publicKey, privateKey }] = keys(row.spec);
        const signature = sign(row.options.hash, message, nodeKey(privateKey, row.options));
        for (const length of [0, digest.length - 1, digest.length + 1]) {
          const wrong = Buffer.alloc(length, 7);
          assertCode(() => verifyDigest(publicKey, wrong, signature, row.options), 'ERR_CORE_DIGEST');
          assertCode(() => signDigest(privateKey, wrong, row.options), 'ERR_CORE_DIGEST');
        }
      });
    });
  }

  describe('keys and options it refuses', () => {
    const digest = createHash('sha256').update('x').digest();

    it('refuses Ed25519 keys: they sign messages, not digests', () => {
      const { publicKey, privateKey } = generateKeyPairSync('ed25519');
      assertCode(() => verifyDigest(publicKey, digest, Buffer.alloc(64), { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
      assertCode(() => signDigest(privateKey, digest, { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
    });

    it('refuses curves other than P-256, P-384 and P-521', () => {
      const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      assertCode(() => verifyDigest(publicKey, digest, Buffer.alloc(70), { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
      assertCode(() => signDigest(privateKey, digest, { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
    });

    it('reports a key too small for the DigestInfo as ERR_CORE_SIGNATURE_ALGORITHM', () => {
      // PKCS#1 v1.5 needs k >= tLen + 11 (RFC 8017 §9.2 step 3): 83 + 11 > 64 bytes.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
      assertCode(() => signDigest(privateKey, createHash('sha512').digest(), { hash: 'sha512' }), 'ERR_CORE_SIGNATURE_ALGORITHM');
    });

    it('handles RSA-PSS keys natively and refuses them in the JS fallback', () => {
      const [{ publicKey, privateKey }] = keys({ type: 'rsa-pss', bits: 2048 });
      const message = Buffer.from('pss key');
      const d = createHash('sha256').update(message).digest();
      const signature = sign('sha256', message, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      if (backend === 'js') {
        assertCode(() => verifyDigest(publicKey, d, signature, { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
        assertCode(() => signDigest(privateKey, d, { hash: 'sha256' }), 'ERR_CORE_KEY_UNSUPPORTED');
        return;
      }
      assert.ok(verifyDigest(publicKey, d, signature, { hash: 'sha256' }), 'PSS is the default padding of an RSA-PSS key');
      assert.ok(verifyDigest(publicKey, d, signDigest(privateKey, d, { hash: 'sha256' }), { hash: 'sha256' }));
      assertCode(() => verifyDigest(publicKey, d, signature, { hash: 'sha256', rsaPadding: 'pkcs1' }), 'ERR_CORE_SIGNATURE_ALGORITHM');
    });

    it('throws TypeError on caller misuse', () => {
      const { publicKey, privateKey } = keys({ type: 'ec', curve: 'P-256' })[0];
      const bad = (options: unknown) => options as DigestSignatureOptions;
      assert.throws(() => signDigest(publicKey, digest, { hash: 'sha256' }), TypeError);
      assert.throws(() => signDigest(privateKey, digest, bad({ hash: 'md5' })), TypeError);
      assert.throws(() => signDigest(privateKey, digest, bad({ hash: 'sha256', rsaPadding: 'oaep' })), TypeError);
      assert.throws(() => verifyDigest(publicKey, digest.toString('hex') as unknown as Uint8Array, Buffer.alloc(1), { hash: 'sha256' }), TypeError);
      assert.throws(() => verifyDigest(publicKey, digest, 'sig' as unknown as Uint8Array, { hash: 'sha256' }), TypeError);
      assert.throws(() => verifyDigest({} as KeyObject, digest, Buffer.alloc(1), { hash: 'sha256' }), TypeError);
    });
  });

  describe('importCanonicalEcSpki (the KeyObject-free fast path)', () => {
    const curves = [
      // The field primes (FIPS 186-4 §D.1.2), as big-endian coordinates.
      { curve: 'P-256', hash: 'sha256', algorithm: 'ecdsa-p256', p: fieldElement(2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n, 32) },
      { curve: 'P-384', hash: 'sha384', algorithm: 'ecdsa-p384', p: fieldElement(2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n, 48) },
      { curve: 'P-521', hash: 'sha512', algorithm: 'ecdsa-p521', p: fieldElement(2n ** 521n - 1n, 66) },
    ] as const;
    for (const c of curves) {
      it(`${c.curve}: accepts exactly what importPublicKey accepts and verifies like verifySignature`, () => {
        const [{ publicKey, privateKey }, other] = keys({ type: 'ec', curve: c.curve });
        const spki = publicKey.export({ format: 'der', type: 'spki' });
        const key = importCanonicalEcSpki(spki);
        if (backend === 'js') {
          assert.equal(key, undefined, 'no addon: the caller takes the KeyObject path');
          return;
        }
        assert.ok(key);
        assert.equal(key.algorithm, c.algorithm);
        assert.equal(key.defaultHash, c.hash);
        assert.deepEqual(key.spki, spki);
        const message = Buffer.from('challenge');
        const digest = createHash(c.hash).update(message).digest();
        const good = sign(c.hash, message, { key: privateKey, dsaEncoding: 'der' });
        assert.equal(key.verifyDigest(digest, good, c.hash), true);
        assert.equal(verifySignature(importPublicKey(spki), message, good), true);
        const wrongKey = sign(c.hash, message, { key: other.privateKey, dsaEncoding: 'der' });
        assert.equal(key.verifyDigest(digest, wrongKey, c.hash), false, 'signature by another key');
        assert.equal(key.verifyDigest(digest, Buffer.from(good).fill(0, 8, 16), c.hash), false, 'mangled signature');
        assert.equal(key.verifyDigest(digest, Buffer.alloc(0), c.hash), false, 'empty signature');
        assert.equal(key.verifyDigest(createHash(c.hash).update('other').digest(), good, c.hash), false, 'other challenge');
        assertCode(() => key.verifyDigest(digest.subarray(1), good, c.hash), 'ERR_CORE_DIGEST');
        // A point off the curve, or a coordinate not below the field prime: refused by both paths.
        const offCurve = Buffer.from(spki);
        offCurve[offCurve.length - 1] ^= 1;
        assertCode(() => importCanonicalEcSpki(offCurve), 'ERR_CORE_KEY_FORMAT');
        assertCode(() => importPublicKey(offCurve), 'ERR_CORE_KEY_FORMAT');
        // x := x + p (the same residue, out of range), y kept: the point "is" on the curve mod p.
        const n = c.p.length;
        const xAt = spki.length - 2 * n;
        const x = BigInt(`0x${spki.subarray(xAt, xAt + n).toString('hex')}`) + BigInt(`0x${c.p.toString('hex')}`);
        if (x < 2n ** BigInt(8 * n)) {
          const xPlusP = Buffer.from(spki);
          fieldElement(x, n).copy(xPlusP, xAt);
          assertCode(() => importCanonicalEcSpki(xPlusP), 'ERR_CORE_KEY_FORMAT');
          assertCode(() => importPublicKey(xPlusP), 'ERR_CORE_KEY_FORMAT');
        }
        const xIsP = Buffer.from(spki);
        c.p.copy(xIsP, xAt);
        assertCode(() => importCanonicalEcSpki(xIsP), 'ERR_CORE_KEY_FORMAT');
        assertCode(() => importPublicKey(xIsP), 'ERR_CORE_KEY_FORMAT');
        // verifyDigestWithSpki (keys used once: the addon's throwaway EC_KEY) decides the same.
        const opts = { hash: c.hash };
        assert.equal(verifyDigestWithSpki(spki, digest, good, opts), true);
        assert.equal(verifyDigestWithSpki(spki, digest, wrongKey, opts), false, 'signature by another key');
        assert.equal(verifyDigestWithSpki(spki, digest, Buffer.from(good).fill(0, 8, 16), opts), false, 'mangled signature');
        assert.equal(verifyDigestWithSpki(spki, digest, Buffer.concat([good, Buffer.alloc(1)]), opts), false, 'trailing byte after the DER signature');
        assert.equal(verifyDigestWithSpki(spki, digest, Buffer.alloc(0), opts), false, 'empty signature');
        assertCode(() => verifyDigestWithSpki(spki, digest.subarray(1), good, opts), 'ERR_CORE_DIGEST');
        for (const bad of [offCurve, xIsP]) assertCode(() => verifyDigestWithSpki(bad, digest, good, opts), 'ERR_CORE_KEY_FORMAT');
      });
    }

    it('returns undefined for every other encoding: compressed point, trailing data, other key types', () => {
      const [{ publicKey }] = keys({ type: 'ec', curve: 'P-256' });
      const spki = publicKey.export({ format: 'der', type: 'spki' });
      const jwk = publicKey.export({ format: 'jwk' });
      const y = Buffer.from(jwk.y!, 'base64url');
      // RFC 5480 §2.2: a compressed point (02/03 || X) in an SPKI that node:crypto also accepts.
      const compressed = Buffer.concat([Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'), Buffer.of(2 + (y[31]! & 1)), Buffer.from(jwk.x!, 'base64url')]);
      assert.equal(importCanonicalEcSpki(compressed), undefined);
      assert.equal(importCanonicalEcSpki(Buffer.concat([spki, Buffer.of(0)])), undefined);
      const wrongPrefix = Buffer.from(spki);
      wrongPrefix[26] = 0x05; // not an uncompressed point
      assert.equal(importCanonicalEcSpki(wrongPrefix), undefined);
      assert.equal(importCanonicalEcSpki(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' })), undefined);
      assert.equal(importCanonicalEcSpki(keys({ type: 'rsa', bits: 2048 })[0].publicKey.export({ format: 'der', type: 'spki' })), undefined);
      assert.equal(importCanonicalEcSpki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'der', type: 'spki' })), undefined);
      assert.throws(() => importCanonicalEcSpki('spki' as unknown as Uint8Array), TypeError);
    });
  });

  if (forced === undefined) {
    it('passes the same tests on the JS fallback (child process, SIGNET_DIGEST_BACKEND=js)', () => {
      const env: NodeJS.ProcessEnv = { ...process.env, SIGNET_DIGEST_BACKEND: 'js' };
      delete env['NODE_TEST_CONTEXT']; // else the child talks the parent runner's private protocol
      const child = spawnSync(process.execPath, ['--test-reporter=tap', fileURLToPath(import.meta.url)], { env, encoding: 'utf8', timeout: 120_000 });
      const output = `${child.stdout}\n${child.stderr}`;
      assert.equal(child.status, 0, output);
      assert.match(child.stdout, /digest signatures \(js backend\)/, output);
      assert.match(child.stdout, /^# fail 0$/m, output);
      assert.match(child.stdout, /^# pass [1-9]\d*$/m, output);
    });
  }
});
