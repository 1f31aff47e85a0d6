// Interop: OpenSSL's `ts` command, an independent RFC 3161 implementation, asks our server for
// timestamps and verifies them against our chain.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePem } from '@signet/core';
import type { GeneratedKeyType, TimestampAuthorityOptions } from '@signet/server-tsa';
import { makeAuthority, startServer, tsaChain } from './tsa-helpers.js';

const INSTALL_HINT = 'the OpenSSL command line tool is required by this test: install it (Debian/Ubuntu: apt-get install openssl; Fedora: dnf install openssl; macOS: brew install openssl) and make sure `openssl` is on PATH';

function openssl(args: string[], input?: Buffer): { status: number; out: string } {
  const r = spawnSync('openssl', args, { input, encoding: 'buffer' });
  if (r.error) assert.fail(`${INSTALL_HINT} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})`);
  return { status: r.status ?? -1, out: `${r.stdout.toString()}${r.stderr.toString()}` };
}

let dir: string;
before(() => {
  const v = openssl(['version']);
  assert.equal(v.status, 0, INSTALL_HINT);
  assert.match(v.out, /^OpenSSL [1-9]/, `unexpected \`openssl version\`: ${v.out}`);
  dir = mkdtempSync(join(tmpdir(), 'signet-tsa-openssl-'));
  writeFileSync(join(dir, 'artifact.txt'), 'an artifact timestamped by Signet and checked by OpenSSL\n');
  writeFileSync(join(dir, 'other.txt'), 'something else\n');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
});

/** Writes root.pem and leaf.pem for a key type; returns their paths. */
function writeChain(keyType: GeneratedKeyType): { root: string; leaf: string } {
  const [leaf, root] = tsaChain(keyType).certificateChain as [Buffer, Buffer];
  const paths = { root: join(dir, `${keyType}-root.pem`), leaf: join(dir, `${keyType}-leaf.pem`) };
  writeFileSync(paths.root, encodePem('CERTIFICATE', root));
  writeFileSync(paths.leaf, encodePem('CERTIFICATE', leaf));
  return paths;
}

