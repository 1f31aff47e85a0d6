// Ed25519 message signatures: bundles do not say whether pure Ed25519 (over the artifact bytes)
// or Ed25519ph (over its SHA-512; Rekor v2 hashedrekord with PKIX_ED25519_PH) signed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { signEd25519ph } from '@signet/core';
import { VerificationError, verifyMessageSignature, type SignerKey } from '@signet/verify';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const key: SignerKey = { spki: publicKey.export({ format: 'der', type: 'spki' }), keyObject: () => publicKey };
const data = Buffer.from('artifact signed with Ed25519');
const sha512 = createHash('sha512').update(data).digest();
const sha256 = createHash('sha256').update(data).digest();
const ph = signEd25519ph(privateKey, sha512);
const pure = sign(null, data, privateKey);

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VerificationError, String(err));
    return err.code;
  }
  return undefined;
}

describe('Ed25519 message signatures', () => {
  it('verifies Ed25519ph from the SHA-512 digest alone, and with the artifact bytes too', () => {
    const sig = { messageDigest: { algorithm: 'SHA2_512' as const, digest: sha512 }, signature: ph };
    verifyMessageSignature(sig, { digests: { sha512 } }, key, 'sha512');
    verifyMessageSignature(sig, { digests: { sha512 }, data }, key, 'sha512');
  });

  it('verifies pure Ed25519 with the artifact bytes, whatever the digest', () => {
    verifyMessageSignature({ messageDigest: { algorithm: 'SHA2_512', digest: sha512 }, signature: pure }, { digests: { sha512 }, data }, key, 'sha512');
    verifyMessageSignature({ messageDigest: { algorithm: 'SHA2_256', digest: sha256 }, signature: pure }, { digests: { sha256 }, data }, key, 'sha256');
  });

  it('refuses a pure Ed25519 signature given only the digest: it is not an Ed25519ph signature', () => {
    const sig = { messageDigest: { algorithm: 'SHA2_512' as const, digest: sha512 }, signature: pure };
    assert.equal(codeOf(() => verifyMessageSignature(sig, { digests: { sha512 } }, key, 'sha512')), 'ERR_VERIFY_SIGNATURE');
  });

  it('refuses Ed25519ph over another digest, with another key, or claimed with a SHA-256 digest', () => {
    const other = createHash('sha512').update('other').digest();
    const bad = { messageDigest: { algorithm: 'SHA2_512' as const, digest: other }, signature: ph };
    assert.equal(codeOf(() => verifyMessageSignature(bad, { digests: { sha512: other } }, key, 'sha512')), 'ERR_VERIFY_SIGNATURE');
    const good = { messageDigest: { algorithm: 'SHA2_512' as const, digest: sha512 }, signature: ph };
    assert.equal(codeOf(() => verifyMessageSignature(good, { digests: { sha512: other } }, key, 'sha512')), 'ERR_VERIFY_ARTIFACT_DIGEST');
    const otherKey = generateKeyPairSync('ed25519').publicKey;
    const wrongKey: SignerKey = { spki: otherKey.export({ format: 'der', type: 'spki' }), keyObject: () => otherKey };
    assert.equal(codeOf(() => verifyMessageSignature(good, { digests: { sha512 } }, wrongKey, 'sha512')), 'ERR_VERIFY_SIGNATURE');
    // Ed25519ph is only over SHA-512: with a SHA-256 digest and no bytes there is nothing to check.
    const sha256Sig = { messageDigest: { algorithm: 'SHA2_256' as const, digest: sha256 }, signature: ph };
    assert.equal(codeOf(() => verifyMessageSignature(sha256Sig, { digests: { sha256 } }, key, 'sha256')), 'ERR_VERIFY_SIGNATURE');
    assert.equal(codeOf(() => verifyMessageSignature(sha256Sig, { digests: { sha256 }, data }, key, 'sha256')), 'ERR_VERIFY_SIGNATURE');
  });
});
