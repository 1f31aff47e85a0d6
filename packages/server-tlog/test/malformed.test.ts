import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { LogError } from '@signet/log';
import { TLogService, buildTLogServer } from '@signet/server-tlog';
import { p256, b64, pemOf, hashedRekord, hashedRekordV2, dsseProposal, getJson, postJson, startTestLog } from './helpers.js';

type Server = Awaited<ReturnType<typeof startTestLog>>;

async function treeSize(s: Server): Promise<number> {
  // Sequenced size, not only published: a refused request must not have been written at all.
  return s.log.stats().sequenced;
}

/** Posts `body`, expects `status` and `code`, and checks that nothing was written. */
async function refused(s: Server, path: string, body: unknown, status: number, code: string, headers: Record<string, string> = {}): Promise<any> {
  const before = await treeSize(s);
  const r = await postJson(`${s.url}${path}`, body, headers);
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.headers.get('x-signet-error-code'), code);
  if (typeof r.json === 'object' && status !== 409) {
    assert.equal(r.json.errorCode, code);
    assert.equal(typeof r.json.message, 'string');
    assert.equal(r.json.code, path.startsWith('/api/v2/') ? ({ 400: 3, 413: 3, 415: 3, 409: 6, 503: 14 } as Record<number, number>)[status] : status);
  }
  assert.equal(await treeSize(s), before, 'the tree did not grow');
  return r;
}

