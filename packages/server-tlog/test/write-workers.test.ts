import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { verifySignature, canonicalizeJSON } from '@signet/core';
import { LogError } from '@signet/log';
import { TLogService, TLogServerError, type RekorV1EntryMap } from '@signet/server-tlog';
import { p256, b64, pemOf, hashedRekord, hashedRekordV2, dsseProposal, intotoProposal, startTestLog } from './helpers.js';

/** The same request through the write workers and on the event loop. */
async function both(t: Parameters<typeof startTestLog>[0]) {
  const s = await startTestLog(t, { workers: 0 });
  const fast = new TLogService({ log: s.log, keys: s.keys, workers: 2 });
  const slow = new TLogService({ log: s.log, keys: s.keys, workers: 0 });
  t.after(() => fast.close());
  return { s, fast, slow };
}

const bytes = (v: unknown): Buffer => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TLogServerError, `a TLogServerError, not ${String(err)}`);
    return err.code;
  }
  return 'accepted';
}

describe('write workers (the create-entry path beside the event loop)', () => {
  it('refuses exactly what the event-loop path refuses, with the same code, and writes nothing', async (t) => {
    const { s, fast, slow } = await both(t);
    const { privateKey } = p256();
    const other = p256().privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    const good = hashedRekord(privateKey, 'x');
    const badSig = hashedRekord(privateKey, 'x', { signature: sign('sha256', Buffer.from('y'), privateKey) });
    const wrongKey = hashedRekord(privateKey, 'x', { keyPem: pemOf(other) });
    const v1Cases: [string, unknown][] = [
      ['not an object', '"x"'],
      ['not JSON', '{"kind":'],
      ['empty body', ''],
      ['prototype poisoning', '{"kind":"hashedrekord","apiVersion":"0.0.1","spec":{"__proto__":{"x":1}}}'],
      ['unknown kind', { ...good, kind: 'rekord' }],
      ['extra field', { ...good, extra: 1 }],
      ['signature over other data', badSig],
      ['key that did not sign', wrongKey],
      ['pure Ed25519 over a digest', hashedRekord(ed, 'x')],
      ['non-canonical base64 key', { ...good, spec: { ...(good['spec'] as object), signature: { content: 'AAAA', publicKey: { content: 'not base64!' } } } }],
      ['PEM that is not a key', hashedRekord(privateKey, 'x', { keyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' })],
      ['DSSE signed by another key', dsseProposal(privateKey, Buffer.from('{}'), pemOf(other))],
    ];
    const before = s.log.stats().sequenced;
    for (const [name, p] of v1Cases) {
      const want = await codeOf(slow.createEntry('v1', bytes(p)));
      assert.notEqual(want, 'accepted', name);
      assert.equal(await codeOf(fast.createEntry('v1', bytes(p))), want, name);
    }
    const v2Cases: [string, unknown][] = [
      ['two kinds', { a: 1, b: 2 }],
      ['key details that lie', hashedRekordV2(privateKey, 'x', 'PKIX_ECDSA_P384_SHA_384')],
      ['signature over other data', { hashedRekordRequestV002: { ...(hashedRekordV2(privateKey, 'x')['hashedRekordRequestV002'] as object), digest: b64(Buffer.alloc(32)) } }],
    ];
    for (const [name, p] of v2Cases) {
      const want = await codeOf(slow.createEntry('v2', bytes(p)));
      assert.notEqual(want, 'accepted', name);
      assert.equal(await codeOf(fast.createEntry('v2', bytes(p))), want, name);
    }
    assert.equal(s.log.stats().sequenced, before, 'nothing was written');
  });

  it('logs the same canonical body and signs a SET that verifies', async (t) => {
    const { s, fast, slow } = await both(t);
    const { privateKey } = p256();
    // One proposal (ECDSA signatures are randomized), submitted through each path.
    const proposal = intotoProposal(privateKey, Buffer.from('{"subject":[]}'));
    const a = await fast.createEntry('v1', bytes(proposal));
    const b = await slow.createEntry('v1', bytes(proposal));
    assert.equal(a.status, 201);
    assert.equal(b.status, 409, 'same canonical body, so the same leaf');
    assert.equal(a.headers['location'], b.headers['location']);
    assert.match(a.headers['server-timing'] ?? '', /seq;dur=[0-9.]+, cp;dur=[0-9.]+, ver;dur=[0-9.]+/);
    const entry = Object.values(JSON.parse(a.body.toString()) as RekorV1EntryMap)[0]!;
    assert.deepEqual(Object.values(JSON.parse(b.body.toString()) as RekorV1EntryMap)[0]!.body, entry.body);
    const payload = canonicalizeJSON({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex });
    assert.ok(verifySignature(s.keys.setPublicKey, Buffer.from(payload), Buffer.from(entry.verification.signedEntryTimestamp, 'base64')));
    assert.ok(entry.verification.inclusionProof, 'answered with an inclusion proof');
  });

  it('answers v2 requests with a TransparencyLogEntry and a duplicate with 200', async (t) => {
    const { fast, slow } = await both(t);
    const req = hashedRekordV2(p256().privateKey, 'v2 through a worker');
    const a = await fast.createEntry('v2', bytes(req));
    assert.equal(a.status, 201);
    const tle = JSON.parse(a.body.toString()) as { logIndex: string; inclusionProof: { checkpoint: { envelope: string } } };
    assert.match(tle.logIndex, /^[0-9]+$/);
    assert.ok(tle.inclusionProof.checkpoint.envelope.length > 0);
    const again = await slow.createEntry('v2', bytes(req));
    assert.equal(again.status, 200);
    assert.equal((JSON.parse(again.body.toString()) as { logIndex: string }).logIndex, tle.logIndex);
  });

  it('fails requests with ERR_LOG_CLOSED once closed, and the log stays usable for others', async (t) => {
    const { s, slow } = await both(t);
    const pool = new TLogService({ log: s.log, keys: s.keys, workers: 1 });
    await pool.close();
    await assert.rejects(pool.createEntry('v1', bytes(hashedRekord(p256().privateKey, 'late'))), (e: unknown) => e instanceof LogError && e.code === 'ERR_LOG_CLOSED');
    assert.equal((await slow.createEntry('v1', bytes(hashedRekord(p256().privateKey, 'still open')))).status, 201);
  });

  it('refuses workers for a log that cannot be shared across threads', async (t) => {
    const s = await startTestLog(t, { workers: 0, logThread: 'inline' });
    assert.throws(() => new TLogService({ log: s.log, keys: s.keys, workers: 1 }), TypeError);
  });
});
