// End to end (issue 5): sign an artifact with a throwaway key, have sigstore-js's TSA witness
// timestamp the signature with our server, assemble a v0.3 bundle, and verify it with
// sigstore-js (@sigstore/verify) and with Signet's Verifier against a trusted root listing our TSA.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { TSAWitness } from '@sigstore/sign';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import { parseBundle, parseTrustedRoot, serializeTrustedRoot, type BundleJSON, type TrustedRootJSON } from '@signet/bundle';
import { Verifier, VerificationError } from '@signet/verify';
import { timestampAuthorityTrustedRoot, type TimestampAuthority } from '@signet/server-tsa';
import { makeAuthority, startServer } from './tsa-helpers.js';

const artifact = Buffer.from('an artifact signed with a throwaway key and timestamped by Signet\'s TSA\n');
const digest = createHash('sha256').update(artifact).digest();

interface Signed {
  bundle: BundleJSON;
  publicKey: KeyObject;
  hint: string;
}

/** Signs `artifact` with a fresh P-256 key and timestamps the signature through sigstore-js's TSAWitness. */
async function signAndTimestamp(tsaBaseURL: string): Promise<Signed> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signature = sign('sha256', artifact, privateKey);
  const witness = new TSAWitness({ tsaBaseURL, retry: false });
  const material = await witness.testify({
    $case: 'messageSignature',
    messageSignature: { messageDigest: { algorithm: HashAlgorithm.SHA2_256, digest }, signature },
  });
  assert.equal(material.rfc3161Timestamps.length, 1);
  const token = Buffer.from(material.rfc3161Timestamps[0]!.signedTimestamp);
  const hint = createHash('sha256').update(publicKey.export({ format: 'der', type: 'spki' })).digest('hex');
  const bundle: BundleJSON = {
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: {
      publicKey: { hint },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] },
    },
    messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.toString('base64') },
  } as BundleJSON;
  return { bundle, publicKey, hint };
}

function trustedRootJSON(authority: TimestampAuthority, uri: string): TrustedRootJSON {
  return serializeTrustedRoot(timestampAuthorityTrustedRoot(authority.certificateChain as Buffer[], { uri }));
}

function verifyWithSigstoreJs(s: Signed, root: TrustedRootJSON, data: Buffer = artifact): void {
  const trust = toTrustMaterial(TrustedRoot.fromJSON(root), (hint: string) => {
    assert.equal(hint, s.hint);
    return { publicKey: s.publicKey, validFor: () => true };
  });
  const verifier = new SigstoreVerifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 1 });
  verifier.verify(toSignedEntity(bundleFromJSON(s.bundle), data));
}

function verifyWithSignet(s: Signed, root: TrustedRootJSON, data: Buffer = artifact) {
  const d = createHash('sha256').update(data).digest();
  return new Verifier(parseTrustedRoot(JSON.stringify(root)), { tlogThreshold: 0 }).verify(parseBundle(s.bundle), {
    artifact: { digests: { sha256: d }, data },
    key: s.publicKey,
  });
}

describe('sigstore-js TSAWitness → our TSA → @sigstore/verify and Signet\'s Verifier', () => {
  it('both verifiers accept the bundle with our timestamp and a trusted root listing our TSA', async (t) => {
    const authority = makeAuthority();
    const base = await startServer(t, authority);
    const uri = `${base}/api/v1/timestamp`;
    const signed = await signAndTimestamp(base);
    const root = trustedRootJSON(authority, uri);

    verifyWithSigstoreJs(signed, root);
    const result = verifyWithSignet(signed, root);
    assert.equal(result.signer.kind, 'key');
    assert.equal(result.timestamps.length, 1);
    assert.equal(result.timestamps[0]!.source, 'timestamp-authority');
    assert.equal(result.timestamps[0]!.uri, uri);
    assert.ok(Math.abs(result.timestamps[0]!.time.getTime() - Date.now()) < 60_000);
  });

  it('also with a P-384 TSA (ecdsa-with-SHA384)', async (t) => {
    const authority = makeAuthority({ keyType: 'ecdsa-p384' });
    const base = await startServer(t, authority);
    const signed = await signAndTimestamp(base);
    const root = trustedRootJSON(authority, `${base}/api/v1/timestamp`);
    verifyWithSigstoreJs(signed, root);
    verifyWithSignet(signed, root);
  });

  it('both reject the timestamp against a trusted root holding another TSA, and a different artifact', async (t) => {
    const authority = makeAuthority();
    const base = await startServer(t, authority);
    const signed = await signAndTimestamp(base);
    const other = makeAuthority({ keyType: 'ecdsa-p384' });
    const otherRoot = trustedRootJSON(other, 'http://other.test/api/v1/timestamp');
    assert.throws(() => verifyWithSigstoreJs(signed, otherRoot), /timestamp/i);
    assert.throws(() => verifyWithSignet(signed, otherRoot), (e: unknown) => e instanceof VerificationError && e.code === 'ERR_VERIFY_TIMESTAMP_UNTRUSTED');
    const root = trustedRootJSON(authority, `${base}/api/v1/timestamp`);
    const tampered = Buffer.from('another artifact\n');
    assert.throws(() => verifyWithSigstoreJs(signed, root, tampered));
    assert.throws(() => verifyWithSignet(signed, root, tampered), (e: unknown) => e instanceof VerificationError);
  });
});