describe('malformed requests', () => {
  it('refuses an oversized body with 413 ERR_TLOG_BODY_LIMIT', async (t) => {
    const s = await startTestLog(t, { bodyLimit: 64 * 1024 });
    const { privateKey } = p256();
    const big = hashedRekord(privateKey, 'x');
    (big as any).padding = 'a'.repeat(100 * 1024);
    await refused(s, '/api/v1/log/entries', big, 413, 'ERR_TLOG_BODY_LIMIT');
    await refused(s, '/api/v2/log/entries', big, 413, 'ERR_TLOG_BODY_LIMIT');
  });

  it('refuses bad JSON and prototype poisoning with 400 ERR_TLOG_JSON', async (t) => {
    const s = await startTestLog(t);
    await refused(s, '/api/v1/log/entries', '{"kind": "hashedrekord",', 400, 'ERR_TLOG_JSON');
    await refused(s, '/api/v1/log/entries', '{"__proto__": {"kind": "x"}}', 400, 'ERR_TLOG_JSON');
    await refused(s, '/api/v1/log/entries', '{"constructor": {"prototype": {"x": 1}}}', 400, 'ERR_TLOG_JSON');
    await refused(s, '/api/v2/log/entries', 'nope', 400, 'ERR_TLOG_JSON');
  });

  it('refuses other media types with 415 ERR_TLOG_MEDIA_TYPE', async (t) => {
    const s = await startTestLog(t);
    await refused(s, '/api/v1/log/entries', 'kind=hashedrekord', 415, 'ERR_TLOG_MEDIA_TYPE', { 'content-type': 'application/x-www-form-urlencoded' });
    await refused(s, '/api/v1/log/entries', '{}', 415, 'ERR_TLOG_MEDIA_TYPE', { 'content-type': 'text/plain' });
  });

  it('refuses unknown kinds and versions with 400 ERR_TLOG_KIND', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    await refused(s, '/api/v1/log/entries', { ...hashedRekord(privateKey, 'x'), kind: 'rekord' }, 400, 'ERR_TLOG_KIND');
    await refused(s, '/api/v1/log/entries', { ...hashedRekord(privateKey, 'x'), apiVersion: '0.0.2' }, 400, 'ERR_TLOG_KIND');
    await refused(s, '/api/v2/log/entries', { rekordRequestV002: {} }, 400, 'ERR_TLOG_KIND');
  });

  it('refuses missing, extra or badly encoded fields with 400 ERR_TLOG_REQUEST', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const p = hashedRekord(privateKey, 'x') as any;
    await refused(s, '/api/v1/log/entries', { ...p, spec: { ...p.spec, extra: 1 } }, 400, 'ERR_TLOG_REQUEST');
    await refused(s, '/api/v1/log/entries', { ...p, spec: { signature: p.spec.signature } }, 400, 'ERR_TLOG_REQUEST');
    const badHex = structuredClone(p);
    badHex.spec.data.hash.value = 'zz'.repeat(32);
    await refused(s, '/api/v1/log/entries', badHex, 400, 'ERR_TLOG_REQUEST');
    const shortHash = structuredClone(p);
    shortHash.spec.data.hash.value = 'ab'.repeat(16);
    await refused(s, '/api/v1/log/entries', shortHash, 400, 'ERR_TLOG_REQUEST');
    const badB64 = structuredClone(p);
    badB64.spec.signature.content = 'not base64!';
    await refused(s, '/api/v1/log/entries', badB64, 400, 'ERR_TLOG_REQUEST');
    await refused(s, '/api/v1/log/entries', [], 400, 'ERR_TLOG_REQUEST');
    const v2 = hashedRekordV2(privateKey, 'x') as any;
    v2.hashedRekordRequestV002.digest = Buffer.alloc(20).toString('base64');
    await refused(s, '/api/v2/log/entries', v2, 400, 'ERR_TLOG_REQUEST');
  });

  it('refuses a signature that does not verify with 400 ERR_TLOG_SIGNATURE', async (t) => {
    const s = await startTestLog(t);
    const a = p256();
    const b = p256();
    // Signed by b, claims a's key.
    await refused(s, '/api/v1/log/entries', hashedRekord(b.privateKey, 'x', { keyPem: pemOf(a.privateKey) }), 400, 'ERR_TLOG_SIGNATURE');
    // A signature over other data.
    const other = hashedRekord(a.privateKey, 'y') as any;
    const forged = hashedRekord(a.privateKey, 'x') as any;
    forged.spec.signature.content = other.spec.signature.content;
    await refused(s, '/api/v1/log/entries', forged, 400, 'ERR_TLOG_SIGNATURE');
    // Garbage bytes where a DER signature should be.
    await refused(s, '/api/v1/log/entries', hashedRekord(a.privateKey, 'x', { signature: Buffer.from('garbage') }), 400, 'ERR_TLOG_SIGNATURE');
    await refused(s, '/api/v1/log/entries', dsseProposal(b.privateKey, Buffer.from('{}'), pemOf(a.privateKey)), 400, 'ERR_TLOG_SIGNATURE');
    const v2 = hashedRekordV2(a.privateKey, 'x') as any;
    v2.hashedRekordRequestV002.signature.content = (hashedRekordV2(a.privateKey, 'y') as any).hashedRekordRequestV002.signature.content;
    await refused(s, '/api/v2/log/entries', v2, 400, 'ERR_TLOG_SIGNATURE');
    // Ed25519ph: a signature over another digest, a flipped bit, a pure Ed25519 signature of the
    // same data, and a digest that is not SHA-512 sized.
    const ed = generateKeyPairSync('ed25519').privateKey;
    const ph = hashedRekordV2(ed, 'x', 'PKIX_ED25519_PH') as any;
    ph.hashedRekordRequestV002.signature.content = (hashedRekordV2(ed, 'y', 'PKIX_ED25519_PH') as any).hashedRekordRequestV002.signature.content;
    await refused(s, '/api/v2/log/entries', ph, 400, 'ERR_TLOG_SIGNATURE');
    const flipped = hashedRekordV2(ed, 'x', 'PKIX_ED25519_PH') as any;
    const sigBytes = Buffer.from(flipped.hashedRekordRequestV002.signature.content, 'base64');
    sigBytes[40] = (sigBytes[40] as number) ^ 1;
    flipped.hashedRekordRequestV002.signature.content = sigBytes.toString('base64');
    await refused(s, '/api/v2/log/entries', flipped, 400, 'ERR_TLOG_SIGNATURE');
    const pure = hashedRekordV2(ed, 'x', 'PKIX_ED25519_PH') as any;
    pure.hashedRekordRequestV002.signature.content = sign(null, Buffer.from('x'), ed).toString('base64');
    await refused(s, '/api/v2/log/entries', pure, 400, 'ERR_TLOG_SIGNATURE');
    const short = hashedRekordV2(ed, 'x', 'PKIX_ED25519_PH') as any;
    short.hashedRekordRequestV002.digest = createHash('sha256').update('x').digest('base64');
    await refused(s, '/api/v2/log/entries', short, 400, 'ERR_TLOG_REQUEST');
  });

  it('refuses key types the entry cannot use with 400 ERR_TLOG_KEY', async (t) => {
    const s = await startTestLog(t);
    // Pure Ed25519 signs messages; a hashedrekord carries only a digest.
    const ed = generateKeyPairSync('ed25519').privateKey;
    await refused(s, '/api/v1/log/entries', hashedRekord(ed, 'x'), 400, 'ERR_TLOG_KEY');
    const edV2 = hashedRekordV2(p256().privateKey, 'x') as any;
    edV2.hashedRekordRequestV002.signature.verifier = { keyDetails: 'PKIX_ED25519', publicKey: { rawBytes: generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } };
    await refused(s, '/api/v2/log/entries', edV2, 400, 'ERR_TLOG_KEY');
    // Ed25519ph claimed for a P-256 key, or named for a DSSE verifier (DSSE is pure Ed25519).
    const edKey = generateKeyPairSync('ed25519');
    const phForP256 = hashedRekordV2(p256().privateKey, 'x') as any;
    phForP256.hashedRekordRequestV002.signature.verifier.keyDetails = 'PKIX_ED25519_PH';
    await refused(s, '/api/v2/log/entries', phForP256, 400, 'ERR_TLOG_KEY');
    const phDsse = {
      dsseRequestV002: {
        envelope: { payload: b64('{}'), payloadType: 'application/json', signatures: [{ sig: b64('x'.repeat(64)), keyid: '' }] },
        verifiers: [{ keyDetails: 'PKIX_ED25519_PH', publicKey: { rawBytes: edKey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } }],
      },
    };
    await refused(s, '/api/v2/log/entries', phDsse, 400, 'ERR_TLOG_KEY');
    // RSA below 2048 bits.
    const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    await refused(s, '/api/v1/log/entries', hashedRekord(rsa1024, 'x'), 400, 'ERR_TLOG_KEY');
    // A curve outside P-256/384/521.
    const k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey;
    await refused(s, '/api/v1/log/entries', hashedRekord(k1, 'x'), 400, 'ERR_TLOG_KEY');
    // keyDetails that do not match the key.
    const { privateKey } = p256();
    const mismatch = hashedRekordV2(privateKey, 'x') as any;
    mismatch.hashedRekordRequestV002.signature.verifier.keyDetails = 'PKIX_RSA_PKCS1V15_2048_SHA256';
    await refused(s, '/api/v2/log/entries', mismatch, 400, 'ERR_TLOG_KEY');
    // A key that is no key, and a certificate that is no certificate.
    const junk = hashedRekord(privateKey, 'x') as any;
    junk.spec.signature.publicKey.content = b64('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    await refused(s, '/api/v1/log/entries', junk, 400, 'ERR_TLOG_KEY');
    const notCert = hashedRekordV2(privateKey, 'x', 'PKIX_ECDSA_P256_SHA_256', Buffer.from('3003020101', 'hex'));
    await refused(s, '/api/v2/log/entries', notCert, 400, 'ERR_TLOG_KEY');
  });

  it('answers a duplicate with 409, Location and the existing entry, and adds no leaf', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    const p = hashedRekord(privateKey, 'dup');
    const first = await postJson(`${s.url}/api/v1/log/entries`, p);
    assert.equal(first.status, 201);
    const r = await refused(s, '/api/v1/log/entries', p, 409, 'ERR_TLOG_DUPLICATE');
    assert.equal(r.headers.get('location'), first.headers.get('location'));
    assert.deepEqual(Object.keys(r.json), Object.keys(first.json));
    assert.equal((Object.values(r.json)[0] as any).logIndex, (Object.values(first.json)[0] as any).logIndex);
  });

  it('answers unknown routes, entries and tiles with 404 ERR_TLOG_NOT_FOUND', async (t) => {
    const s = await startTestLog(t);
    for (const path of ['/api/v1/nope', `/api/v1/log/entries/${'a'.repeat(64)}`, '/api/v1/log/entries?logIndex=5', '/tile/0/000', '/tile/entries/000']) {
      const r = await getJson(`${s.url}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers.get('x-signet-error-code'), 'ERR_TLOG_NOT_FOUND');
    }
  });

  it('refuses consistency proofs beyond the published tree with 400 ERR_TLOG_PROOF_RANGE', async (t) => {
    const s = await startTestLog(t);
    const { privateKey } = p256();
    await postJson(`${s.url}/api/v1/log/entries`, hashedRekord(privateKey, 'one'));
    for (const q of ['firstSize=1&lastSize=5', 'firstSize=2&lastSize=1', 'firstSize=0&lastSize=1']) {
      const r = await getJson(`${s.url}/api/v1/log/proof?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.json.errorCode, 'ERR_TLOG_PROOF_RANGE');
    }
    const bad = await getJson(`${s.url}/api/v1/log/proof?lastSize=-1`);
    assert.equal(bad.json.errorCode, 'ERR_TLOG_REQUEST');
  });

  it('answers pushback (ERR_LOG_PUSHBACK) with 503 and Retry-After, v1 and v2', async (t) => {
    const s = await startTestLog(t);
    // A log whose queue is full: the engine's own pushback is tested in @signet/log.
    const full = Object.create(s.log) as typeof s.log;
    full.append = async () => {
      throw new LogError('ERR_LOG_PUSHBACK', 'queue full', { retryAfterSeconds: 2 });
    };
    const app = await buildTLogServer({ service: new TLogService({ log: full, keys: s.keys }) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    t.after(() => app.close());
    const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { privateKey } = p256();
    for (const [path, body] of [['/api/v1/log/entries', hashedRekord(privateKey, 'push')], ['/api/v2/log/entries', hashedRekordV2(privateKey, 'push')]] as const) {
      const r = await postJson(`${url}${path}`, body);
      assert.equal(r.status, 503);
      assert.equal(r.json.errorCode, 'ERR_LOG_PUSHBACK');
      assert.equal(r.headers.get('retry-after'), '2');
    }
  });
});
