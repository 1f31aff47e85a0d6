// Mutation test: take valid bundles (v0.1, v0.3 keyless, v0.3 DSSE, keyed, Rekor v2 + TSA) and
// corrupt each security-relevant field in turn; every corruption must be rejected with the code
// of the step that catches it. Fixtures are sigstore-conformance vectors (see fixtures/README.md).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { importPublicKey, SignetError } from '@signet/core';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { PUBLIC_GOOD_TRUSTED_ROOT, Verifier, type Artifact, type IdentityPolicy } from '@signet/verify';

const dir = new URL('../test/fixtures/conformance/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, dir));
const json = (name: string): Record<string, unknown> => JSON.parse(read(name).toString('utf8'));

const artifactBytes = read('a.txt');
const artifact: Artifact = { digests: { sha256: createHash('sha256').update(artifactBytes).digest() } };
const otherArtifact: Artifact = { digests: { sha256: createHash('sha256').update('not the artifact').digest() } };
const policy: IdentityPolicy = {
  subjectAlternativeName: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};
const publicGood = new Verifier(parseTrustedRoot(PUBLIC_GOOD_TRUSTED_ROOT));
const rekor2 = new Verifier(parseTrustedRoot(json('rekor2-trusted_root.json')));
const keyedKey = importPublicKey(read('keyed.pub'));

type Json = Record<string, unknown>;
type Mutation = (b: Json) => void;

function at(obj: unknown, path: string): { parent: Json; key: string } {
  const parts = path.split('.');
  let cur = obj as Json;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Json;
  return { parent: cur, key: parts.at(-1) as string };
}
/** Flips one bit of a base64 field, at byte `index` (negative counts from the end). */
function flip(path: string, index = -1): Mutation {
  return (b) => {
    const { parent, key } = at(b, path);
    const bytes = Buffer.from(parent[key] as string, 'base64');
    const i = index < 0 ? bytes.length + index : index;
    bytes[i] = (bytes[i] as number) ^ 0x01;
    parent[key] = bytes.toString('base64');
  };
}
function set(path: string, value: (old: unknown) => unknown): Mutation {
  return (b) => {
    const { parent, key } = at(b, path);
    parent[key] = value(parent[key]);
  };
}
const plusOne = (v: unknown) => String(Number(v) + 1);

interface Case {
  name: string;
  mutate?: Mutation;
  code: string;
  artifact?: Artifact;
  policy?: IdentityPolicy;
}

function suite(title: string, file: string, verifier: Verifier, input: { key?: typeof keyedKey; policy?: IdentityPolicy }, cases: Case[]): void {
  describe(title, () => {
    it('verifies unmodified', () => {
      const r = verifier.verify(parseBundle(json(file)), { artifact, ...input });
      assert.ok(r.tlogEntries.length >= 1);
    });
    for (const c of cases) {
      it(`rejects: ${c.name} → ${c.code}`, () => {
        const b = json(file);
        c.mutate?.(b);
        assert.throws(
          () => verifier.verify(parseBundle(b), { artifact: c.artifact ?? artifact, ...input, ...(c.policy ? { policy: c.policy } : {}) }),
          (e: unknown) => {
            assert.ok(e instanceof SignetError, `not a SignetError: ${String(e)}`);
            assert.equal(e.code, c.code, e.message);
            return true;
          },
        );
      });
    }
  });
}

const E = 'verificationMaterial.tlogEntries.0';
/** Changes one base64 character of the log's signature (past the 4-byte key hint) on the checkpoint's last line. */
const checkpointSignatureFlip: Mutation = set(`${E}.inclusionProof.checkpoint.envelope`, (v) => {
  const s = v as string;
  const i = s.lastIndexOf(' ') + 12;
  return s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
});
const tlogCases: Case[] = [
  { name: 'signed entry timestamp', mutate: flip(`${E}.inclusionPromise.signedEntryTimestamp`, 10), code: 'ERR_VERIFY_SET' },
  { name: 'log index', mutate: set(`${E}.logIndex`, plusOne), code: 'ERR_VERIFY_SET' },
  { name: 'integrated time', mutate: set(`${E}.integratedTime`, plusOne), code: 'ERR_VERIFY_SET' },
  { name: 'canonicalized body', mutate: flip(`${E}.canonicalizedBody`, 5), code: 'ERR_VERIFY_SET' },
  { name: 'log id', mutate: flip(`${E}.logId.keyId`, 0), code: 'ERR_VERIFY_TLOG_UNKNOWN_LOG' },
  { name: 'kind version', mutate: set(`${E}.kindVersion`, () => ({ kind: 'hashedrekord', version: '0.0.9' })), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'inclusion proof hash', mutate: flip(`${E}.inclusionProof.hashes.0`, 3), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  { name: 'inclusion proof root', mutate: flip(`${E}.inclusionProof.rootHash`, 3), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  { name: 'inclusion proof leaf index', mutate: set(`${E}.inclusionProof.logIndex`, (v) => String(Number(v) - 1)), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  { name: 'inclusion proof tree size', mutate: set(`${E}.inclusionProof.treeSize`, plusOne), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  {
    name: 'checkpoint text (size line)',
    mutate: set(`${E}.inclusionProof.checkpoint.envelope`, (v) => (v as string).replace(/\n(\d+)\n/, (_, n: string) => `\n${Number(n) + 1}\n`)),
    code: 'ERR_VERIFY_TLOG_CHECKPOINT',
  },
  { name: 'checkpoint signature', mutate: checkpointSignatureFlip, code: 'ERR_VERIFY_TLOG_CHECKPOINT' },
  { name: 'no log entries', mutate: set('verificationMaterial.tlogEntries', () => []), code: 'ERR_VERIFY_TIMESTAMP_THRESHOLD' },
];

const keylessCases: Case[] = [
  { name: 'signature', mutate: flip('messageSignature.signature', 8), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'message digest', mutate: flip('messageSignature.messageDigest.digest', 0), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'artifact', artifact: otherArtifact, code: 'ERR_VERIFY_ARTIFACT_DIGEST' },
  { name: 'identity', policy: { ...policy, subjectAlternativeName: 'https://github.com/evil/repo/.github/workflows/x.yml@refs/heads/main' }, code: 'ERR_VERIFY_POLICY_SAN' },
  { name: 'identity regexp', policy: { ...policy, subjectAlternativeName: /^https:\/\/github\.com\/evil\// }, code: 'ERR_VERIFY_POLICY_SAN' },
  { name: 'issuer', policy: { ...policy, issuer: 'https://accounts.google.com' }, code: 'ERR_VERIFY_POLICY_ISSUER' },
  { name: 'extension claim', policy: { ...policy, extensions: { sourceRepositoryRef: 'refs/heads/evil' } }, code: 'ERR_VERIFY_POLICY_EXTENSION' },
  ...tlogCases,
];

suite('mutations: v0.3 keyless message signature', 'v0.3.sigstore.json', publicGood, { policy }, [
  ...keylessCases,
  { name: 'certificate signature bytes', mutate: flip('verificationMaterial.certificate.rawBytes', -5), code: 'ERR_VERIFY_CERT_CHAIN' },
  { name: 'certificate SCT bytes (covered by the CA signature)', mutate: sctFlip('verificationMaterial.certificate.rawBytes'), code: 'ERR_VERIFY_CERT_CHAIN' },
  { name: 'truncated certificate', mutate: set('verificationMaterial.certificate.rawBytes', (v) => Buffer.from(v as string, 'base64').subarray(0, 100).toString('base64')), code: 'ERR_VERIFY_CERT_CHAIN' },
]);

suite('mutations: v0.1 keyless message signature', 'v0.1.sigstore.json', publicGood, { policy }, [
  ...keylessCases,
  { name: 'certificate bytes', mutate: flip('verificationMaterial.x509CertificateChain.certificates.0.rawBytes', -5), code: 'ERR_VERIFY_CERT_CHAIN' },
]);

const dsseCases: Case[] = [
  { name: 'DSSE signature', mutate: flip('dsseEnvelope.signatures.0.sig', 8), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'DSSE payload', mutate: flip('dsseEnvelope.payload', 20), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'DSSE payload type', mutate: set('dsseEnvelope.payloadType', () => 'application/vnd.in-toto+jsonx'), code: 'ERR_VERIFY_SIGNATURE' },
  { name: 'artifact not a subject', artifact: otherArtifact, code: 'ERR_VERIFY_DSSE_SUBJECT' },
  { name: 'identity', policy: { ...policy, subjectAlternativeName: 'someone@example.com' }, code: 'ERR_VERIFY_POLICY_SAN' },
  { name: 'certificate bytes', mutate: flip('verificationMaterial.certificate.rawBytes', -5), code: 'ERR_VERIFY_CERT_CHAIN' },
  ...tlogCases,
];
suite('mutations: v0.3 DSSE (in-toto)', 'dsse-v0.3.sigstore.json', publicGood, { policy }, dsseCases);

const T = 'verificationMaterial.timestampVerificationData.rfc3161Timestamps.0.signedTimestamp';
suite('mutations: keyed bundle', 'keyed.sigstore.json', publicGood, { key: keyedKey }, [
  { name: 'signature', mutate: flip('messageSignature.signature', 8), code: 'ERR_VERIFY_TIMESTAMP_IMPRINT' },
  { name: 'artifact', artifact: otherArtifact, code: 'ERR_VERIFY_ARTIFACT_DIGEST' },
  { name: 'TSA token signature', mutate: flip(T, -3), code: 'ERR_VERIFY_TIMESTAMP_SIGNATURE' },
  { name: 'TSA token truncated', mutate: set(T, (v) => Buffer.from(v as string, 'base64').subarray(0, 200).toString('base64')), code: 'ERR_VERIFY_TIMESTAMP_FORMAT' },
  ...tlogCases.filter((c) => c.name !== 'no log entries'),
]);

suite('mutations: Rekor v2 entry with RFC 3161 timestamp', 'rekor2.sigstore.json', rekor2, { policy }, [
  { name: 'signature', mutate: flip('messageSignature.signature', 8), code: 'ERR_VERIFY_TIMESTAMP_IMPRINT' },
  { name: 'artifact', artifact: otherArtifact, code: 'ERR_VERIFY_ARTIFACT_DIGEST' },
  { name: 'TSA token signature', mutate: flip(T, -3), code: 'ERR_VERIFY_TIMESTAMP_SIGNATURE' },
  { name: 'TSA token imprint', mutate: tstImprintFlip(T), code: 'ERR_VERIFY_TIMESTAMP_IMPRINT' },
  { name: 'no TSA token', mutate: set('verificationMaterial.timestampVerificationData', () => ({ rfc3161Timestamps: [] })), code: 'ERR_VERIFY_TIMESTAMP_THRESHOLD' },
  { name: 'log index', mutate: set(`${E}.inclusionProof.logIndex`, (v) => String(Number(v) - 1)), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  { name: 'inclusion proof hash', mutate: flip(`${E}.inclusionProof.hashes.0`, 3), code: 'ERR_VERIFY_TLOG_INCLUSION' },
  { name: 'canonicalized body', mutate: flip(`${E}.canonicalizedBody`, 5), code: 'ERR_VERIFY_TLOG_BODY' },
  { name: 'checkpoint signature', mutate: checkpointSignatureFlip, code: 'ERR_VERIFY_TLOG_CHECKPOINT' },
  { name: 'checkpoint origin', mutate: set(`${E}.inclusionProof.checkpoint.envelope`, (v) => (v as string).replace(/^[^\n]*\n/, '')), code: 'ERR_VERIFY_TLOG_CHECKPOINT' },
  { name: 'certificate bytes', mutate: flip('verificationMaterial.certificate.rawBytes', -5), code: 'ERR_VERIFY_CERT_CHAIN' },
]);

/** Flips a bit inside the signature of the embedded SCT list of a certificate (a field covered by the CA's signature). */
function sctFlip(path: string): Mutation {
  return (b) => {
    const { parent, key } = at(b, path);
    const der = Buffer.from(parent[key] as string, 'base64');
    const oid = Buffer.from('060a2b06010401d679020402', 'hex'); // 1.3.6.1.4.1.11129.2.4.2
    const i = der.indexOf(oid);
    assert.ok(i > 0, 'certificate has an SCT list');
    der[i + oid.length + 60] = (der[i + oid.length + 60] as number) ^ 0x01;
    parent[key] = der.toString('base64');
  };
}

/** Flips a bit of the hashedMessage inside the TSTInfo of a timestamp token. */
function tstImprintFlip(path: string): Mutation {
  return (b) => {
    const { parent, key } = at(b, path);
    const der = Buffer.from(parent[key] as string, 'base64');
    const sha256Alg = Buffer.from('0609608648016503040201', 'hex');
    const i = der.indexOf(sha256Alg);
    // AlgorithmIdentifier (maybe with NULL) then OCTET STRING (04 20) holding the imprint.
    const j = der.indexOf(Buffer.from([0x04, 0x20]), i);
    assert.ok(i > 0 && j > i, 'token has a SHA-256 message imprint');
    der[j + 2] = (der[j + 2] as number) ^ 0x01;
    parent[key] = der.toString('base64');
  };
}
