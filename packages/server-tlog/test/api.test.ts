import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalizeJSON, verifySignature } from '@signet/core';
import {
  hashLeaf, noteVerifierFromPublicKey, parseSignedNote, verifyCheckpoint, verifyConsistencyProof, verifyInclusionProof,
  NoteSignatureType, noteKeyHash,
} from '@signet/merkle';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { Verifier } from '@signet/verify';
import { createTestInstance, createTimestampToken, issueLeaf } from '@signet/testkit';
import { localWitness } from '@signet/server-tlog';
import {
  b64, dsseProposal, getJson, hashedRekord, hashedRekordV2, intotoProposal, p256, pemOf, postJson, startTestLog,
} from './helpers.js';

describe('Rekor v1 API', () => {
  it('logs a hashedrekord entry: 201, Location, SET, inclusion proof against a checkpoint signed by both keys', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const r = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(privateKey, 'artifact one'));
    assert.equal(r.status, 201);
    const [uuid, entry] = Object.entries(r.json)[0] as [string, any];
    assert.match(uuid, /^[0-9a-f]{80}$/);
    assert.equal(r.headers.get('location'), `/api/v1/log/entries/${uuid}`);
    assert.match(r.headers.get('server-timing') ?? '', /^seq;dur=/);
    const body = Buffer.from(entry.body, 'base64');
    assert.equal(uuid.slice(16), hashLeaf(body).toString('hex'));
    assert.equal(entry.logID, s.keys.v1LogId.toString('hex'));
    // SET: P-256 signature over the canonical JSON of the four fields.
    const payload = canonicalizeJSON({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex });
    assert.ok(verifySignature(s.keys.setPublicKey, Buffer.from(payload), Buffer.from(entry.verification.signedEntryTimestamp, 'base64')));
    const proof = entry.verification.inclusionProof;
    verifyInclusionProof({
      index: entry.logIndex, treeSize: proof.treeSize, leafHash: hashLeaf(body),
      proof: proof.hashes.map((h: string) => Buffer.from(h, 'hex')), rootHash: Buffer.from(proof.rootHash, 'hex'),
    });
    const v = verifyCheckpoint(proof.checkpoint, [noteVerifierFromPublicKey(s.keys.origin, s.keys.notePublicKey), noteVerifierFromPublicKey(s.keys.origin, s.keys.setPublicKey)]);
    assert.equal(v.signatures.length, 2);
    assert.equal(v.checkpoint.treeSize, proof.treeSize);
    // The body is what Rekor stores: canonical JSON, the key as base64 PEM.
    const parsed = JSON.parse(body.toString());
    assert.equal(parsed.kind, 'hashedrekord');
    assert.equal(Buffer.from(parsed.spec.signature.publicKey.content, 'base64').toString(), pemOf(privateKey));
  });

  it('finds an entry by 64- and 80-hex UUID, by index, and through retrieve', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const proposal = hashedRekord(privateKey, 'findable');
    const created = await postJson(`${s.url}/api/v1/log/entries`, proposal);
    const [uuid] = Object.keys(created.json) as [string];
    const byUuid = await getJson(`${s.url}/api/v1/log/entries/${uuid}`);
    assert.equal(byUuid.status, 200);
    assert.deepEqual(Object.keys(byUuid.json), [uuid]);
    const short = await getJson(`${s.url}/api/v1/log/entries/${uuid.slice(16)}`);
    assert.equal(short.status, 200);
    const byIndex = await getJson(`${s.url}/api/v1/log/entries?logIndex=0`);
    assert.deepEqual(Object.keys(byIndex.json), [uuid]);
    const retrieved = await postJson(`${s.url}/api/v1/log/entries/retrieve`, { entryUUIDs: [uuid, 'f'.repeat(64)], logIndexes: [0, 99] });
    assert.equal(retrieved.status, 200);
    assert.equal(retrieved.json.length, 2);
    const byContent = await postJson(`${s.url}/api/v1/log/entries/retrieve`, { entries: [proposal] });
    assert.deepEqual(Object.keys(byContent.json[0]), [uuid]);
    assert.equal((await getJson(`${s.url}/api/v1/log/entries/${'0'.repeat(64)}`)).status, 404);
    const bad = await getJson(`${s.url}/api/v1/log/entries/xyz`);
    assert.equal(bad.status, 400);
    assert.equal(bad.json.errorCode, 'ERR_TLOG_REQUEST');
  });

  it('logs dsse 0.0.1 without the payload: envelope and payload hashes, the signature and its verifier', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'ab'.repeat(32) } }] }));
    const proposal = dsseProposal(privateKey, payload);
    const r = await postJson(`${s.url}/api/v1/log/entries`, proposal);
    assert.equal(r.status, 201);
    const entry = Object.values(r.json)[0] as any;
    const body = JSON.parse(Buffer.from(entry.body, 'base64').toString());
    const envelope = (proposal as any).spec.proposedContent.envelope as string;
    assert.deepEqual(body.spec.envelopeHash, { algorithm: 'sha256', value: createHash('sha256').update(envelope).digest('hex') });
    assert.deepEqual(body.spec.payloadHash, { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') });
    assert.equal(body.spec.signatures.length, 1);
    assert.ok(!JSON.stringify(body).includes(payload.toString('base64')), 'the payload is not stored');
    // The in-toto subject digest is searchable.
    const found = await postJson(`${s.url}/api/v1/index/retrieve`, { hash: `sha256:${'ab'.repeat(32)}` });
    assert.deepEqual(found.json, Object.keys(r.json));
  });

  it('logs intoto 0.0.2 without the payload and computes the payload hash itself', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const r = await postJson(`${s.url}/api/v1/log/entries`, intotoProposal(privateKey, payload));
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const body = JSON.parse(Buffer.from((Object.values(r.json)[0] as any).body, 'base64').toString());
    assert.equal(body.spec.content.envelope.payload, undefined);
    assert.equal(body.spec.content.payloadHash.value, createHash('sha256').update(payload).digest('hex'));
    assert.equal(body.spec.content.envelope.signatures.length, 1);
  });

  it('answers GET /api/v1/log, consistency proofs between published sizes, and the PEM public key', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const checkpoints: { size: number; root: Buffer }[] = [];
    for (let i = 0; i < 5; i++) {
      await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(privateKey, `artifact ${i}`));
      const info = await getJson(`${s.url}/api/v1/log`);
      assert.equal(info.status, 200);
      assert.equal(info.json.signedTreeHead.split('\n')[1], String(info.json.treeSize));
      checkpoints.push({ size: info.json.treeSize, root: Buffer.from(info.json.rootHash, 'hex') });
    }
    const last = checkpoints.at(-1)!;
    for (const cp of checkpoints) {
      const p = await getJson(`${s.url}/api/v1/log/proof?firstSize=${cp.size}&lastSize=${last.size}`);
      assert.equal(p.status, 200);
      assert.equal(p.json.rootHash, last.root.toString('hex'));
      verifyConsistencyProof({ oldSize: cp.size, newSize: last.size, oldRoot: cp.root, newRoot: last.root, proof: p.json.hashes.map((h: string) => Buffer.from(h, 'hex')) });
    }
    const pk = await fetch(`${s.url}/api/v1/log/publicKey`);
    assert.equal(pk.headers.get('content-type'), 'application/x-pem-file');
    assert.equal(await pk.text(), pemOf(s.keys.setPublicKey));
  });

  it('searches the index by hash, public key and email, AND-ed unless operator is "or"; refuses key URLs', async (t) => {
    const s = await startTestLog(t);
    const a = p256();
    const b = p256();
    const ra = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(a.privateKey, 'shared'));
    const rb = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(b.privateKey, 'shared'));
    const rc = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(a.privateKey, 'other'));
    const [ua, ub, uc] = [ra, rb, rc].map((r) => Object.keys(r.json)[0]);
    const hash = `sha256:${createHash('sha256').update('shared').digest('hex')}`;
    const keyA = { format: 'x509', content: b64(pemOf(a.privateKey)) };
    assert.deepEqual((await postJson(`${s.url}/api/v1/index/retrieve`, { hash })).json, [ua, ub]);
    assert.deepEqual((await postJson(`${s.url}/api/v1/index/retrieve`, { publicKey: keyA })).json, [ua, uc]);
    assert.deepEqual((await postJson(`${s.url}/api/v1/index/retrieve`, { hash, publicKey: keyA })).json, [ua]);
    assert.deepEqual((await postJson(`${s.url}/api/v1/index/retrieve`, { hash, publicKey: keyA, operator: 'or' })).json, [ua, ub, uc]);
    const url = await postJson(`${s.url}/api/v1/index/retrieve`, { publicKey: { format: 'x509', url: 'http://169.254.169.254/key' } });
    assert.equal(url.status, 400);
    assert.equal(url.json.errorCode, 'ERR_TLOG_REQUEST');
    assert.equal((await postJson(`${s.url}/api/v1/index/retrieve`, { email: 'nobody@example.com' })).json.length, 0);
  });
});

