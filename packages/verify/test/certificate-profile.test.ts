// Certificate-step checks on bundles we sign ourselves (testkit), where every other step is valid.
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
const artifact = { digests: { sha256: createHash('sha256').update(data).digest() } };
const policy = { subjectAlternativeName: instance.identity.san, issuer: instance.identity.issuer };

function rejectsWith(code: string, bundle: unknown): void {
  assert.throws(() => verifier.verify(parseBundle(bundle), { artifact, policy }), (e: unknown) => {
    assert.ok(e instanceof SignetError, String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('certificate profile', () => {
  it('accepts a proper Fulcio-style leaf', () => {
    assert.equal(verifier.verify(parseBundle(instance.signBlob(data)), { artifact, policy }).signer.kind, 'certificate');
  });
  it('rejects a leaf that is a CA (ERR_VERIFY_CERT_IS_CA)', () => rejectsWith('ERR_VERIFY_CERT_IS_CA', instance.signBlob(data, { leafProfile: 'ca' })));
  it('rejects a leaf without code-signing EKU (ERR_VERIFY_CERT_EKU)', () => rejectsWith('ERR_VERIFY_CERT_EKU', instance.signBlob(data, { leafProfile: 'no-code-signing' })));
  it('rejects a leaf whose SCT was not issued by a known CT log (ERR_VERIFY_SCT_THRESHOLD)', () => {
    rejectsWith('ERR_VERIFY_SCT_THRESHOLD', instance.signBlob(data, { sctMutator: (list) => { const c = Buffer.from(list); c[5] = (c[5] as number) ^ 1; return c; } }));
  });
  it('rejects a leaf whose SCT signature is bad (ERR_VERIFY_SCT)', () => {
    rejectsWith('ERR_VERIFY_SCT', instance.signBlob(data, { sctMutator: (list) => { const c = Buffer.from(list); c[c.length - 1] = (c[c.length - 1] as number) ^ 1; return c; } }));
  });
  it('rejects a leaf from another CA (ERR_VERIFY_CERT_CHAIN)', () => {
    // Same logs and CT log, but the trusted CA is another one.
    const other = createTestInstance();
    const root = { ...instance.trustedRoot, certificateAuthorities: other.trustedRoot.certificateAuthorities };
    const v = new Verifier(parseTrustedRoot(root));
    assert.throws(() => v.verify(parseBundle(instance.signBlob(data)), { artifact, policy }), (e: unknown) => e instanceof SignetError && e.code === 'ERR_VERIFY_CERT_CHAIN');
  });
});
