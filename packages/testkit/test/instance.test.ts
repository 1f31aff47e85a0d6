import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { parseBundle, parseTrustedRoot, type BundleJSON } from '@signet/bundle';
import { Verifier, parseRFC3161Timestamp } from '@signet/verify';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { createTestInstance, type SignOptions, type TestInstance } from '@signet/testkit';

const instance = createTestInstance();
const artifact = Buffer.from('signet testkit artifact\n');
const artifactSha256 = createHash('sha256').update(artifact).digest();
const statement = {
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'artifact.txt', digest: { sha256: artifactSha256.toString('hex') } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: { buildDefinition: { buildType: 'https://signet.test/build' } },
};

type Content = 'message' | 'dsse';

function sign(inst: TestInstance, content: Content, o: SignOptions): BundleJSON {
  return content === 'message' ? inst.signBlob(artifact, o) : inst.signDsse(statement, o);
}

/** Signet's verifier, with the policy (keyless) or key (keyed) the bundle needs. */
function verifyWithSignet(inst: TestInstance, bundle: BundleJSON, keyed: boolean) {
  return new Verifier(parseTrustedRoot(inst.trustedRoot)).verify(parseBundle(bundle), {
    artifact: { digests: { sha256: artifactSha256 } },
    ...(keyed ? { key: inst.signingKey } : { policy: { subjectAlternativeName: inst.identity.san, issuer: inst.identity.issuer } }),
  });
}

/** sigstore-js (@sigstore/verify v3), the independent oracle. */
function verifyWithSigstoreJs(inst: TestInstance, bundle: BundleJSON, content: Content, keyed: boolean): void {
  // Keyed bundles name their key by hint; sigstore-js asks the caller's key finder for it.
  const trust = toTrustMaterial(TrustedRoot.fromJSON(inst.trustedRoot), (hint: string) => {
    assert.equal(hint, inst.publicKeyHint);
    return { publicKey: inst.signingKey, validFor: () => true };
  });
  const verifier = new SigstoreVerifier(trust, { tlogThreshold: 1, ctlogThreshold: keyed ? 0 : 1, timestampThreshold: 1 });
  const entity = toSignedEntity(bundleFromJSON(bundle), content === 'message' ? artifact : undefined);
  verifier.verify(entity, keyed ? undefined : { subjectAlternativeName: inst.identity.san, extensions: { issuer: inst.identity.issuer } });
}

