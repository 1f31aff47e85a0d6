// Behaviours from the Sigstore client spec exercised on bundles we sign ourselves (testkit):
// DSSE content logged as a hashedrekord over the PAE, keyed bundles without a time source, and
// in-toto statement types.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SignetError } from '@signet/core';
import { parseBundle, parseTrustedRoot } from '@signet/bundle';
import { Verifier } from '@signet/verify';
import { createTestInstance } from '@signet/testkit';

const instance = createTestInstance();
const verifier = new Verifier(parseTrustedRoot(instance.trustedRoot));
const data = Buffer.from('artifact');
const digest = createHash('sha256').update(data).digest();
const artifact = { digests: { sha256: digest } };
const policy = { subjectAlternativeName: instance.identity.san, issuer: instance.identity.issuer };
const statement = (type: unknown) => ({
  ...(type === undefined ? {} : { _type: type }),
  subject: [{ name: 'artifact', digest: { sha256: digest.toString('hex') } }],
  predicateType: 'https://example.com/predicate/v1',
  predicate: {},
});

function rejectsWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof SignetError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('DSSE content in a hashedrekord 0.0.1 entry (digest of the PAE)', () => {
  it('verifies, keyless and keyed', () => {
    const keyless = instance.signDsse(statement('https://in-toto.io/Statement/v1'), { rekorV1DsseKind: 'hashedrekord' });
    assert.ok(verifier.verify(parseBundle(keyless), { artifact, policy }).statement);
    const keyed = instance.signDsse(statement('https://in-toto.io/Statement/v1'), { rekorV1DsseKind: 'hashedrekord', keyed: true });
    assert.ok(verifier.verify(parseBundle(keyed), { artifact, key: instance.signingKey }).statement);
  });
  it('rejects an envelope whose payload differs from what was logged', () => {
    const b = instance.signDsse(statement('https://in-toto.io/Statement/v1'), { rekorV1DsseKind: 'hashedrekord' }) as { dsseEnvelope: { payload: string } };
    const other = instance.signDsse(statement('https://in-toto.io/Statement/v0.1'), { rekorV1DsseKind: 'hashedrekord' }) as { dsseEnvelope: { payload: string } };
    b.dsseEnvelope.payload = other.dsseEnvelope.payload;
    rejectsWith('ERR_VERIFY_TLOG_BODY', () => verifier.verify(parseBundle(b), { artifact, policy }));
  });
});

describe('time sources', () => {
  it('keyed bundles need no time source (inclusion proof only, no SET, no TSA)', () => {
    const b = instance.signBlob(data, { keyed: true, withoutSET: true });
    const r = verifier.verify(parseBundle(b), { artifact, key: instance.signingKey });
    assert.equal(r.timestamps.length, 0);
  });
  it('certificate bundles do (ERR_VERIFY_TIMESTAMP_THRESHOLD)', () => {
    rejectsWith('ERR_VERIFY_TIMESTAMP_THRESHOLD', () => verifier.verify(parseBundle(instance.signBlob(data, { withoutSET: true })), { artifact, policy }));
  });
});

describe('in-toto statement types', () => {
  it('accepts Statement v1 and v0.1', () => {
    for (const t of ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']) {
      assert.ok(verifier.verify(parseBundle(instance.signDsse(statement(t))), { artifact, policy }).statement);
    }
  });
  it('rejects a missing or unknown _type (ERR_VERIFY_DSSE_STATEMENT)', () => {
    for (const t of [undefined, 'https://in-toto.io/Statement/v2', 42]) {
      rejectsWith('ERR_VERIFY_DSSE_STATEMENT', () => verifier.verify(parseBundle(instance.signDsse(statement(t))), { artifact, policy }));
    }
  });
});
