import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodePem } from '@signet/core';
import { buildTrustMaterial, parseRFC3161Timestamp, verifyRFC3161Timestamp } from '@signet/verify';
import { TimestampAuthority, createKeyTimestampSigner, timestampAuthorityTrustedRoot, type TimestampSigner } from '@signet/server-tsa';
import {
  SHA1_OID, embeddedCertificates, makeAuthority, readResponse, sha256, startServer, timeStampReq, tsaChain,
} from './tsa-helpers.js';

const signed = Buffer.from('signature bytes');
const QUERY = { 'content-type': 'application/timestamp-query' };
const JSON_TYPE = { 'content-type': 'application/json' };

async function post(base: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(`${base}/api/v1/timestamp`, { method: 'POST', headers, body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

function verify(authority: TimestampAuthority, der: Buffer, data = signed) {
  const root = timestampAuthorityTrustedRoot(authority.certificateChain as Buffer[], { uri: 'http://tsa.test/api/v1/timestamp' });
  return verifyRFC3161Timestamp(der, data, buildTrustMaterial(root).timestampAuthorities);
}

describe('POST /api/v1/timestamp', () => {
  it('answers a DER TimeStampReq with 201 and a DER TimeStampResp', async (t) => {
    const authority = makeAuthority();
    const base = await startServer(t, authority);
    const r = await post(base, timeStampReq({ hashed: sha256(signed), nonce: Buffer.of(0x2a), certReq: true }), QUERY);
    assert.equal(r.status, 201);
    assert.equal(r.type, 'application/timestamp-reply');
    const v = verify(authority, r.body);
    assert.deepEqual(v.timestamp.nonce, Buffer.of(0x2a));
    assert.equal(embeddedCertificates(readResponse(r.body).signedData!).length, 1);
  });

  it('answers Sigstore\'s JSON request form (charset parameter allowed)', async (t) => {
    const authority = makeAuthority();
    const base = await startServer(t, authority);
    const body = JSON.stringify({ artifactHash: sha256(signed).toString('base64'), hashAlgorithm: 'sha256', nonce: 99, certificates: true });
    const r = await post(base, body, { 'content-type': 'application/json; charset=utf-8' });
    assert.equal(r.status, 201);
    assert.equal(r.type, 'application/timestamp-reply');
    const v = verify(authority, r.body);
    assert.deepEqual(v.timestamp.nonce, Buffer.of(99));
    assert.equal(parseRFC3161Timestamp(r.body).certificates.length, 1);
    // Without `certificates`, nothing is embedded (as Sigstore's TSA).
    const bare = await post(base, JSON.stringify({ artifactHash: sha256(signed).toString('base64'), hashAlgorithm: 'sha256' }), JSON_TYPE);
    assert.equal(parseRFC3161Timestamp(bare.body).certificates.length, 0);
  });

  it('serves 50 concurrent requests with distinct serial numbers', async (t) => {
    const base = await startServer(t, makeAuthority());
    const responses = await Promise.all(Array.from({ length: 50 }, () => post(base, timeStampReq(), QUERY)));
    const serials = responses.map((r) => {
      assert.equal(r.status, 201);
      return parseRFC3161Timestamp(r.body).timestamp.serialNumber.toString('hex');
    });
    assert.equal(new Set(serials).size, 50);
  });

  const rejections: { name: string; body: () => string | Buffer; headers: Record<string, string>; failInfo: string }[] = [
    { name: 'truncated DER', body: () => timeStampReq().subarray(0, 17), headers: QUERY, failInfo: 'badDataFormat' },
    { name: 'an empty body', body: () => Buffer.alloc(0), headers: QUERY, failInfo: 'badDataFormat' },
    { name: 'random bytes', body: () => Buffer.from('GET / HTTP/1.1\r\n\r\n'), headers: QUERY, failInfo: 'badDataFormat' },
    { name: 'a wrong version', body: () => timeStampReq({ version: 3 }), headers: QUERY, failInfo: 'badRequest' },
    { name: 'an unknown hash OID', body: () => timeStampReq({ hashOid: '1.2.3.4' }), headers: QUERY, failInfo: 'badAlg' },
    { name: 'SHA-1', body: () => timeStampReq({ hashOid: SHA1_OID, hashed: Buffer.alloc(20) }), headers: QUERY, failInfo: 'badAlg' },
    { name: 'an imprint of the wrong length', body: () => timeStampReq({ hashed: Buffer.alloc(33) }), headers: QUERY, failInfo: 'badDataFormat' },
    { name: 'an unaccepted policy', body: () => timeStampReq({ policy: '1.2.3.4.5' }), headers: QUERY, failInfo: 'unacceptedPolicy' },
    { name: 'bad JSON', body: () => '{"artifactHash": ', headers: JSON_TYPE, failInfo: 'badDataFormat' },
    { name: 'JSON with __proto__', body: () => `{"artifactHash":"${sha256(signed).toString('base64')}","hashAlgorithm":"sha256","__proto__":{"certificates":true}}`, headers: JSON_TYPE, failInfo: 'badDataFormat' },
    { name: 'JSON with constructor.prototype', body: () => '{"constructor":{"prototype":{"x":1}}}', headers: JSON_TYPE, failInfo: 'badDataFormat' },
    { name: 'JSON with an unknown hash name', body: () => JSON.stringify({ artifactHash: sha256(signed).toString('base64'), hashAlgorithm: 'md5' }), headers: JSON_TYPE, failInfo: 'badAlg' },
    { name: 'JSON with an imprint of the wrong length', body: () => JSON.stringify({ artifactHash: 'AAAA', hashAlgorithm: 'sha256' }), headers: JSON_TYPE, failInfo: 'badDataFormat' },
    { name: 'JSON with an unaccepted policy', body: () => JSON.stringify({ artifactHash: sha256(signed).toString('base64'), hashAlgorithm: 'sha256', tsaPolicyOID: '1.2.3' }), headers: JSON_TYPE, failInfo: 'unacceptedPolicy' },
  ];
  for (const c of rejections) {
    it(`rejects ${c.name}: 400 with a rejection TimeStampResp (${c.failInfo})`, async (t) => {
      const base = await startServer(t, makeAuthority());
      const r = await post(base, c.body(), c.headers);
      assert.equal(r.status, 400);
      assert.equal(r.type, 'application/timestamp-reply');
      const read = readResponse(r.body);
      assert.equal(read.status, 2);
      assert.deepEqual(read.failInfo, [c.failInfo]);
      // The service is still up and well.
      assert.equal((await post(base, timeStampReq(), QUERY)).status, 201);
    });
  }

  it('answers 413 to a body over the limit', async (t) => {
    const base = await startServer(t, makeAuthority(), { bodyLimit: 1024 });
    for (const headers of [QUERY, JSON_TYPE]) {
      const r = await post(base, Buffer.alloc(4096, 0x30), headers);
      assert.equal(r.status, 413);
      assert.match(r.type, /^application\/json/);
      assert.equal(JSON.parse(r.body.toString()).code, 413);
    }
    // The default limit (8 KiB) applies without options.
    const base2 = await startServer(t, makeAuthority());
    assert.equal((await post(base2, Buffer.alloc(64 * 1024, 0x30), QUERY)).status, 413);
  });

  it('answers 415 to other media types', async (t) => {
    const base = await startServer(t, makeAuthority());
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/timestamp-reply', 'application/jsonx']) {
      const r = await post(base, timeStampReq(), { 'content-type': type });
      assert.equal(r.status, 415, type);
      const body = JSON.parse(r.body.toString());
      assert.equal(body.code, 415);
      assert.equal(typeof body.message, 'string');
    }
    const untyped = await fetch(`${base}/api/v1/timestamp`, { method: 'POST', body: timeStampReq() });
    assert.equal(untyped.status, 415);
  });

  it('answers 500 with a systemFailure TimeStampResp when the signer fails', async (t) => {
    const chain = tsaChain();
    const real = createKeyTimestampSigner(chain.privateKey, chain.certificateChain);
    const broken: TimestampSigner = { certificateChain: real.certificateChain, hash: real.hash, sign: async () => { throw new Error('KMS down'); } };
    const base = await startServer(t, new TimestampAuthority({ signer: broken }));
    const r = await post(base, timeStampReq(), QUERY);
    assert.equal(r.status, 500);
    assert.deepEqual(readResponse(r.body).failInfo, ['systemFailure']);
    assert.doesNotMatch(r.body.toString('latin1'), /KMS/);
  });
});

describe('GET /api/v1/timestamp/certchain', () => {
  it('serves the PEM chain, leaf first', async (t) => {
    const authority = makeAuthority();
    const base = await startServer(t, authority);
    const res = await fetch(`${base}/api/v1/timestamp/certchain`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/pem-certificate-chain');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const blocks = decodePem(await res.text());
    assert.deepEqual(blocks.map((b) => b.der), authority.certificateChain);
  });

  it('answers unknown routes with 404 in the API error shape', async (t) => {
    const base = await startServer(t, makeAuthority());
    const res = await fetch(`${base}/api/v1/log`);
    assert.equal(res.status, 404);
    assert.equal((await res.json() as { code: number }).code, 404);
    assert.equal((await fetch(`${base}/api/v1/timestamp`)).status, 404);
  });
});
