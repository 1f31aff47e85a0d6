import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePem } from '@signet/core';
import type { VerifiedToken } from '@signet/oidc';
import { CAError, CertificateAuthority, generateCA, loadCAKeys, parseCAConfig, principalFromClaims, type CAConfig } from '@signet/server-ca';

const isCode = (code: string, field?: string) => (e: unknown) => e instanceof CAError && e.code === code && (field === undefined || e.message.includes(field));

describe('issuer configuration (Fulcio format)', () => {
  it('reads the YAML spelling with anchors, meta issuers and ci-issuer-metadata, and the JSON spelling', () => {
    const yaml = parseCAConfig(`
define:
  - &gh "github-workflow"
oidc-issuers:
  https://token.actions.githubusercontent.com:
    issuer-url: https://token.actions.githubusercontent.com
    client-id: sigstore
    type: ci-provider
    ci-provider: *gh
    contact: tac@sigstore.dev
    description: "GitHub Actions OIDC auth"
  https://accounts.example.com:
    issuer-url: https://accounts.example.com
    client-id: sigstore
    type: username
    subject-domain: example.com
meta-issuers:
  https://oidc.eks.*.amazonaws.com/id/*:
    client-id: sigstore
    type: kubernetes
ci-issuer-metadata:
  *gh:
    default-template-values:
      url: https://github.example
    extension-templates:
      source-repository-uri: "{{ .url }}/{{ .repository }}"
    subject-alternative-name-template: "{{ .url }}/{{ .job_workflow_ref }}"
`);
    assert.equal(yaml.oidcIssuers.length, 2);
    assert.equal(yaml.metaIssuers[0]?.type, 'kubernetes');
    const json = parseCAConfig(JSON.stringify({
      OIDCIssuers: { 'https://accounts.google.com': { IssuerURL: 'https://accounts.google.com', ClientID: 'sigstore', Type: 'email', SkipEmailVerification: true } },
      MetaIssuers: { 'https://container.googleapis.com/v1/projects/*/locations/*/clusters/*': { ClientID: 'sigstore', Type: 'kubernetes' } },
    }));
    assert.equal(json.oidcIssuers[0]?.skipEmailVerification, true);
    assert.equal(json.oidcIssuers[0]?.challengeClaim, 'email');
    // The file's github mapping replaced the built-in one.
    const p = principalFromClaims(yaml, yaml.oidcIssuers[0]!, { iss: 'https://token.actions.githubusercontent.com', sub: 'repo:o/r:ref:refs/heads/main', repository: 'o/r', job_workflow_ref: 'o/r/.github/workflows/w.yml@refs/heads/main' });
    assert.deepEqual(p.san, { type: 'uri', value: 'https://github.example/o/r/.github/workflows/w.yml@refs/heads/main' });
    const u = principalFromClaims(yaml, yaml.oidcIssuers[1]!, { iss: 'https://accounts.example.com', sub: 'alice' });
    assert.deepEqual(u.san, { type: 'username', value: 'alice@example.com' });
  });

  const bad: [string, string, string][] = [
    ['unknown key', '{"OIDCIssuers":{"https://a.test":{"IssuerURL":"https://a.test","ClientID":"sigstore","Type":"email","Tpye":"x"}}}', 'Tpye'],
    ['issuer-url differing from the key', 'oidc-issuers:\n  https://a.test:\n    issuer-url: https://b.test\n    client-id: sigstore\n    type: email\n', 'issuer-url'],
    ['unsupported type', 'oidc-issuers:\n  https://a.test:\n    issuer-url: https://a.test\n    client-id: sigstore\n    type: magic\n', 'type'],
    ['spiffe without trust domain', 'oidc-issuers:\n  https://a.test:\n    issuer-url: https://a.test\n    client-id: sigstore\n    type: spiffe\n', 'spiffe-trust-domain'],
    ['uri with a foreign subject domain', 'oidc-issuers:\n  https://a.example.com:\n    issuer-url: https://a.example.com\n    client-id: sigstore\n    type: uri\n    subject-domain: https://evil.test\n', 'subject-domain'],
    ['ci-provider without metadata', 'oidc-issuers:\n  https://a.test:\n    issuer-url: https://a.test\n    client-id: sigstore\n    type: ci-provider\n    ci-provider: nope\n', 'ci-provider'],
    ['broken template', 'oidc-issuers:\n  https://a.test:\n    issuer-url: https://a.test\n    client-id: sigstore\n    type: ci-provider\n    ci-provider: x\nci-issuer-metadata:\n  x:\n    subject-alternative-name-template: "{{ .url "\n', 'subject-alternative-name-template'],
    ['plain http issuer', 'oidc-issuers:\n  http://a.test:\n    issuer-url: http://a.test\n    client-id: sigstore\n    type: email\n', 'https'],
    ['no issuers', 'oidc-issuers: {}\n', 'oidc-issuers'],
    ['not YAML', 'oidc-issuers: [\n', '$'],
  ];
  for (const [name, text, field] of bad) {
    it(`rejects ${name} with ERR_CA_CONFIG naming ${field}`, () => {
      assert.throws(() => parseCAConfig(text), isCode('ERR_CA_CONFIG', field));
    });
  }
});

describe('CA keys and CT failures', () => {
  it('refuses a CA key that does not match the chain (ERR_CA_KEYSTORE)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-keys-'));
    try {
      const ca = await generateCA();
      writeFileSync(join(dir, 'chain.pem'), encodePem('CERTIFICATE', ca.intermediate) + encodePem('CERTIFICATE', ca.root));
      writeFileSync(join(dir, 'key.pem'), ca.rootKey.export({ format: 'pem', type: 'pkcs8' }));
      assert.throws(() => loadCAKeys({ certificateChainFile: join(dir, 'chain.pem'), keyFile: join(dir, 'key.pem') }), isCode('ERR_CA_KEYSTORE'));
      writeFileSync(join(dir, 'key.pem'), ca.intermediateKey.export({ format: 'pem', type: 'pkcs8' }));
      assert.equal(loadCAKeys({ certificateChainFile: join(dir, 'chain.pem'), keyFile: join(dir, 'key.pem') }).root.equals(ca.root), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('issues nothing when the CT log fails (ERR_CA_CT)', async () => {
    const config: CAConfig = parseCAConfig('oidc-issuers:\n  https://a.test:\n    issuer-url: https://a.test\n    client-id: sigstore\n    type: email\n');
    const keys = await generateCA();
    const claims = { iss: 'https://a.test', sub: 's', email: 'a@a.test', email_verified: true };
    const verified: VerifiedToken = { issuer: 'https://a.test', subject: 's', audience: ['sigstore'], expiresAt: new Date(), claims, matchedIssuer: { issuerUrl: 'https://a.test' } };
    const ca = new CertificateAuthority({
      config, keys,
      tokenVerifier: { verify: async () => verified },
      ctLog: { addPreChain: async () => { throw new Error('log down'); } },
    });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const { sign } = await import('node:crypto');
    const proof = sign('sha256', Buffer.from('a@a.test'), privateKey);
    await assert.rejects(ca.issue({ token: 't', publicKey: publicKey.export({ format: 'pem', type: 'spki' }) as string, proofOfPossession: proof }), isCode('ERR_CA_CT'));
  });
});