describe('createTestInstance', () => {
  for (const version of ['0.1', '0.2', '0.3'] as const) {
    for (const content of ['message', 'dsse'] as const) {
      for (const rekor of ['v1', 'v2'] as const) {
        for (const keyed of [false, true]) {
          const name = `v${version} ${content} rekor ${rekor}${rekor === 'v2' ? ' + TSA' : ''} ${keyed ? 'keyed' : 'keyless'}`;
          // A v0.1 bundle proves inclusion with a SET (sigstore_bundle.proto), which Rekor v2 never issues.
          if (version === '0.1' && rekor === 'v2') continue;
          it(`${name}: Signet and sigstore-js accept`, () => {
            const o: SignOptions = { version, rekor, keyed };
            const bundle = sign(instance, content, o);
            const result = verifyWithSignet(instance, bundle, keyed);
            assert.equal(result.signer.kind, keyed ? 'key' : 'certificate');
            assert.deepEqual(result.timestamps.map((t) => t.source), [rekor === 'v1' ? 'transparency-log' : 'timestamp-authority']);
            // sigstore-js v3 checks a Rekor v2 entry of a DSSE bundle against SHA-256(payload)
            // (tlog/dsse.ts, tlog/hashedrekord.ts), i.e. it accepts only the `dsse` 0.0.2 form that
            // rekor-tiles writes for DSSE requests, not a hashedrekord over SHA-256(PAE). Give it that form.
            const oracleBundle = content === 'dsse' && rekor === 'v2' ? sign(instance, content, { ...o, rekorV2DsseKind: 'dsse' }) : bundle;
            verifyWithSigstoreJs(instance, oracleBundle, content, keyed);
          });
        }
      }
    }
  }

  it('v0.3 message rekor v1 + TSA: both time sources are verified', () => {
    const bundle = instance.signBlob(artifact, { tsa: true });
    const result = verifyWithSignet(instance, bundle, false);
    assert.deepEqual(result.timestamps.map((t) => t.source).sort(), ['timestamp-authority', 'transparency-log']);
    verifyWithSigstoreJs(instance, bundle, 'message', false);
  });

  it('P-384 CA, pinned clock, past signing time and extra claims verify with both verifiers', () => {
    const now = new Date('2030-01-02T03:04:05Z');
    const inst = createTestInstance({ caKeyType: 'ecdsa-p384', now });
    const signingTime = new Date(now.getTime() - 30 * 24 * 3600 * 1000);
    const bundle = inst.signBlob(artifact, { rekor: 'v2', signingTime, extensions: { '1.3.6.1.4.1.57264.1.12': 'https://github.com/signet-test/repo' } });
    const result = verifyWithSignet(inst, bundle, false);
    assert.equal(result.timestamps[0]?.time.getTime(), Math.floor(signingTime.getTime() / 1000) * 1000);
    assert.ok(result.signer.kind === 'certificate');
    assert.equal(result.signer.claims['sourceRepositoryURI'], 'https://github.com/signet-test/repo');
    verifyWithSigstoreJs(inst, bundle, 'message', false);
  });

  it('publishes a trusted root with leaf-first chains and validity starts in the past', () => {
    const root = parseTrustedRoot(instance.trustedRoot);
    assert.equal(root.mediaType, 'application/vnd.dev.sigstore.trustedroot+json;version=0.1');
    assert.deepEqual(root.tlogs.map((t) => t.baseUrl), ['https://rekor.test', 'https://log2.test']);
    assert.deepEqual(root.certificateAuthorities[0]?.certChain.certificates, [instance.ca.intermediate.der, instance.ca.root.der]);
    assert.deepEqual(root.timestampAuthorities[0]?.certChain.certificates, [instance.tsa?.leaf.der, instance.tsa?.root.der]);
    for (const v of [...root.tlogs, ...root.ctlogs].map((l) => l.publicKey.validFor).concat(root.certificateAuthorities.map((c) => c.validFor))) {
      assert.ok(v.start.getTime() < Date.now());
    }
  });

  it('writes RFC 3161 tokens Signet parses field by field', () => {
    const bundle = instance.signBlob(artifact, { rekor: 'v2', signingTime: new Date('2031-05-06T07:08:09.750Z') });
    const parsed = parseBundle(bundle);
    const token = parseRFC3161Timestamp(parsed.verificationMaterial.timestampVerificationData.rfc3161Timestamps[0] as Buffer);
    assert.equal(token.status, 0);
    assert.equal(token.timestamp.policy, '1.3.6.1.4.1.57264.2');
    assert.equal(token.timestamp.genTime.toISOString(), '2031-05-06T07:08:09.000Z');
    assert.equal(token.signer.sid.kind, 'issuerAndSerialNumber');
    assert.equal(token.signer.signingCertificate.hashAlgorithm, 'sha256');
    assert.equal(token.certificates.length, 1);
  });

  it('refuses combinations that cannot exist', () => {
    assert.throws(() => instance.signBlob(artifact, { version: '0.1', rekor: 'v2' }), TypeError);
    assert.throws(() => createTestInstance({ withTSA: false }).signBlob(artifact, { rekor: 'v2' }), TypeError);
  });
});

describe('embedded SCT corruption', () => {
  // TLS layout of the list: list length (2), SCT length (2), version (1), log ID (32), ...
  const LOG_ID_OFFSET = 5;
  const flip = (offset: (list: Buffer) => number) => (list: Buffer): Buffer => {
    const out = Buffer.from(list);
    const i = offset(out);
    out[i] = (out[i] as number) ^ 0x01;
    return out;
  };

  it('a leaf whose SCT names an unknown log keeps a valid certificate signature and fails the SCT threshold', () => {
    const sctMutator = flip(() => LOG_ID_OFFSET);
    const leaf = instance.issueLeaf({ sctMutator });
    assert.ok(new X509Certificate(leaf.der).verify(instance.ca.intermediate.publicKey), 'the intermediate re-signed the mutated leaf');
    const bundle = instance.signBlob(artifact, { sctMutator });
    assert.throws(() => verifyWithSignet(instance, bundle, false), (e: { code?: string }) => e.code === 'ERR_VERIFY_SCT_THRESHOLD');
    // sigstore-js treats an SCT from an unknown log as a failure outright.
    assert.throws(() => verifyWithSigstoreJs(instance, bundle, 'message', false), /SCT|certificate/i);
  });

  it('a leaf whose SCT signature is corrupted is rejected by both verifiers', () => {
    // The last byte of the list is the last byte of the ECDSA signature's s: DER stays valid.
    const bundle = instance.signBlob(artifact, { sctMutator: flip((list) => list.length - 1) });
    assert.throws(() => verifyWithSignet(instance, bundle, false), (e: { code?: string }) => e.code === 'ERR_VERIFY_SCT');
    assert.throws(() => verifyWithSigstoreJs(instance, bundle, 'message', false), /SCT|certificate/i);
  });
});

describe('Rekor v2 DSSE entry forms', () => {
  it('dsse 0.0.2 entries are accepted by sigstore-js', () => {
    verifyWithSigstoreJs(instance, instance.signDsse(statement, { rekor: 'v2', rekorV2DsseKind: 'dsse' }), 'dsse', false);
  });

  it('dsse 0.0.2 entries are accepted by Signet', () => {
    verifyWithSignet(instance, instance.signDsse(statement, { rekor: 'v2', rekorV2DsseKind: 'dsse' }), false);
  });
});
