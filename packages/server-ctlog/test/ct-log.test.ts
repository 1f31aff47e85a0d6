import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify as cryptoVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate } from '@signet/core';
import { verifyInclusionProof, verifyConsistencyProof } from '@signet/merkle';
import { verifyEmbeddedSCTs } from '@signet/verify';
import {
  createIntermediateCertificate, createRootCertificate, extension, generateKey, issueCertificate, type IssuedCertificate,
} from '@signet/testkit';
import {
  CT_POISON_EXTENSION_DER, CTLog, CTLogError, createCTLogServer, encodeSCTList, fileExtraDataStore, leafHash, openCTLog,
  removeExtension, treeHeadSignatureInput,
} from '@signet/server-ctlog';

const POISON = '1.3.6.1.4.1.11129.2.4.3';
const SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';
const now = new Date();
const window = { notBefore: new Date(now.getTime() - 86_400_000), notAfter: new Date(now.getTime() + 86_400_000) };

function pki(): { root: IssuedCertificate; intermediate: IssuedCertificate } {
  const root = createRootCertificate({ keyType: 'ecdsa-p256', organization: 'ct.test', commonName: 'root', ...window });
  const intermediate = createIntermediateCertificate(root, { keyType: 'ecdsa-p256', organization: 'ct.test', commonName: 'intermediate', ...window });
  return { root, intermediate };
}

function leafTemplate(extra: Buffer[]) {
  const { privateKey, publicKey } = generateKey('ecdsa-p256');
  const serial = Buffer.from('4' + '1'.repeat(39), 'hex');
  const base = [extension('2.5.29.17', true, Buffer.from('3011860f68747470733a2f2f612e746573742f', 'hex'))];
  return { privateKey, template: (last: Buffer[]) => ({ serial, subject: Buffer.of(0x30, 0), publicKey, ...window, extensions: [...base, ...extra, ...last] }) };
}

async function openTestLog(roots: Buffer[]): Promise<{ ctLog: CTLog; dir: string; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-ctlog-'));
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ctLog = await openCTLog({ dataDir: dir, privateKey, roots, logOptions: { checkpointIntervalMs: 0 } });
  return { ctLog, dir, close: async () => { await ctLog.close(); rmSync(dir, { recursive: true, force: true }); } };
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (err: unknown) => err instanceof CTLogError && err.code === code);
}