async function postFile(base: string, path: string, type: string, out: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/timestamp`, { method: 'POST', headers: { 'content-type': type }, body: readFileSync(path) });
  writeFileSync(out, Buffer.from(await res.arrayBuffer()));
  return res.status;
}

function verifyArgs(reply: string, chain: { root: string; leaf: string }, ...what: string[]): string[] {
  return ['ts', '-verify', '-in', reply, ...what, '-CAfile', chain.root, '-untrusted', chain.leaf];
}

describe('openssl ts -verify accepts our timestamps', () => {
  const variants: { name: string; keyType: GeneratedKeyType; digest: string; certReq: boolean; options?: Partial<TimestampAuthorityOptions> }[] = [
    { name: 'ECDSA P-256, SHA-256 imprint, certReq', keyType: 'ecdsa-p256', digest: 'sha256', certReq: true },
    { name: 'ECDSA P-256, no certReq (leaf given as -untrusted)', keyType: 'ecdsa-p256', digest: 'sha256', certReq: false },
    { name: 'ECDSA P-384, SHA-384 imprint', keyType: 'ecdsa-p384', digest: 'sha384', certReq: true },
    { name: 'RSA 3072 PKCS#1 v1.5, SHA-512 imprint', keyType: 'rsa-3072', digest: 'sha512', certReq: true },
    { name: 'millisecond genTime and TSA name', keyType: 'ecdsa-p256', digest: 'sha256', certReq: true, options: { genTimePrecision: 'millisecond', includeTsaName: true } },
  ];
  for (const v of variants) {
    it(`${v.name}: -queryfile (imprint, nonce, policy), -data and -digest`, async (t) => {
      const chain = writeChain(v.keyType);
      const base = await startServer(t, makeAuthority({ keyType: v.keyType, ...v.options }));
      const tag = v.name.replace(/\W+/g, '-');
      const query = join(dir, `${tag}.tsq`);
      const reply = join(dir, `${tag}.tsr`);
      const q = openssl(['ts', '-query', '-data', join(dir, 'artifact.txt'), `-${v.digest}`, ...(v.certReq ? ['-cert'] : []), '-out', query]);
      assert.equal(q.status, 0, q.out);
      assert.equal(await postFile(base, query, 'application/timestamp-query', reply), 201);

      const text = openssl(['ts', '-reply', '-in', reply, '-text']);
      assert.equal(text.status, 0, text.out);
      assert.match(text.out, /Status: Granted\./);
      assert.match(text.out, /Policy OID: 1\.3\.6\.1\.4\.1\.57264\.2/);
      assert.match(text.out, /Nonce: 0x[0-9A-F]+/);

      for (const what of [['-queryfile', query], ['-data', join(dir, 'artifact.txt')]]) {
        const r = openssl(verifyArgs(reply, chain, ...what));
        assert.equal(r.status, 0, `${what[0]}: ${r.out}`);
        assert.match(r.out, /Verification: OK/);
      }
      const hex = createHash(v.digest).update(readFileSync(join(dir, 'artifact.txt'))).digest('hex');
      const byDigest = openssl(verifyArgs(reply, chain, '-digest', hex));
      assert.equal(byDigest.status, 0, byDigest.out);

      // And it does check: other data does not verify.
      const wrong = openssl(verifyArgs(reply, chain, '-data', join(dir, 'other.txt')));
      assert.notEqual(wrong.status, 0, wrong.out);
    });
  }

  it('a token for Sigstore\'s JSON request form verifies with -data; the certificate is embedded on request', async (t) => {
    const chain = writeChain('ecdsa-p256');
    const base = await startServer(t, makeAuthority());
    const artifactHash = createHash('sha256').update(readFileSync(join(dir, 'artifact.txt'))).digest('base64');
    const request = join(dir, 'json-request.json');
    const reply = join(dir, 'json.tsr');
    writeFileSync(request, JSON.stringify({ artifactHash, hashAlgorithm: 'sha256', certificates: true, nonce: 123456789 }));
    assert.equal(await postFile(base, request, 'application/json', reply), 201);
    const r = openssl(verifyArgs(reply, chain, '-data', join(dir, 'artifact.txt')));
    assert.equal(r.status, 0, r.out);
    // With the embedded leaf, OpenSSL needs only the root.
    const rootOnly = openssl(['ts', '-verify', '-in', reply, '-data', join(dir, 'artifact.txt'), '-CAfile', chain.root]);
    assert.equal(rootOnly.status, 0, rootOnly.out);
    assert.match(openssl(['ts', '-reply', '-in', reply, '-text']).out, /Nonce: 0x075BCD15/);
  });

  it('OpenSSL reads our rejections: status and failure info', async (t) => {
    const base = await startServer(t, makeAuthority());
    const query = join(dir, 'policy.tsq');
    const reply = join(dir, 'policy.tsr');
    assert.equal(openssl(['ts', '-query', '-data', join(dir, 'artifact.txt'), '-sha256', '-tspolicy', '1.2.3.4', '-out', query]).status, 0);
    assert.equal(await postFile(base, query, 'application/timestamp-query', reply), 400);
    const text = openssl(['ts', '-reply', '-in', reply, '-text']);
    assert.match(text.out, /Status: Rejected/);
    assert.match(text.out, /Failure info: the requested TSA policy is not supported by the TSA/);
    const sha1Query = join(dir, 'sha1.tsq');
    assert.equal(openssl(['ts', '-query', '-data', join(dir, 'artifact.txt'), '-sha1', '-out', sha1Query]).status, 0);
    assert.equal(await postFile(base, sha1Query, 'application/timestamp-query', reply), 400);
    assert.match(openssl(['ts', '-reply', '-in', reply, '-text']).out, /Failure info: unrecognized or unsupported algorithm identifier/);
  });
});
