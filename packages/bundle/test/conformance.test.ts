import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  parseBundle, parseTrustedRoot, serializeBundle, serializeTrustedRoot, type Bundle,
} from '@signet/bundle';
import {
  PARSE_FAIL_CASES, PUBLIC_GOOD_ROOT, assertBundleError, caseJson, casesWith, normalise, readCase,
} from './helpers.js';

const bundleCases = casesWith('bundle.sigstore.json');
const parsable = bundleCases.filter((d) => !PARSE_FAIL_CASES.has(d));

describe('conformance bundles', () => {
  it('finds the conformance data', () => {
    assert.ok(parsable.length >= 18, `only ${parsable.length} cases found`);
    for (const d of ['happy-path-v0.1', 'happy-path-v0.2', 'happy-path-v0.3', 'happy-path-v0.3-new-mediaType', 'rekor2-happy-path']) {
      assert.ok(parsable.includes(d), d);
    }
  });

  for (const dir of parsable) {
    describe(dir, () => {
      const text = readCase(dir);
      it('parses from a string, bytes and a parsed object alike', () => {
        const fromString = parseBundle(text);
        assert.deepEqual(parseBundle(Buffer.from(text)), fromString);
        assert.deepEqual(parseBundle(new Uint8Array(Buffer.from(text))), fromString);
        assert.deepEqual(parseBundle(JSON.parse(text)), fromString);
      });

      it('round-trips: parseBundle(serializeBundle(b)) deep-equals b', () => {
        const b = parseBundle(text);
        const json = serializeBundle(b);
        assert.deepEqual(parseBundle(json), b);
        assert.deepEqual(parseBundle(JSON.stringify(json)), b);
      });

      it('serializes back to the semantic content of the original JSON', () => {
        const json = serializeBundle(parseBundle(text));
        assert.deepEqual(normalise(JSON.parse(JSON.stringify(json))), normalise(JSON.parse(text)));
      });

      it('returns Buffers for bytes and numbers for int64', () => {
        const b = parseBundle(text);
        for (const e of b.verificationMaterial.tlogEntries) {
          assert.ok(Buffer.isBuffer(e.logId.keyId));
          assert.ok(Buffer.isBuffer(e.canonicalizedBody));
          assert.equal(typeof e.logIndex, 'number');
          assert.equal(typeof e.integratedTime, 'number');
        }
      });
    });
  }

  it('reads v0.1 and v0.3 content as documented', () => {
    const v1 = parseBundle(readCase('happy-path-v0.1'));
    assert.equal(v1.version, '0.1');
    assert.equal(v1.verificationMaterial.content.$case, 'x509CertificateChain');
    const entry = v1.verificationMaterial.tlogEntries[0]!;
    assert.equal(entry.logIndex, 27246492);
    assert.equal(entry.integratedTime, 1689177396);
    assert.deepEqual(entry.kindVersion, { kind: 'hashedrekord', version: '0.0.1' });
    assert.ok(entry.inclusionPromise !== undefined);
    assert.equal(entry.inclusionProof?.treeSize, 23083062);
    assert.equal(entry.inclusionProof?.hashes.length, 10);
    assert.equal(entry.inclusionProof?.rootHash.length, 32);
    assert.match(entry.inclusionProof?.checkpoint.envelope ?? '', /^rekor\.sigstore\.dev - /);
    const c = v1.content as Extract<Bundle['content'], { $case: 'messageSignature' }>;
    assert.equal(c.messageSignature.messageDigest?.algorithm, 'SHA2_256');
    assert.equal(c.messageSignature.messageDigest?.digest.length, 32);

    assert.equal(parseBundle(readCase('happy-path-v0.3')).version, '0.3');
    const v3 = parseBundle(readCase('happy-path-v0.3-new-mediaType'));
    assert.equal(v3.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
    assert.equal(v3.version, '0.3');
    assert.equal(v3.verificationMaterial.content.$case, 'certificate');
  });

  it('reads a Rekor v2 entry: no integratedTime (0), no promise', () => {
    const b = parseBundle(readCase('rekor2-happy-path'));
    const e = b.verificationMaterial.tlogEntries[0]!;
    assert.equal(e.integratedTime, 0);
    assert.equal(e.inclusionPromise, undefined);
    assert.deepEqual(e.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    assert.equal(b.verificationMaterial.timestampVerificationData.rfc3161Timestamps.length, 1);
  });

  it('reads a DSSE bundle and a public-key bundle', () => {
    const d = parseBundle(readCase('happy-path-intoto-in-dsse-v3'));
    assert.equal(d.content.$case, 'dsseEnvelope');
    if (d.content.$case === 'dsseEnvelope') {
      assert.equal(d.content.dsseEnvelope.payloadType, 'application/vnd.in-toto+json');
      assert.equal(d.content.dsseEnvelope.signatures.length, 1);
      assert.equal(d.content.dsseEnvelope.signatures[0]!.keyid, '');
      assert.match(d.content.dsseEnvelope.payload.toString('utf8'), /^\{"_type":"https:\/\/in-toto.io\/Statement/);
    }
    const k = parseBundle(readCase('managed-key-happy-path'));
    assert.equal(k.verificationMaterial.content.$case, 'publicKey');
    if (k.verificationMaterial.content.$case === 'publicKey') {
      assert.ok(k.verificationMaterial.content.publicKey.hint.length > 0);
    }
  });

  it('rejects the malformed-JSON and unknown-version cases', () => {
    assertBundleError(() => parseBundle(readCase('bundle-malformed-json_fail')), 'ERR_BUNDLE_JSON', '$');
    assertBundleError(() => parseBundle(readCase('bundle-unknown-version_fail')), 'ERR_BUNDLE_VERSION', '$.mediaType');
    assertBundleError(() => parseBundle(caseJson('bundle-unknown-version_fail')), 'ERR_BUNDLE_VERSION', '$.mediaType');
  });
});

describe('conformance trusted roots', () => {
  const roots = [
    { name: 'public-good', text: readFileSync(PUBLIC_GOOD_ROOT, 'utf8') },
    ...casesWith('trusted_root.json').map((d) => ({ name: d, text: readCase(d, 'trusted_root.json') })),
  ];

  it('finds them', () => assert.ok(roots.length >= 5));

  for (const { name, text } of roots) {
    it(`${name}: parses and round-trips`, () => {
      const root = parseTrustedRoot(text);
      assert.ok(root.tlogs.length > 0 && root.certificateAuthorities.length > 0 && root.ctlogs.length > 0);
      const json = serializeTrustedRoot(root);
      assert.deepEqual(parseTrustedRoot(json), root);
      assert.deepEqual(parseTrustedRoot(JSON.stringify(json)), root);
      assert.deepEqual(normalise(JSON.parse(JSON.stringify(json))), normalise(JSON.parse(text)));
    });
  }

  it('public-good: reads logs, keys, windows and chains', () => {
    const root = parseTrustedRoot(readFileSync(PUBLIC_GOOD_ROOT));
    const rekor = root.tlogs[0]!;
    assert.equal(rekor.baseUrl, 'https://rekor.sigstore.dev');
    assert.equal(rekor.hashAlgorithm, 'SHA2_256');
    assert.equal(rekor.publicKey.keyDetails, 'PKIX_ECDSA_P256_SHA_256');
    assert.equal(rekor.logId.keyId.length, 32);
    assert.deepEqual(rekor.publicKey.validFor, { start: new Date('2021-01-12T11:53:27Z') });
    assert.ok(root.tlogs.some((t) => t.publicKey.keyDetails === 'PKIX_ED25519'));
    const fulcio = root.certificateAuthorities[0]!;
    assert.deepEqual(fulcio.subject, { organization: 'sigstore.dev', commonName: 'sigstore' });
    assert.deepEqual(fulcio.validFor, { start: new Date('2021-03-07T03:20:29Z'), end: new Date('2022-12-31T23:59:59.999Z') });
    assert.equal(root.certificateAuthorities[1]!.certChain.certificates.length, 2);
    assert.equal(root.certificateAuthorities[1]!.certChain.certificates[0]![0], 0x30); // DER SEQUENCE
    assert.equal(root.timestampAuthorities.length, 1);
  });
});
