import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CoreError, OID, decodeBase64, parseCertificate } from '@signet/core';

const fixtures = new URL('../test/fixtures/', import.meta.url);
const leafDer = decodeBase64(readFileSync(new URL('fulcio-leaf.b64', fixtures), 'utf8').trim());

describe('parseCertificate', () => {
  it('reads a Fulcio leaf: validity, SAN URI, EKU, key usage, Sigstore extensions', () => {
    const c = parseCertificate(leafDer);
    assert.equal(c.notBefore.toISOString(), '2025-06-12T12:02:16.000Z');
    assert.equal(c.notAfter.toISOString(), '2025-06-12T12:12:16.000Z');
    assert.equal(c.isCA, false);
    assert.deepEqual(c.extKeyUsage, [OID.codeSigning]);
    assert.ok(c.keyUsage.has('digitalSignature'));
    assert.deepEqual(c.subjectAltNames, [
      { type: 'uri', value: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main' },
    ]);
    assert.equal(c.extension('1.3.6.1.4.1.57264.1.1')?.value.toString(), 'https://token.actions.githubusercontent.com');
    assert.ok(c.extension(OID.sctList));
    assert.equal(c.publicKey.asymmetricKeyType, 'ec');
    // The TBS slice is exactly the signed part.
    assert.equal(c.tbs[0], 0x30);
    assert.ok(leafDer.includes(c.tbs));
  });
  it('rejects garbage and truncated certificates with a typed error', () => {
    const bad = (der: Buffer) => assert.throws(() => parseCertificate(der), (e: unknown) => e instanceof CoreError && e.code === 'ERR_CORE_CERTIFICATE');
    bad(Buffer.from('not a certificate'));
    bad(leafDer.subarray(0, leafDer.length - 10));
    bad(Buffer.alloc(0));
  });
});
