import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { verifySignature, canonicalizeJSON } from '@signet/core';
import { TLogService, TLogServerError } from '@signet/server-tlog';
import { p256, b64, pemOf, hashedRekord, hashedRekordV2, dsseProposal, intotoProposal, startTestLog } from './helpers.js';

/** The same request through the worker path and the event-loop path. */
async function both(t: Parameters<typeof startTestLog>[0]) {
  const s = await startTestLog(t, { workers: 0 });
  const fast = new TLogService({ log: s.log, keys: s.keys, workers: 1 });
  const slow = new TLogService({ log: s.log, keys: s.keys, workers: 0 });
  t.after(() => fast.close());
  return { s, fast, slow };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof TLogServerError, `a TLogServerError, not ${String(err)}`);
    return err.code;
  }
  return 'accepted';
}

describe('entry workers (verification beside the event loop)', () => {
  it('refuses exactly what the event-loop path refuses, with the same code, and writes nothing', async (t) => {
    const { s, fast, slow } = await both(t);
    const { privateKey } = p256();
    const other = p256().privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    const good = hashedRekord(privateKey, 'x');
    const badSig = hashedRekord(privateKey, 'x', { signature: sign('sha256', Buffer.from('y'), privateKey) });
    const wrongKey = hashedRekord(privateKey, 'x', { keyPem: pemOf(other) });
    const v1Cases: [string, unknown][] = [
      ['not an object', 'x'],
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
      const want = await codeOf(slow.createEntryV1(p));
      assert.notEqual(want, 'accepted', name);
      assert.equal(await codeOf(fast.createEntryV1(p)), want, name);
    }
    const v2Cases: [string, unknown][] = [
      ['two kinds', { a: 1, b: 2 }],
      ['key details that lie', hashedRekordV2(privateKey, 'x', 'PKIX_ECDSA_P384_SHA_384')],
      ['signature over other data', { hashedRekordRequestV002: { ...(hashedRekordV2(privateKey, 'x')['hashedRekordRequestV002'] as object), digest: b64(Buffer.alloc(32)) } }],
    ];
    for (const [name, p] of v2Cases) {
      const want = await codeOf(slow.createEntryV2(p));
      assert.notEqual(want, 'accepted', name);
      assert.equal(await codeOf(fast.createEntryV2(p)), want, name);
    }
    assert.equal(s.log.stats().sequenced, before, 'nothing was written');
  });

  it('logs the same canonical body and signs a SET that verifies', async (t) => {
    const { s, fast, slow } = await both(t);
    const { privateKey } = p256();
    // One proposal (ECDSA signatures are randomized), submitted through each path.
    const proposal = intotoProposal(privateKey, Buffer.from('{"subject":[]}'));
    const a = await fast.createEntryV1(proposal);
    const b = await slow.createEntryV1(proposal);
    assert.equal(a.duplicate, false);
    assert.equal(b.duplicate, true, 'same canonical body, so the same leaf');
    assert.equal(a.uuid, b.uuid);
    const entry = Object.values(a.entry)[0]!;
    assert.deepEqual(Object.values(b.entry)[0]!.body, entry.body);
    const payload = canonicalizeJSON({ body: entry.body, integratedTime: entry.integratedTime, logID: entry.logID, logIndex: entry.logIndex });
    assert.ok(verifySignature(s.keys.setPublicKey, Buffer.from(payload), Buffer.from(entry.verification.signedEntryTimestamp, 'base64')));
    assert.ok(entry.verification.inclusionProof, 'answered with an inclusion proof');
  });
});
