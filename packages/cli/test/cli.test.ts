import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, VERSION } from '@signet/cli';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const artifact = join(repo, 'examples/a.txt');
const bundle = join(repo, 'examples/a.txt.sigstore.json');
const identity = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const issuer = 'https://token.actions.githubusercontent.com';

async function signet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'signet-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('signet verify-blob', () => {
  it('verifies the example offline with the embedded public-good root', async () => {
    const r = await signet('verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /Verified OK/);
  });
  it('accepts sha256:<hex> instead of the file, and regexp identity flags', async () => {
    const hex = createHash('sha256').update(readFileSync(artifact)).digest('hex');
    const r = await signet('verify-blob', `sha256:${hex}`, '--bundle', bundle, '--certificate-identity-regexp', '^https://github\\.com/sigstore-conformance/', '--certificate-oidc-issuer-regexp', '^https://token\\.actions\\.githubusercontent\\.com$');
    assert.equal(r.code, 0, r.err);
  });
  it('checks certificate extension claims', async () => {
    const ok = await signet('verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--certificate-extension', 'sourceRepositoryRef=refs/heads/main');
    assert.equal(ok.code, 0, ok.err);
    const bad = await signet('verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer, '--certificate-extension', 'sourceRepositoryRef=refs/heads/evil');
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^error: ERR_VERIFY_POLICY_EXTENSION: /);
  });
  it('fails with one line and exit 1 on a wrong identity, a wrong artifact and a wrong digest', async () => {
    const wrongId = await signet('verify-blob', artifact, '--bundle', bundle, '--certificate-identity', 'https://example.com/x', '--certificate-oidc-issuer', issuer);
    assert.equal(wrongId.code, 1);
    assert.equal(wrongId.err.split('\n').length, 1);
    assert.match(wrongId.err, /^error: ERR_VERIFY_POLICY_SAN: /);
    const other = join(tmp, 'other.txt');
    writeFileSync(other, 'something else');
    const wrongArtifact = await signet('verify-blob', other, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.match(wrongArtifact.err, /^error: ERR_VERIFY_ARTIFACT_DIGEST: /);
    const badDigest = await signet('verify-blob', 'sha256:abcd', '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.equal(badDigest.code, 1);
    assert.match(badDigest.err, /^error: ERR_CLI_INPUT: /);
  });
  it('rejects malformed bundles with a typed error naming the JSON path, never a crash', async () => {
    const cases: [string, string, RegExp][] = [
      ['invalid JSON', '{"mediaType": ', /^error: ERR_BUNDLE_JSON: /],
      ['wrong type', JSON.stringify({ ...JSON.parse(readFileSync(bundle, 'utf8')), messageSignature: 'x' }), /^error: ERR_BUNDLE_TYPE: \$\.messageSignature/],
      ['array root', '[]', /^error: ERR_BUNDLE_TYPE: /],
      ['huge array', JSON.stringify({ ...JSON.parse(readFileSync(bundle, 'utf8')), verificationMaterial: { ...JSON.parse(readFileSync(bundle, 'utf8')).verificationMaterial, tlogEntries: Array.from({ length: 10_000 }, () => ({})) } }), /^error: ERR_BUNDLE_LIMIT: /],
      ['truncated DER certificate', readFileSync(bundle, 'utf8').replace(/"rawBytes": "([A-Za-z0-9+/]{100})[^"]*"/, '"rawBytes": "$1"'), /^error: ERR_VERIFY_CERT_CHAIN: /],
    ];
    for (const [name, text, re] of cases) {
      const path = join(tmp, `${name.replace(/\W/g, '-')}.json`);
      writeFileSync(path, text);
      const r = await signet('verify-blob', artifact, '--bundle', path, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
      assert.equal(r.code, 1, name);
      assert.match(r.err, re, `${name}: ${r.err}`);
      assert.doesNotMatch(r.err, /internal|at .*\.js:\d+/, `${name} leaked a stack: ${r.err}`);
    }
  });
  it('reports usage errors with exit 2', async () => {
    const noIdentity = await signet('verify-blob', artifact, '--bundle', bundle);
    assert.equal(noIdentity.code, 2);
    assert.match(noIdentity.err, /ERR_CLI_USAGE/);
    const both = await signet('verify-blob', artifact, '--bundle', bundle, '--key', 'k.pem', '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.equal(both.code, 2);
    const badRe = await signet('verify-blob', artifact, '--bundle', bundle, '--certificate-identity-regexp', '(', '--certificate-oidc-issuer', issuer);
    assert.equal(badRe.code, 2);
    const missingBundle = await signet('verify-blob', artifact, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.equal(missingBundle.code, 2);
    const unknown = await signet('frobnicate');
    assert.equal(unknown.code, 2);
  });
  it('reports unreadable files as I/O errors', async () => {
    const r = await signet('verify-blob', artifact, '--bundle', join(tmp, 'missing.json'), '--certificate-identity', identity, '--certificate-oidc-issuer', issuer);
    assert.equal(r.code, 1);
    assert.match(r.err, /^error: ERR_CLI_IO: /);
  });
});

describe('signet bundle inspect', () => {
  it('prints the signer, claims, log entries and the verify command', async () => {
    const r = await signet('bundle', 'inspect', bundle);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`Identity: +${identity.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(r.out, /Issuer: +https:\/\/token\.actions\.githubusercontent\.com/);
    assert.match(r.out, /Log entry: +index \d+, hashedrekord\/0\.0\.1/);
    assert.match(r.out, /signet verify-blob <ARTIFACT> --bundle .* --certificate-identity .* --certificate-oidc-issuer https:\/\/token\.actions\.githubusercontent\.com/);
    const j = await signet('bundle', 'inspect', bundle, '--json');
    const summary = JSON.parse(j.out);
    assert.equal(summary.signer.identity, identity);
    assert.equal(summary.signer.claims.sourceRepositoryRef, 'refs/heads/main');
  });
});

describe('signet --version', () => {
  it('prints the version of packages/cli/package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'packages/cli/package.json'), 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
    const r = await signet('--version');
    assert.equal(r.code, 0);
    assert.equal(r.out.trim(), pkg.version);
  });
});

describe('packages/cli/dist/bin.js', () => {
  it('runs as a program: exit 0 on success, 1 with one line on failure', () => {
    const bin = join(repo, 'packages/cli/dist/bin.js');
    const ok = spawnSync(process.execPath, [bin, 'verify-blob', artifact, '--bundle', bundle, '--certificate-identity', identity, '--certificate-oidc-issuer', issuer], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const bad = spawnSync(process.execPath, [bin, 'verify-blob', artifact, '--bundle', bundle, '--certificate-identity', 'x', '--certificate-oidc-issuer', issuer], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /verify-blob/);
  });
});