describe('CTLog', () => {
  it('issues an SCT for a precertificate that the verifier accepts in the final certificate', async (t) => {
    const { root, intermediate } = pki();
    const { ctLog, close } = await openTestLog([root.der]);
    t.after(close);
    const { privateKey, template } = leafTemplate([]);
    const precert = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey);
    const sct = await ctLog.addPreChain([precert.der, intermediate.der, root.der]);
    assert.equal(sct.logId.length, 32);
    const final = issueCertificate(template([extension(SCT_LIST, false, Buffer.concat([Buffer.of(4), lengthOf(encodeSCTList([sct.sct])), encodeSCTList([sct.sct])]))]), intermediate, privateKey);
    const logKey = { baseUrl: 'x', logId: ctLog.logId, key: ctLog.publicKey, spki: ctLog.spki, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: window.notBefore } };
    assert.equal(verifyEmbeddedSCTs(parseCertificate(final.der), parseCertificate(intermediate.der), [logKey], 1), 1);
    // The same precertificate again is the same entry.
    const again = await ctLog.addPreChain([precert.der, intermediate.der, root.der]);
    assert.equal(again.index, sct.index);
    assert.equal(again.timestamp, sct.timestamp);
    assert.equal(ctLog.sequencedSize(), 1);
  });

  it('logs final certificates, proves inclusion and consistency, signs tree heads (RFC 6962 §3.5)', async (t) => {
    const { root, intermediate } = pki();
    const { ctLog, close } = await openTestLog([root.der]);
    t.after(close);
    const certs = [0, 1, 2].map(() => {
      const { privateKey, template } = leafTemplate([]);
      return issueCertificate(template([]), intermediate, privateKey);
    });
    const first = await ctLog.addChain([certs[0]!.der, intermediate.der]);
    await ctLog.awaitInclusion(first.index);
    const sth1 = ctLog.getSTH();
    for (const c of certs.slice(1)) await ctLog.addChain([c.der, intermediate.der, root.der]);
    await ctLog.awaitInclusion(2);
    const sth = ctLog.getSTH();
    assert.equal(sth.treeSize, 3);
    const sig = sth.treeHeadSignature;
    assert.deepEqual([sig[0], sig[1]], [4, 3]);
    assert.ok(cryptoVerify('sha256', treeHeadSignatureInput(sth.timestamp, sth.treeSize, sth.rootHash), { key: ctLog.publicKey, dsaEncoding: 'der' }, sig.subarray(4)));
    const entries = await ctLog.getEntries(0, 10);
    assert.equal(entries.length, 3);
    const hash = leafHash(entries[1]!.leafInput);
    const proof = await ctLog.getProofByHash(hash, 3);
    assert.equal(proof.leafIndex, 1);
    verifyInclusionProof({ index: 1, treeSize: 3, leafHash: hash, proof: proof.auditPath, rootHash: sth.rootHash });
    const consistency = await ctLog.getSTHConsistency(sth1.treeSize, 3);
    verifyConsistencyProof({ oldSize: sth1.treeSize, newSize: 3, oldRoot: sth1.rootHash, newRoot: sth.rootHash, proof: consistency });
    await expectCode(ctLog.getProofByHash(createHash('sha256').update('nope').digest(), 3), 'ERR_CT_NOT_FOUND');
    await expectCode(ctLog.getSTHConsistency(1, 99), 'ERR_CT_TREE_SIZE');
  });

  it('refuses chains that do not end at an accepted root, precertificates in add-chain and the reverse, and garbage', async (t) => {
    const { root, intermediate } = pki();
    const other = pki();
    const { ctLog, close } = await openTestLog([root.der]);
    t.after(close);
    const { privateKey, template } = leafTemplate([]);
    const cert = issueCertificate(template([]), intermediate, privateKey);
    const precert = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey);
    const foreign = issueCertificate(template([]), other.intermediate, privateKey);
    await expectCode(ctLog.addChain([foreign.der, other.intermediate.der, other.root.der]), 'ERR_CT_CHAIN');
    await expectCode(ctLog.addChain([cert.der, other.intermediate.der]), 'ERR_CT_CHAIN');
    await expectCode(ctLog.addChain([precert.der, intermediate.der]), 'ERR_CT_PRECERT');
    await expectCode(ctLog.addPreChain([cert.der, intermediate.der]), 'ERR_CT_PRECERT');
    await expectCode(ctLog.addChain([Buffer.from('not a certificate'), intermediate.der]), 'ERR_CT_CERTIFICATE');
    assert.equal(ctLog.sequencedSize(), 0);
  });

  it('refuses a CT key that is not ECDSA P-256', () => {
    const { root } = pki();
    const { privateKey } = generateKeyPairSync('ed25519');
    assert.throws(() => new CTLog({ log: undefined as never, privateKey, roots: [root.der] }), (e: unknown) => e instanceof CTLogError && e.code === 'ERR_CT_KEY');
  });

  it('reports a closed log as unavailable', async () => {
    const { root, intermediate } = pki();
    const { ctLog, dir } = await openTestLog([root.der]);
    const { privateKey, template } = leafTemplate([]);
    const cert = issueCertificate(template([]), intermediate, privateKey);
    await ctLog.close();
    await expectCode(ctLog.addChain([cert.der, intermediate.der]), 'ERR_CT_UNAVAILABLE');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('CTLog.issuerSubmitter (the in-process CA path)', () => {
  it('logs the same entry as add-pre-chain: the SCT verifies in the final certificate, a resubmission is the same entry', async (t) => {
    const { root, intermediate } = pki();
    const { ctLog, close } = await openTestLog([root.der]);
    t.after(close);
    const submitter = ctLog.issuerSubmitter([intermediate.der, root.der]);
    const { privateKey, template } = leafTemplate([]);
    const precert = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey);
    const sct = await submitter.addPreChain([precert.der, intermediate.der, root.der]);
    const final = issueCertificate(template([extension(SCT_LIST, false, Buffer.concat([Buffer.of(4), lengthOf(encodeSCTList([sct.sct])), encodeSCTList([sct.sct])]))]), intermediate, privateKey);
    const logKey = { baseUrl: 'x', logId: ctLog.logId, key: ctLog.publicKey, spki: ctLog.spki, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: window.notBefore } };
    assert.equal(verifyEmbeddedSCTs(parseCertificate(final.der), parseCertificate(intermediate.der), [logKey], 1), 1);
    // The HTTP path computes the same leaf identity: the same precertificate is the same entry.
    const viaHttpPath = await ctLog.addPreChain([precert.der, intermediate.der, root.der]);
    assert.equal(viaHttpPath.index, sct.index);
    assert.equal(viaHttpPath.timestamp, sct.timestamp);
    await ctLog.awaitInclusion(sct.index);
    const [entry] = await ctLog.getEntries(sct.index, sct.index);
    assert.ok(entry!.extraData.includes(precert.der), 'extra_data holds the precertificate and its chain');
    assert.ok(entry!.extraData.includes(intermediate.der));
    assert.equal(ctLog.sequencedSize(), 1);
  });

  it('checks the issuer chain when bound: it must end at an accepted root', () => {
    const { root } = pki();
    const other = pki();
    const log = new CTLog({ log: undefined as never, privateKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, roots: [root.der] });
    assert.throws(() => log.issuerSubmitter([other.intermediate.der, other.root.der]), (e: unknown) => e instanceof CTLogError && e.code === 'ERR_CT_CHAIN');
    assert.throws(() => log.issuerSubmitter([other.intermediate.der]), (e: unknown) => e instanceof CTLogError && e.code === 'ERR_CT_CHAIN');
    assert.throws(() => log.issuerSubmitter([Buffer.from('garbage')]), (e: unknown) => e instanceof CTLogError && e.code === 'ERR_CT_CERTIFICATE');
    assert.throws(() => log.issuerSubmitter([]), (e: unknown) => e instanceof CTLogError && e.code === 'ERR_CT_CHAIN');
  });

  it('refuses what add-pre-chain refuses structurally: another chain, no poison, a non-critical or non-NULL poison, garbage', async (t) => {
    const { root, intermediate } = pki();
    const other = pki();
    const { ctLog, close } = await openTestLog([root.der, other.root.der]);
    t.after(close);
    const submitter = ctLog.issuerSubmitter([intermediate.der, root.der]);
    const { privateKey, template } = leafTemplate([]);
    const cert = issueCertificate(template([]), intermediate, privateKey);
    const precert = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey);
    const foreign = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), other.intermediate, privateKey);
    await expectCode(submitter.addPreChain([foreign.der, other.intermediate.der, other.root.der]), 'ERR_CT_CHAIN');
    await expectCode(submitter.addPreChain([precert.der, intermediate.der]), 'ERR_CT_CHAIN');
    await expectCode(submitter.addPreChain([precert.der]), 'ERR_CT_CHAIN');
    await expectCode(submitter.addPreChain([cert.der, intermediate.der, root.der]), 'ERR_CT_PRECERT');
    const nonCritical = issueCertificate(template([extension(POISON, false, Buffer.of(5, 0))]), intermediate, privateKey);
    await expectCode(submitter.addPreChain([nonCritical.der, intermediate.der, root.der]), 'ERR_CT_PRECERT');
    const notNull = issueCertificate(template([extension(POISON, true, Buffer.of(4, 0))]), intermediate, privateKey);
    await expectCode(submitter.addPreChain([notNull.der, intermediate.der, root.der]), 'ERR_CT_PRECERT');
    const twice = issueCertificate(template([extension(POISON, true, Buffer.of(5, 0)), extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey);
    await expectCode(submitter.addPreChain([twice.der, intermediate.der, root.der]), 'ERR_CT_CERTIFICATE');
    await expectCode(submitter.addPreChain([Buffer.from('not a certificate'), intermediate.der, root.der]), 'ERR_CT_CERTIFICATE');
    await expectCode(submitter.addPreChain([Buffer.concat([precert.der, Buffer.of(0)]), intermediate.der, root.der]), 'ERR_CT_CERTIFICATE');
    // The slow path refuses the same precertificates.
    await expectCode(ctLog.addPreChain([nonCritical.der, intermediate.der, root.der]), 'ERR_CT_PRECERT');
    await expectCode(ctLog.addPreChain([notNull.der, intermediate.der, root.der]), 'ERR_CT_PRECERT');
    assert.equal(ctLog.sequencedSize(), 0);
  });

  it('CT_POISON_EXTENSION_DER is the critical NULL poison, and removing it gives the TBS the SCT covers', () => {
    const { intermediate } = pki();
    const { privateKey, template } = leafTemplate([]);
    const precert = parseCertificate(issueCertificate(template([extension(POISON, true, Buffer.of(5, 0))]), intermediate, privateKey).der);
    assert.deepEqual(extension(POISON, true, Buffer.of(5, 0)), CT_POISON_EXTENSION_DER);
    const plain = parseCertificate(issueCertificate(template([]), intermediate, privateKey).der);
    assert.deepEqual(removeExtension(precert.tbs, POISON), plain.tbs);
  });
});