describe('Rekor v2 API', () => {
  it('answers a hashedRekordRequestV002 with a TransparencyLogEntry: checkpoint key ID, no SET, integratedTime 0', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const request = hashedRekordV2(privateKey, 'v2 artifact');
    const r = await postJson(`${s.url}/api/v2/log/entries`, request);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.equal(r.json.logId.keyId, s.keys.checkpointKeyId.toString('base64'));
    assert.deepEqual(r.json.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    assert.equal(r.json.integratedTime, '0');
    assert.equal(r.json.inclusionPromise, undefined);
    const body = Buffer.from(r.json.canonicalizedBody, 'base64');
    const p = r.json.inclusionProof;
    verifyInclusionProof({
      index: Number(p.logIndex), treeSize: Number(p.treeSize), leafHash: hashLeaf(body),
      proof: p.hashes.map((h: string) => Buffer.from(h, 'base64')), rootHash: Buffer.from(p.rootHash, 'base64'),
    });
    verifyCheckpoint(p.checkpoint.envelope, [noteVerifierFromPublicKey(s.keys.origin, s.keys.notePublicKey)]);
    const parsed = JSON.parse(body.toString());
    assert.equal(parsed.spec.hashedRekordV002.data.algorithm, 'SHA2_256');
    // The same request again is the same entry (idempotent), not a second leaf.
    const again = await postJson(`${s.url}/api/v2/log/entries`, request);
    assert.equal(again.status, 200);
    assert.equal(again.json.logIndex, r.json.logIndex);
  });

  it('accepts ECDSA P-384 with SHA-384 and RSA 2048 PKCS#1 v1.5', async (t) => {
    const s = await startTestLog(t);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    assert.equal((await postJson(`${s.url}/api/v2/log/entries`, hashedRekordV2(p384, 'x', 'PKIX_ECDSA_P384_SHA_384'))).status, 201);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.equal((await postJson(`${s.url}/api/v2/log/entries`, hashedRekordV2(rsa, 'x', 'PKIX_RSA_PKCS1V15_2048_SHA256'))).status, 201);
    assert.equal((await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(rsa, 'rsa v1'))).status, 201);
  });

  it('logs an Ed25519ph hashedrekord (PKIX_ED25519_PH, SHA-512 digest) as rekor-tiles does; our verifier accepts the bundle from the digest alone', async (t) => {
    const s = await startTestLog(t);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const data = 'ed25519ph artifact';
    const request = hashedRekordV2(privateKey, data, 'PKIX_ED25519_PH') as any;
    const r = await postJson(`${s.url}/api/v2/log/entries`, request);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(r.json.kindVersion, { kind: 'hashedrekord', version: '0.0.2' });
    const body = JSON.parse(Buffer.from(r.json.canonicalizedBody, 'base64').toString());
    const sha512 = createHash('sha512').update(data).digest();
    assert.deepEqual(body.spec.hashedRekordV002, {
      data: { algorithm: 'SHA2_512', digest: sha512.toString('base64') },
      signature: {
        content: request.hashedRekordRequestV002.signature.content,
        verifier: { keyDetails: 'PKIX_ED25519_PH', publicKey: { rawBytes: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } },
      },
    });
    // Searchable by its SHA-512 digest.
    assert.equal((await postJson(`${s.url}/api/v1/index/retrieve`, { hash: `sha512:${sha512.toString('hex')}` })).json.length, 1);

    // A keyed bundle as a Rekor v2 client builds it: messageDigest SHA2_512, no artifact bytes.
    const bundle = parseBundle({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { publicKey: { hint: 'ed25519ph' }, tlogEntries: [r.json], timestampVerificationData: { rfc3161Timestamps: [] } },
      messageSignature: { messageDigest: { algorithm: 'SHA2_512', digest: sha512.toString('base64') }, signature: request.hashedRekordRequestV002.signature.content },
    });
    const result = new Verifier(parseTrustedRoot(JSON.parse(readFileSync(s.trustedRootPath, 'utf8')))).verify(bundle, { key: publicKey, artifact: { digests: { sha512 } } });
    assert.equal(result.tlogEntries[0]?.baseUrl, s.url);
  });

  it('logs an Ed25519ph hashedrekord with a certificate; our verifier accepts the certificate bundle', async (t) => {
    const s = await startTestLog(t);
    const instance = createTestInstance();
    const now = new Date();
    const leaf = issueLeaf({
      issuer: instance.ca.intermediate, ctLog: instance.ctLog, san: 'https://signet.test/ed25519ph', oidcIssuer: 'https://issuer.test', signingTime: now,
      privateKey: generateKeyPairSync('ed25519').privateKey,
    });
    const data = Buffer.from('ed25519ph artifact with a certificate');
    const request = hashedRekordV2(leaf.privateKey, data, 'PKIX_ED25519_PH', leaf.der) as any;
    const r = await postJson(`${s.url}/api/v2/log/entries`, request);
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const signature = Buffer.from(request.hashedRekordRequestV002.signature.content, 'base64');
    const token = createTimestampToken(signature, instance.tsa!.leaf.privateKey, instance.tsa!.leaf.der, now);
    const sha512 = createHash('sha512').update(data).digest();
    const bundle = parseBundle({
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: {
        certificate: { rawBytes: leaf.der.toString('base64') }, tlogEntries: [r.json],
        timestampVerificationData: { rfc3161Timestamps: [{ signedTimestamp: token.toString('base64') }] },
      },
      messageSignature: { messageDigest: { algorithm: 'SHA2_512', digest: sha512.toString('base64') }, signature: signature.toString('base64') },
    });
    const ourRoot = JSON.parse(readFileSync(s.trustedRootPath, 'utf8'));
    const result = new Verifier(parseTrustedRoot({ ...instance.trustedRoot, tlogs: ourRoot.tlogs })).verify(bundle, {
      artifact: { digests: { sha512 } },
      policy: { subjectAlternativeName: 'https://signet.test/ed25519ph', issuer: 'https://issuer.test' },
    });
    assert.equal(result.signer.kind, 'certificate');
  });

  it('logs a dsseRequestV002 as dsse 0.0.2 (Ed25519 allowed: it signs the PAE)', async (t) => {
    const s = await startTestLog(t);
    const ed = generateKeyPairSync('ed25519').privateKey;
    const payload = Buffer.from('{"_type":"https://in-toto.io/Statement/v1"}');
    const { sign } = await import('node:crypto');
    const { preAuthEncoding } = await import('@signet/core');
    const sig = sign(null, preAuthEncoding('application/vnd.in-toto+json', payload), ed);
    const r = await postJson(`${s.url}/api/v2/log/entries`, {
      dsseRequestV002: {
        envelope: { payload: payload.toString('base64'), payloadType: 'application/vnd.in-toto+json', signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
        verifiers: [{ keyDetails: 'PKIX_ED25519', publicKey: { rawBytes: createPublicKey(ed).export({ format: 'der', type: 'spki' }).toString('base64') } }],
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    assert.deepEqual(r.json.kindVersion, { kind: 'dsse', version: '0.0.2' });
  });
});

describe('C2SP tlog-tiles endpoints', () => {
  it('serves /checkpoint, partial and full hash tiles and entry bundles with the right cache headers', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const bodies: Buffer[] = [];
    await Promise.all(Array.from({ length: 300 }, async (_, i) => {
      const r = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(privateKey, `tile ${i}`));
      const e = Object.values(r.json)[0] as any;
      bodies[e.logIndex] = Buffer.from(e.body, 'base64');
    }));
    const cp = await fetch(`${s.url}/checkpoint`);
    assert.equal(cp.headers.get('cache-control'), 'no-cache');
    const note = await cp.text();
    assert.equal(note.split('\n')[1], '300');
    const full = await fetch(`${s.url}/tile/0/000`);
    assert.equal(full.status, 200);
    assert.equal(full.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const hashes = Buffer.from(await full.arrayBuffer());
    assert.equal(hashes.length, 256 * 32);
    assert.deepEqual(hashes.subarray(0, 32), hashLeaf(bodies[0]!));
    const partial = await fetch(`${s.url}/tile/0/001.p/44`);
    assert.equal(partial.status, 200);
    assert.match(partial.headers.get('cache-control') ?? '', /max-age=5$/);
    assert.deepEqual(Buffer.from(await partial.arrayBuffer()).subarray(0, 32), hashLeaf(bodies[256]!));
    const bundle = Buffer.from(await (await fetch(`${s.url}/tile/entries/000`)).arrayBuffer());
    assert.equal(bundle.readUInt16BE(0), bodies[0]!.length);
    assert.deepEqual(bundle.subarray(2, 2 + bodies[0]!.length), bodies[0]);
    assert.equal((await fetch(`${s.url}/tile/0/001`)).status, 404, 'tile 1 is not full');
    assert.equal((await fetch(`${s.url}/tile/0/x1`)).status, 404);
  });
});

describe('witness cosignatures', () => {
  it('adds a c2sp.org/tlog-cosignature line that verifiers ignore and the witness key verifies', async (t) => {
    const witnessKey = generateKeyPairSync('ed25519');
    const s = await startTestLog(t, { witnesses: [localWitness('witness.test', witnessKey.privateKey)] });
    const { privateKey } = p256();
    const r = await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(privateKey, 'witnessed'));
    const note = (Object.values(r.json)[0] as any).verification.inclusionProof.checkpoint as string;
    const parsed = parseSignedNote(note);
    const line = parsed.signatures.find((sig) => sig.name === 'witness.test');
    assert.ok(line, 'a cosignature line');
    const raw = witnessKey.publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    assert.deepEqual(line.keyHash, noteKeyHash('witness.test', NoteSignatureType.Cosignature, raw));
    const time = line.signature.readBigUInt64BE(0);
    const msg = Buffer.from(`cosignature/v1\ntime ${time}\n${parsed.body}`);
    assert.ok(verifySignature(witnessKey.publicKey, msg, line.signature.subarray(8)));
    // The log's own verifiers still accept the checkpoint, ignoring the unknown line.
    verifyCheckpoint(note, [noteVerifierFromPublicKey(s.keys.origin, s.keys.notePublicKey)]);
  });
});

describe('trusted_root.json', () => {
  it('lists the log once per key with the listen URL, log IDs and a validity start', async (t) => {
    const s = await startTestLog(t);
    const root = parseTrustedRoot(readFileSync(s.trustedRootPath, 'utf8'));
    assert.equal(root.tlogs.length, 2);
    assert.ok(root.tlogs.every((l) => l.baseUrl === s.url && l.publicKey.validFor.start instanceof Date));
    assert.deepEqual(root.tlogs[0]!.logId.keyId, s.keys.v1LogId);
    assert.deepEqual(root.tlogs[1]!.checkpointKeyId?.keyId, s.keys.checkpointKeyId);
  });
});
