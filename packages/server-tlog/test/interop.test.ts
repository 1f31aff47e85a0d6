import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder, RekorWitness, type Signer } from '@sigstore/sign';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleToJSON, type Bundle as SigstoreBundle } from '@sigstore/bundle';
import { TrustedRoot as TrustedRootProto } from '@sigstore/protobuf-specs';
import { encodePem } from '@signet/core';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { Verifier } from '@signet/verify';
import { createTestInstance, createTimestampToken, issueLeaf } from '@signet/testkit';
import { p256, startTestLog } from './helpers.js';

// The interop oracles: sigstore-js signs through our Rekor endpoints and verifies with a trusted
// root built from our log keys; our own Verifier accepts the same bundles.

const HINT = 'signet-interop-key';

function keyedSigner(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) as string;
  return { sign: async (data) => ({ signature: sign('sha256', data, privateKey), key: { $case: 'publicKey', publicKey, hint: HINT } }) };
}

function sigstoreVerify(trustedRootJson: object, bundle: SigstoreBundle, data: Buffer, keyOrCa: { key?: KeyObject }, options: object = {}): void {
  const root = TrustedRootProto.fromJSON(trustedRootJson);
  const keys = keyOrCa.key
    ? { [HINT]: { rawBytes: createPublicKey(keyOrCa.key).export({ format: 'der', type: 'spki' }), keyDetails: 9 /* PKIX_ECDSA_P256_SHA_256 */, validFor: { start: new Date(0) } } }
    : {};
  const verifier = new SigstoreVerifier(toTrustMaterial(root, keys as never), { tlogThreshold: 1, ctlogThreshold: 0, ...options });
  verifier.verify(toSignedEntity(bundle, data));
}

describe('sigstore-js interop', () => {
  for (const kind of ['hashedrekord', 'dsse', 'intoto'] as const) {
    it(`@sigstore/sign logs a keyed ${kind} entry through our Rekor v1 API; @sigstore/verify and our Verifier accept the bundle`, async (t) => {
      const s = await startTestLog(t);
      const trustedRoot = JSON.parse(readFileSync(s.trustedRootPath, 'utf8'));
      const { privateKey } = p256();
      const witness = new RekorWitness({ rekorBaseURL: s.url, fetchOnConflict: true, ...(kind === 'intoto' ? { entryType: 'intoto' as const } : {}) });
      const data = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x', predicate: {} }));
      const bundle = kind === 'hashedrekord'
        ? await new MessageSignatureBundleBuilder({ signer: keyedSigner(privateKey), witnesses: [witness] }).create({ data })
        : await new DSSEBundleBuilder({ signer: keyedSigner(privateKey), witnesses: [witness] }).create({ data, type: 'application/vnd.in-toto+json' });
      const entry = bundle.verificationMaterial.tlogEntries[0]!;
      assert.equal(entry.kindVersion?.kind, kind === 'hashedrekord' ? 'hashedrekord' : kind);
      assert.ok(entry.inclusionProof, 'the v1 response carried an inclusion proof');
      assert.ok(entry.inclusionPromise, 'and a SET');
      sigstoreVerify(trustedRoot, bundle, data, { key: privateKey });

      const ours = new Verifier(parseTrustedRoot(trustedRoot), { ctlogThreshold: 0 });
      const result = ours.verify(parseBundle(bundleToJSON(bundle)), {
        key: createPublicKey(privateKey),
        ...(kind === 'hashedrekord' ? { artifact: { data, digests: { sha256: createHash('sha256').update(data).digest() } } } : {}),
      });
      assert.equal(result.tlogEntries[0]?.baseUrl, s.url);
      assert.equal(result.timestamps[0]?.source, 'transparency-log');

      // A second submission of the same signature is a 409 that sigstore-js resolves with a GET.
      if (kind === 'hashedrekord') {
        const again = await witness.testify({ $case: 'messageSignature', messageSignature: bundle.content.$case === 'messageSignature' ? bundle.content.messageSignature : (undefined as never) }, createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }) as string);
        assert.equal(again.tlogEntries[0]?.logIndex, entry.logIndex);
      }
    });
  }

  it('@sigstore/sign logs a certificate-signed hashedrekord through our Rekor v2 API; both verifiers accept it (with a TSA timestamp)', async (t) => {
    const s = await startTestLog(t);
    const instance = createTestInstance();
    const now = new Date();
    const leaf = issueLeaf({ issuer: instance.ca.intermediate, ctLog: instance.ctLog, san: 'https://signet.test/interop', oidcIssuer: 'https://issuer.test', signingTime: now });
    const certificate = encodePem('CERTIFICATE', leaf.der);
    const signer: Signer = { sign: async (d) => ({ signature: sign('sha256', d, leaf.privateKey), key: { $case: 'x509Certificate', certificate } }) };
    const witness = new RekorWitness({ rekorBaseURL: s.url, majorApiVersion: 2 });
    const data = Buffer.from('artifact for rekor v2');
    const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses: [witness] }).create({ data });
    const entry = bundle.verificationMaterial.tlogEntries[0]!;
    assert.deepEqual(entry.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    assert.deepEqual(entry.logId.keyId, s.keys.checkpointKeyId);
    assert.equal(entry.inclusionPromise, undefined);

    // Rekor v2 entries carry no time: the signing time comes from an RFC 3161 timestamp.
    const tsa = instance.tsa!;
    const signature = bundle.content.$case === 'messageSignature' ? bundle.content.messageSignature.signature : Buffer.alloc(0);
    const token = createTimestampToken(signature, tsa.leaf.privateKey, tsa.leaf.der, now);
    const json = bundleToJSON(bundle) as any;
    json.verificationMaterial.timestampVerificationData = { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] };
    const ourRoot = JSON.parse(readFileSync(s.trustedRootPath, 'utf8'));
    const merged = { ...instance.trustedRoot, tlogs: ourRoot.tlogs };

    const { bundleFromJSON } = await import('@sigstore/bundle');
    sigstoreVerify(merged, bundleFromJSON(json), data, {}, { ctlogThreshold: 1 });

    const result = new Verifier(parseTrustedRoot(merged)).verify(parseBundle(json), {
      artifact: { data, digests: { sha256: createHash('sha256').update(data).digest() } },
      policy: { subjectAlternativeName: 'https://signet.test/interop', issuer: 'https://issuer.test' },
    });
    assert.equal(result.tlogEntries[0]?.baseUrl, s.url);
    assert.equal(result.signer.kind, 'certificate');
  });
});
