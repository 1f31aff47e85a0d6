import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { canonicalizeJSON, importPublicKey, SignetError } from '@signet/core';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier, buildTrustMaterial, type Artifact } from '@signet/verify';

const dir = new URL('../test/fixtures/conformance/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const json = (name: string): Record<string, unknown> => JSON.parse(read(name).toString('utf8'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest();
const artifact: Artifact = { digests: { sha256: sha256(read('a.txt')) } };
const policy = {
  subjectAlternativeName: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};
const publicGood = new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT));

function rejectsWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SignetError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('Verifier', () => {
  it('reports what it verified: signer identity, issuer, claims, times, log entries', () => {
    const r = publicGood.verify(parseBundle(json('v0.3.sigstore.json')), { artifact, policy });
    assert.equal(r.signer.kind, 'certificate');
    if (r.signer.kind === 'certificate') {
      assert.equal(r.signer.identity, policy.subjectAlternativeName);
      assert.equal(r.signer.issuer, policy.issuer);
      assert.equal(r.signer.claims['sourceRepositoryRef'], 'refs/heads/main');
    }
    assert.equal(r.timestamps.length, 1);
    assert.equal(r.timestamps[0]?.source, 'transparency-log');
    assert.equal(r.tlogEntries[0]?.baseUrl, 'https://rekor.sigstore.dev');
  });

  it('returns the in-toto statement of a DSSE bundle', () => {
    const r = publicGood.verify(parseBundle(json('dsse-v0.3.sigstore.json')), { artifact, policy });
    assert.equal((r.statement as { _type: string })._type, 'https://in-toto.io/Statement/v1');
  });

  it('verifies Rekor v2 DSSE entries logged as hashedrekord over the PAE digest', () => {
    const v = new Verifier(parseTrustedRoot(json('rekor2-dsse-trusted_root.json')));
    const r = v.verify(parseBundle(json('rekor2-dsse.sigstore.json')), { artifact, policy });
    assert.equal(r.timestamps[0]?.source, 'timestamp-authority');
  });

  it('rejects a signing time outside the certificate validity (ERR_VERIFY_CERT_VALIDITY)', () => {
    const v = new Verifier(parseTrustedRoot(json('expired-cert-trusted_root.json')));
    const a: Artifact = { digests: { sha256: sha256(read('expired-cert.artifact')) } };
    rejectsWith('ERR_VERIFY_CERT_VALIDITY', () => v.verify(parseBundle(json('expired-cert.sigstore.json')), { artifact: a }));
  });

  it('needs the key for keyed bundles, and refuses a key that is not the certificate key (ERR_VERIFY_KEY)', () => {
    rejectsWith('ERR_VERIFY_KEY', () => publicGood.verify(parseBundle(json('keyed.sigstore.json')), { artifact }));
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    rejectsWith('ERR_VERIFY_KEY', () => publicGood.verify(parseBundle(json('v0.3.sigstore.json')), { artifact, policy, key: other }));
    // The keyed bundle's log entry names its key: a different key fails the body binding.
    rejectsWith('ERR_VERIFY_TLOG_BODY', () => publicGood.verify(parseBundle(json('keyed.sigstore.json')), { artifact, key: other }));
    const r = publicGood.verify(parseBundle(json('keyed.sigstore.json')), { artifact, key: importPublicKey(read('keyed.pub')) });
    assert.equal(r.signer.kind, 'key');
  });

  it('counts thresholds per distinct log and TSA, never per entry (ERR_VERIFY_TLOG_THRESHOLD, ERR_VERIFY_TIMESTAMP_THRESHOLD)', () => {
    const b = json('v0.3.sigstore.json');
    const vm = b['verificationMaterial'] as { tlogEntries: unknown[] };
    vm.tlogEntries = [vm.tlogEntries[0], vm.tlogEntries[0]];
    const two = new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT), { tlogThreshold: 2 });
    rejectsWith('ERR_VERIFY_TIMESTAMP_THRESHOLD', () => new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT), { timestampThreshold: 2 }).verify(parseBundle(b), { artifact, policy }));
    rejectsWith('ERR_VERIFY_TLOG_THRESHOLD', () => two.verify(parseBundle(b), { artifact, policy }));
    // A TSA timestamp alone satisfies the time threshold but not the log threshold.
    const v2 = json('rekor2.sigstore.json');
    (v2['verificationMaterial'] as { tlogEntries: unknown[] }).tlogEntries = [];
    const staging = new Verifier(parseTrustedRoot(json('rekor2-trusted_root.json')));
    rejectsWith('ERR_VERIFY_TLOG_THRESHOLD', () => staging.verify(parseBundle(v2), { artifact, policy }));
  });

  it('rejects log entries of unsupported kinds (ERR_VERIFY_TLOG_KIND)', () => {
    const b = json('rekor2.sigstore.json');
    const entry = (b['verificationMaterial'] as { tlogEntries: Record<string, unknown>[] }).tlogEntries[0] as Record<string, unknown>;
    entry['kindVersion'] = { kind: 'rekord', version: '0.0.1' };
    entry['canonicalizedBody'] = Buffer.from(canonicalizeJSON({ apiVersion: '0.0.1', kind: 'rekord', spec: {} })).toString('base64');
    const staging = new Verifier(parseTrustedRoot(json('rekor2-trusted_root.json')));
    rejectsWith('ERR_VERIFY_TLOG_KIND', () => staging.verify(parseBundle(b), { artifact, policy }));
  });

  it('never lends a certificate-less TSA entry\'s validity window to the TSA that signed (ERR_VERIFY_TIMESTAMP_UNTRUSTED)', () => {
    const root = json('rekor2-trusted_root.json') as { timestampAuthorities: Record<string, unknown>[] };
    const tsa = root.timestampAuthorities[0] as { validFor: { start: string; end?: string } };
    tsa.validFor = { start: '2020-01-01T00:00:00Z', end: '2025-01-01T00:00:00Z' }; // ended before the 2025-06 timestamp
    root.timestampAuthorities.push({ subject: {}, uri: 'https://decoy.example', certChain: { certificates: [] }, validFor: { start: '2025-06-01T00:00:00Z', end: '2025-07-01T00:00:00Z' } });
    const v = new Verifier(parseTrustedRoot(root));
    rejectsWith('ERR_VERIFY_TIMESTAMP_UNTRUSTED', () => v.verify(parseBundle(json('rekor2.sigstore.json')), { artifact, policy }));
  });

  it('uses a log key only inside its validity window (Rekor v2 entry timed by a TSA)', () => {
    const root = json('rekor2-trusted_root.json') as { tlogs: { baseUrl: string; publicKey: { validFor: { start: string; end?: string } } }[] };
    const v2 = root.tlogs.find((t) => t.baseUrl.includes('log2025')) as { publicKey: { validFor: { start: string; end?: string } } };
    v2.publicKey.validFor = { start: '2025-04-16T00:00:00Z', end: '2025-05-01T00:00:00Z' };
    const v = new Verifier(parseTrustedRoot(root));
    rejectsWith('ERR_VERIFY_TLOG_UNKNOWN_LOG', () => v.verify(parseBundle(json('rekor2.sigstore.json')), { artifact, policy }));
  });

  it('rejects malformed trust material (ERR_VERIFY_TRUST_MATERIAL)', () => {
    const root = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT) as { tlogs: { publicKey: { rawBytes: string } }[] };
    (root.tlogs[0] as { publicKey: { rawBytes: string } }).publicKey.rawBytes = Buffer.from('not a key').toString('base64');
    rejectsWith('ERR_VERIFY_TRUST_MATERIAL', () => buildTrustMaterial(parseTrustedRoot(root)));
  });
});
