import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePem, parseCertificate } from '@signet/core';
import { parseTrustedRoot, serializeTrustedRoot } from '@signet/bundle';
import {
  TSA_CHAIN_FILE, TSA_KEY_FILE, TimestampAuthority, TimestampError, createKeyTimestampSigner, distinguishedName,
  extKeyUsageExtension, generateTimestampAuthorityChain, inspectTimestampChain, issueCertificate, keyUsageExtension,
  loadTimestampSigner, openTimestampSignerDir, randomSerialNumber, timestampAuthorityTrustedRoot, timestampSignerFromPem,
} from '@signet/server-tsa';
import { tsaChain } from './tsa-helpers.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'signet-tsa-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function assertRejectsCode(p: Promise<unknown> | (() => unknown), code: string): Promise<void> {
  const run = typeof p === 'function' ? async () => p() : () => p;
  await assert.rejects(run, (e: unknown) => e instanceof TimestampError && e.code === code);
}

const pemChain = (ders: readonly Buffer[]) => ders.map((d) => encodePem('CERTIFICATE', d)).join('');

describe('openTimestampSignerDir', () => {
  it('generates key and chain on first start (key 0600, dir 0700), then loads the same ones', async (t) => {
    const dir = join(tempDir(t), 'data');
    const first = await openTimestampSignerDir(dir);
    assert.equal(first.created, true);
    assert.equal(first.keyPath, join(dir, TSA_KEY_FILE));
    assert.equal(statSync(first.keyPath).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(first.signer.certificateChain.length, 2);
    assert.match(readFileSync(first.keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const second = await openTimestampSignerDir(dir);
    assert.equal(second.created, false);
    assert.deepEqual(second.signer.certificateChain, first.signer.certificateChain);
    // The generated chain follows the RFC 3161 profile and a TSA accepts it.
    const chain = inspectTimestampChain(second.signer.certificateChain);
    assert.equal(chain.certificates[1]!.isCA, true);
    new TimestampAuthority({ signer: second.signer });
  });

  it('generates P-384 and RSA TSAs, with the matching hash', async (t) => {
    const dir = tempDir(t);
    const p384 = await openTimestampSignerDir(join(dir, 'p384'), { keyType: 'ecdsa-p384' });
    assert.equal(p384.signer.hash, 'sha384');
    const rsa = await openTimestampSignerDir(join(dir, 'rsa'), { keyType: 'rsa-3072' });
    assert.equal(rsa.signer.hash, 'sha256');
    assert.equal(inspectTimestampChain(rsa.signer.certificateChain).key.algorithm, 'rsa');
  });

  it('refuses a key without its chain (and the reverse) instead of overwriting (ERR_TSA_STORE)', async (t) => {
    const dir = tempDir(t);
    await openTimestampSignerDir(dir);
    unlinkSync(join(dir, TSA_CHAIN_FILE));
    await assertRejectsCode(openTimestampSignerDir(dir), 'ERR_TSA_STORE');
    const other = tempDir(t);
    writeFileSync(join(other, TSA_CHAIN_FILE), pemChain(tsaChain().certificateChain));
    await assertRejectsCode(openTimestampSignerDir(other), 'ERR_TSA_STORE');
  });

  it('reports a data directory it cannot create (ERR_TSA_STORE)', async (t) => {
    const file = join(tempDir(t), 'a-file');
    writeFileSync(file, 'x');
    await assertRejectsCode(openTimestampSignerDir(join(file, 'sub')), 'ERR_TSA_STORE');
  });
});

describe('loading a TSA from PEM files', () => {
  it('loads a key and chain from files', async (t) => {
    const dir = tempDir(t);
    const g = tsaChain();
    writeFileSync(join(dir, 'k.pem'), g.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    writeFileSync(join(dir, 'c.pem'), pemChain(g.certificateChain));
    const signer = await loadTimestampSigner({ keyPath: join(dir, 'k.pem'), chainPath: join(dir, 'c.pem') });
    assert.deepEqual(signer.certificateChain, g.certificateChain);
    await assertRejectsCode(loadTimestampSigner({ keyPath: join(dir, 'missing.pem'), chainPath: join(dir, 'c.pem') }), 'ERR_TSA_STORE');
  });

  it('refuses an unreadable key, a key of another certificate, and a chain with other blocks', async () => {
    const g = tsaChain();
    const keyPem = g.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const chainPem = pemChain(g.certificateChain);
    await assertRejectsCode(() => timestampSignerFromPem('not a key', chainPem), 'ERR_TSA_KEY');
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await assertRejectsCode(() => timestampSignerFromPem(other, chainPem), 'ERR_TSA_KEY');
    await assertRejectsCode(() => timestampSignerFromPem(keyPem, `${chainPem}${keyPem}`), 'ERR_TSA_CHAIN');
    await assertRejectsCode(() => timestampSignerFromPem(keyPem, 'no pem here'), 'ERR_TSA_CHAIN');
    await assertRejectsCode(() => createKeyTimestampSigner(createPublicKey(g.privateKey), g.certificateChain), 'ERR_TSA_KEY');
  });
});

describe('inspectTimestampChain (RFC 3161 §2.3 profile)', () => {
  const now = new Date();
  const later = new Date(now.getTime() + 86_400_000);

  /** A leaf with `extensions`, issued by `issuer`. */
  function leafWith(extensions: Buffer[], issuer: { name: Buffer; key: KeyObject }) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return issueCertificate({ serialNumber: randomSerialNumber(), subject: distinguishedName({ commonName: 'leaf' }), subjectKey: privateKey, notBefore: now, notAfter: later, extensions }, issuer.name, issuer.key);
  }

  it('refuses leaves without the critical timeStamping-only EKU, CA leaves and broken links (ERR_TSA_CHAIN)', async () => {
    const root = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const rootName = distinguishedName({ organization: 'o', commonName: 'root' });
    const rootCert = issueCertificate({ serialNumber: randomSerialNumber(), subject: rootName, subjectKey: root.privateKey, notBefore: now, notAfter: later, extensions: [] }, rootName, root.privateKey);
    const issuer = { name: rootName, key: root.privateKey };
    const cases: [string, Buffer[]][] = [
      ['empty chain', []],
      ['garbage', [Buffer.from('not a certificate')]],
      ['EKU not critical', [leafWith([extKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], false)], issuer), rootCert]],
      ['EKU with code signing too', [leafWith([extKeyUsageExtension(['1.3.6.1.5.5.7.3.8', '1.3.6.1.5.5.7.3.3'], true)], issuer), rootCert]],
      ['no EKU', [leafWith([keyUsageExtension(['digitalSignature'])], issuer), rootCert]],
      ['key usage keyCertSign', [leafWith([extKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], true), keyUsageExtension(['keyCertSign'])], issuer), rootCert]],
      ['issuer not a CA (no basicConstraints)', [leafWith([extKeyUsageExtension(['1.3.6.1.5.5.7.3.8'], true)], issuer), rootCert]],
      ['leaf not issued by the next certificate', [tsaChain().certificateChain[0]!, generateTimestampAuthorityChain().certificateChain[1]!]],
    ];
    for (const [name, chain] of cases) {
      assert.throws(() => inspectTimestampChain(chain), (e: unknown) => e instanceof TimestampError && e.code === 'ERR_TSA_CHAIN', name);
    }
  });
});

describe('timestampAuthorityTrustedRoot', () => {
  it('is a trusted root parseTrustedRoot accepts, listing the TSA chain leaf → root from the leaf\'s notBefore', () => {
    const g = tsaChain();
    const root = timestampAuthorityTrustedRoot(g.certificateChain as Buffer[], { uri: 'http://127.0.0.1:1/api/v1/timestamp', operator: 'signet test' });
    const parsed = parseTrustedRoot(JSON.stringify(serializeTrustedRoot(root)));
    const [tsa] = parsed.timestampAuthorities;
    assert.equal(parsed.timestampAuthorities.length, 1);
    assert.equal(tsa!.uri, 'http://127.0.0.1:1/api/v1/timestamp');
    assert.deepEqual(tsa!.certChain.certificates, g.certificateChain);
    assert.deepEqual(tsa!.subject, { organization: 'signet', commonName: 'signet-tsa root' });
    assert.deepEqual(tsa!.validFor.start, parseCertificate(g.certificateChain[0]!).notBefore);
    assert.equal(tsa!.operator, 'signet test');
  });
});
