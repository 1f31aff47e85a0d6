import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { canonicalizeJSON } from '@signet/core';
import { LogError } from '@signet/log';
import { TLogService, canonicalizeProposedEntry, hashedRekordBody, setPayload, type RekorV1EntryMap } from '@signet/server-tlog';
import { b64, hashedRekord, p256, pemOf, startTestLog } from './helpers.js';

const bytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

describe('the create-entry hot path (written-out JSON, decoded-key cache, checkpoint deadline)', () => {
  it('writes hashedrekord bodies and SET payloads exactly as RFC 8785 canonicalization does', () => {
    for (let i = 0; i < 200; i++) {
      const algorithm = (['sha256', 'sha384', 'sha512'] as const)[i % 3]!;
      const hex = randomBytes([32, 48, 64][i % 3]!).toString('hex');
      const sig = randomBytes(64 + randomInt(9)).toString('base64');
      const pem = randomBytes(100 + randomInt(2000)).toString('base64');
      const body = hashedRekordBody(algorithm, hex, sig, pem);
      const want = canonicalizeJSON({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: { signature: { publicKey: { content: pem }, content: sig }, data: { hash: { value: hex, algorithm } } } });
      assert.equal(body.toString('utf8'), want);
      const t = randomInt(2 ** 40);
      const index = i === 0 ? Number.MAX_SAFE_INTEGER : randomInt(2 ** 47);
      const logId = randomBytes(32).toString('hex');
      assert.equal(setPayload(body.toString('base64'), t, logId, index), canonicalizeJSON({ logIndex: index, logID: logId, integratedTime: t, body: body.toString('base64') }));
    }
  });

  it('decodes a key once and gives every entry signed with it the same canonical key and search keys', () => {
    const { privateKey } = p256();
    // A PEM with CRLF line ends and no final newline: stored re-encoded, found by one fingerprint.
    const crlf = pemOf(privateKey).trimEnd().replace(/\n/g, '\r\n');
    const entries = ['a', 'b'].map((d) => canonicalizeProposedEntry(hashedRekord(privateKey, d, { keyPem: crlf })));
    const plain = canonicalizeProposedEntry(hashedRekord(privateKey, 'c'));
    const keyOf = (e: { body: Buffer }) => (JSON.parse(e.body.toString()) as { spec: { signature: { publicKey: { content: string } } } }).spec.signature.publicKey.content;
    for (const e of entries) {
      assert.equal(keyOf(e), b64(pemOf(privateKey)), 'the canonical PEM, not the submitted one');
      assert.deepEqual(e.indexKeys.slice(1), plain.indexKeys.slice(1));
    }
    // A cached key still verifies every signature: another key's signature is refused.
    const other = p256().privateKey;
    const forged = hashedRekord(other, 'a', { keyPem: crlf });
    assert.throws(() => canonicalizeProposedEntry(forged), { code: 'ERR_TLOG_SIGNATURE' });
    // Bad base64 is refused whether or not that text was seen before.
    const bad = hashedRekord(privateKey, 'a', { keyPem: crlf });
    (bad['spec'] as { signature: { publicKey: { content: string } } }).signature.publicKey.content += '=';
    for (let i = 0; i < 2; i++) assert.throws(() => canonicalizeProposedEntry(bad), { code: 'ERR_TLOG_REQUEST' });
  });

  it('answers the written-out JSON that JSON.stringify of the entry would give', async (t) => {
    const s = await startTestLog(t, { workers: 0 });
    const svc = new TLogService({ log: s.log, keys: s.keys, workers: 0 });
    const { privateKey } = p256();
    for (let i = 0; i < 5; i++) {
      const a = await svc.createEntry('v1', bytes(hashedRekord(privateKey, `written out ${i}`)));
      assert.equal(a.status, 201);
      const text = a.body.toString('utf8');
      const parsed = JSON.parse(text) as RekorV1EntryMap;
      assert.equal(JSON.stringify(parsed), text);
      const [uuid, entry] = Object.entries(parsed)[0]!;
      assert.equal(a.headers['location'], `/api/v1/log/entries/${uuid}`);
      const proof = entry.verification.inclusionProof!;
      assert.ok(proof.checkpoint.includes('\u2014'), 'the note keeps its em dash, UTF-8 encoded');
      assert.deepEqual(Object.keys(entry), ['body', 'integratedTime', 'logID', 'logIndex', 'verification']);
      // The same entry read back carries the same body, index and proof root.
      const back = Object.values((await svc.entryByUuid(uuid))!)[0]!;
      assert.equal(back.body, entry.body);
      assert.equal(back.logIndex, entry.logIndex);
      assert.equal(createHash('sha256').update(Buffer.concat([Buffer.from([0]), Buffer.from(entry.body, 'base64')])).digest('hex'), uuid.slice(16));
    }
  });

  it('ends a wait no checkpoint comes for with ERR_LOG_PUSHBACK, with or without a client signal, on workers too', async (t) => {
    // Checkpoints only every minute: new entries are sequenced but not covered.
    const s = await startTestLog(t, { workers: 0, checkpointIntervalMs: 60_000 });
    const inline = new TLogService({ log: s.log, keys: s.keys, workers: 0, checkpointTimeoutMs: 150 });
    const pooled = new TLogService({ log: s.log, keys: s.keys, workers: 1, checkpointTimeoutMs: 150 });
    t.after(() => pooled.close());
    const pushback = (e: unknown): boolean => e instanceof LogError && e.code === 'ERR_LOG_PUSHBACK' && /no checkpoint covered entry/.test(e.message);
    const { privateKey } = p256();
    const started = performance.now();
    await assert.rejects(inline.createEntry('v1', bytes(hashedRekord(privateKey, 'no signal'))), pushback);
    await assert.rejects(inline.createEntry('v1', bytes(hashedRekord(privateKey, 'a signal')), new AbortController().signal), pushback);
    await assert.rejects(pooled.createEntry('v1', bytes(hashedRekord(privateKey, 'on a worker'))), pushback);
    assert.ok(performance.now() - started < 10_000, 'each wait ended near its deadline');
    // A client that goes away ends its wait with its own reason.
    const gone = new AbortController();
    const p = inline.createEntry('v1', bytes(hashedRekord(privateKey, 'client leaves')), gone.signal);
    setTimeout(() => gone.abort(new Error('client went away')), 20);
    await assert.rejects(p, /client went away/);
    assert.equal(s.log.stats().sequenced, 4, 'the entries themselves were durably sequenced');
  });

  it('the server log publishes checkpoints while the HTTP thread is blocked (the engine thread signs them)', async (t) => {
    const server = await startTestLog(t, { checkpointIntervalMs: 0 });
    const appended = server.log.append({ leaf: Buffer.from('published while the HTTP thread is busy') });
    await new Promise((r) => setImmediate(r)); // the append leaves for the engine thread
    const blockedUntil = Date.now() + 400;
    while (Date.now() < blockedUntil) {
      // Busy: no message from the engine thread is handled here until this loop ends.
    }
    const { index } = await appended;
    const cp = await server.log.awaitCheckpoint(index);
    // Signed on this thread, the checkpoint could only be stamped after the loop; the engine
    // thread signed and stored it during the loop.
    assert.ok(cp.publishedAt.getTime() < blockedUntil - 100, `published at ${cp.publishedAt.toISOString()}, loop ended ${new Date(blockedUntil).toISOString()}`);
  });
});