describe('fileExtraDataStore', () => {
  it('makes concurrent puts durable in group commits, reads them back after reopening, and drains on close', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-extra-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const store = fileExtraDataStore(dir);
    const records = Array.from({ length: 50 }, (_, i) => ({ hash: createHash('sha256').update(String(i)).digest(), data: Buffer.alloc(100 + i, i) }));
    await Promise.all(records.slice(0, 40).map((r) => store.put(r.hash, r.data)));
    for (const r of records.slice(0, 40)) assert.deepEqual(await store.get(r.hash), r.data);
    const pending = records.slice(40).map((r) => store.put(r.hash, r.data));
    await store.close(); // waits for the in-flight batch
    await Promise.all(pending);
    await assert.rejects(store.put(records[0]!.hash, records[0]!.data));
    const reopened = fileExtraDataStore(dir);
    t.after(() => reopened.close());
    for (const r of records) assert.deepEqual(await reopened.get(r.hash), r.data);
  });
});

function lengthOf(b: Buffer): Buffer {
  return b.length < 128 ? Buffer.of(b.length) : Buffer.of(0x81, b.length);
}

describe('CT HTTP API (RFC 6962 §4)', () => {
  it('serves add-chain, get-sth, get-roots, get-entries, and answers bad input with 400', async (t) => {
    const { root, intermediate } = pki();
    const { ctLog, close } = await openTestLog([root.der]);
    const app = await createCTLogServer(ctLog);
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    t.after(async () => { await app.close(); await close(); });
    const { privateKey, template } = leafTemplate([]);
    const cert = issueCertificate(template([]), intermediate, privateKey);
    const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const added = await post('/ct/v1/add-chain', { chain: [cert.der.toString('base64'), intermediate.der.toString('base64')] });
    assert.equal(added.status, 200);
    const sct = await added.json() as { sct_version: number; id: string; timestamp: number; signature: string };
    assert.equal(sct.sct_version, 0);
    assert.equal(sct.id, ctLog.logId.toString('base64'));
    await ctLog.awaitInclusion(0);
    const sth = await (await fetch(`${url}/ct/v1/get-sth`)).json() as { tree_size: number };
    assert.equal(sth.tree_size, 1);
    const roots = await (await fetch(`${url}/ct/v1/get-roots`)).json() as { certificates: string[] };
    assert.deepEqual(roots.certificates, [root.der.toString('base64')]);
    const entries = await (await fetch(`${url}/ct/v1/get-entries?start=0&end=0`)).json() as { entries: { leaf_input: string; extra_data: string }[] };
    assert.equal(entries.entries.length, 1);
    const bad = await post('/ct/v1/add-chain', { chain: ['!!!'] });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { error_code: string }).error_code, 'ERR_CT_REQUEST');
    const badQuery = await fetch(`${url}/ct/v1/get-entries?start=-1&end=2`);
    assert.equal(badQuery.status, 400);
    const proofMissing = await fetch(`${url}/ct/v1/get-proof-by-hash?hash=${encodeURIComponent(Buffer.alloc(32).toString('base64'))}&tree_size=1`);
    assert.equal(proofMissing.status, 404);
  });
});
