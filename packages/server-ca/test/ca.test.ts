import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodePem, decodeDerString, parseCertificate, OID, type Certificate } from '@signet/core';
import { parseBundle, parseTrustedRoot, type BundleJSON, type TrustedRootJSON } from '@signet/bundle';
import { Verifier, certificateClaims, certificateIdentity, certificateIssuer, verifyEmbeddedSCTs } from '@signet/verify';
import { TestRekorV1Log, hashedRekordV001Body } from '@signet/testkit';
import { FulcioSigner } from '@sigstore/sign';
import { Verifier as SigstoreVerifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot as TrustedRootProto } from '@sigstore/protobuf-specs';
import { forgeToken, keyRequest, postJSON, startFixture, type Fixture } from './fixture.js';

let fx: Fixture;
before(async () => {
  fx = await startFixture();
});
after(async () => {
  await fx.close();
});

function leafOf(json: Record<string, unknown>): { chain: Certificate[]; pems: string[] } {
  const pems = (json as { signedCertificateEmbeddedSct: { chain: { certificates: string[] } } }).signedCertificateEmbeddedSct.chain.certificates;
  return { pems, chain: pems.map((p) => parseCertificate(decodePem(p)[0]!.der)) };
}

const logKeys = () => [{ baseUrl: 'ct', logId: fx.ca.ctLog.logId, key: fx.ca.ctLog.publicKey, spki: fx.ca.ctLog.spki, keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: new Date(0) } }];

describe('POST /api/v2/signingCert', () => {
  it('issues an email certificate with the Fulcio profile, an embedded SCT, and a chain openssl accepts', async () => {
    const token = fx.email.mintToken({ email: 'alice@signet.test' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const before = fx.ca.ctLog.sequencedSize();
    const res = await postJSON(fx.ca.url, keyRequest(token, privateKey, 'alice@signet.test'));
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const { chain, pems } = leafOf(res.json);
    assert.equal(chain.length, 3);
    const [leaf, intermediate] = chain as [Certificate, Certificate, Certificate];
    assert.equal(fx.ca.ctLog.sequencedSize(), before + 1);
    // Profile: 10 minutes, empty subject, one critical SAN, KU digitalSignature critical, EKU codeSigning, SKI/AKI.
    assert.equal(leaf.notAfter.getTime() - leaf.notBefore.getTime(), 10 * 60 * 1000);
    assert.deepEqual(leaf.subjectDer, Buffer.of(0x30, 0));
    assert.deepEqual(leaf.subjectAltNames, [{ type: 'email', value: 'alice@signet.test' }]);
    assert.equal(leaf.extension(OID.subjectAltName)?.critical, true);
    assert.equal(leaf.extension(OID.keyUsage)?.critical, true);
    assert.deepEqual([...leaf.keyUsage], ['digitalSignature']);
    assert.deepEqual(leaf.extKeyUsage, [OID.codeSigning]);
    assert.ok(leaf.extension(OID.subjectKeyIdentifier) && leaf.extension(OID.authorityKeyIdentifier));
    assert.equal(leaf.isCA, false);
    assert.ok(leaf.serialNumber.length >= 30 && leaf.serialNumber.length <= 40);
    assert.equal(certificateIssuer(leaf), fx.email.url);
    assert.equal(leaf.extension('1.3.6.1.4.1.57264.1.1')?.value.toString(), fx.email.url);
    assert.equal(leaf.extension(OID.ctPoison), undefined);
    assert.equal(verifyEmbeddedSCTs(leaf, intermediate, logKeys(), 1), 1);
    // openssl agrees on the chain and the code-signing purpose.
    writeFileSync(join(fx.dir, 'leaf.pem'), pems[0]!);
    writeFileSync(join(fx.dir, 'inter.pem'), pems[1]!);
    writeFileSync(join(fx.dir, 'root.pem'), pems[2]!);
    const ossl = spawnSync('openssl', ['verify', '-CAfile', join(fx.dir, 'root.pem'), '-untrusted', join(fx.dir, 'inter.pem'), join(fx.dir, 'leaf.pem')], { encoding: 'utf8' });
    assert.equal(ossl.status, 0, ossl.stdout + ossl.stderr);
  });

  it('accepts a PKCS#10 CSR (its self-signature is the proof) and maps a self-managed GitLab host from the token issuer', async () => {
    const token = fx.gitlab.mintToken({ gitlabPipeline: 'group/sub/project@main' });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    writeFileSync(join(fx.dir, 'k.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const req = spawnSync('openssl', ['req', '-new', '-key', join(fx.dir, 'k.pem'), '-subj', '/CN=ignored', '-sha384'], { encoding: 'utf8' });
    assert.equal(req.status, 0, req.stderr);
    const res = await postJSON(fx.ca.url, { credentials: { oidcIdentityToken: token }, certificateSigningRequest: Buffer.from(req.stdout).toString('base64') });
    assert.equal(res.status, 201, JSON.stringify(res.json));
    const [leaf] = leafOf(res.json).chain as [Certificate];
    const host = new URL(fx.gitlab.url).host;
    assert.equal(certificateIdentity(leaf), `https://${host}/group/sub/project//.gitlab-ci.yml@refs/heads/main`);
    const claims = certificateClaims(leaf);
    assert.equal(claims.sourceRepositoryURI, `${fx.gitlab.url}/group/sub/project`);
    assert.equal(claims.sourceRepositoryRef, 'refs/heads/main');
    assert.equal(claims.runInvocationURI?.startsWith(`${fx.gitlab.url}/group/sub/project/-/jobs/`), true);
    assert.equal(decodeDerString(leaf.extension('1.3.6.1.4.1.57264.1.24')!.value), 'project_path:group/sub/project:ref_type:branch:ref:main');
  });

  it('takes the token from Authorization: Bearer', async () => {
    const token = fx.email.mintToken({ email: 'bob@signet.test' });
    const { privateKey } = generateKeyPairSync('ed25519');
    const body = keyRequest(token, privateKey, 'bob@signet.test', null) as { credentials?: unknown };
    delete body.credentials;
    const res = await postJSON(fx.ca.url, body, { authorization: `Bearer ${token}` });
    assert.equal(res.status, 201, JSON.stringify(res.json));
  });

  it('serves trustBundle and configuration', async () => {
    const bundle = await (await fetch(`${fx.ca.url}/api/v2/trustBundle`)).json() as { chains: { certificates: string[] }[] };
    assert.equal(bundle.chains[0]?.certificates.length, 2);
    const config = await (await fetch(`${fx.ca.url}/api/v2/configuration`)).json() as { issuers: { issuerUrl?: string; wildcardIssuerUrl?: string; audience: string; challengeClaim: string; type: string }[] };
    assert.deepEqual(config.issuers.find((i) => i.issuerUrl === fx.email.url), { issuerUrl: fx.email.url, audience: 'sigstore', challengeClaim: 'email', type: 'email' });
    assert.equal(config.issuers.find((i) => i.wildcardIssuerUrl)?.challengeClaim, 'sub');
  });

  it('writes a trusted_root.json that parseTrustedRoot accepts, with key files 0600', () => {
    const json = JSON.parse(readFileSync(fx.ca.trustedRootPath, 'utf8')) as TrustedRootJSON;
    const root = parseTrustedRoot(json);
    assert.equal(root.certificateAuthorities[0]?.certChain.certificates.length, 2);
    assert.equal(root.ctlogs[0]?.logId.keyId.toString('hex'), fx.ca.ctLog.logId.toString('hex'));
    for (const f of ['ca/ca-root.key', 'ca/ca-intermediate.key', 'ctlog/ct-key.pem']) assert.equal(statSync(join(fx.dir, 'data', f)).mode & 0o777, 0o600, f);
  });
});

describe('interop: sigstore-js signs through our CA; both verifiers accept the bundle', () => {
  it('@sigstore/sign FulcioSigner + @sigstore/verify (SCT checked) + our Verifier with a GitHub identity policy', async () => {
    const token = fx.github.mintToken({ githubWorkflow: 'octo/widget/.github/workflows/release.yml@refs/tags/v1.0.0' });
    const signer = new FulcioSigner({ fulcioBaseURL: fx.ca.url, identityProvider: { getToken: async () => token } });
    const data = Buffer.from('artifact signed by sigstore-js through signet');
    const signature = await signer.sign(data);
    assert.equal(signature.key.$case, 'x509Certificate');
    const certPem = (signature.key as { certificate: string }).certificate;
    const leafDer = decodePem(certPem)[0]!.der;
    const digest = createHash('sha256').update(data).digest();
    const rekor = new TestRekorV1Log();
    const entry = rekor.append(hashedRekordV001Body(digest, signature.signature, { der: leafDer, isCertificate: true }), 'hashedrekord', Math.floor(Date.now() / 1000));
    const bundle: BundleJSON = {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      verificationMaterial: { certificate: { rawBytes: leafDer.toString('base64') }, tlogEntries: [entry] },
      messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: digest.toString('base64') }, signature: signature.signature.toString('base64') },
    };
    const trusted = JSON.parse(readFileSync(fx.ca.trustedRootPath, 'utf8')) as TrustedRootJSON;
    trusted.tlogs = [{
      baseUrl: rekor.baseUrl, hashAlgorithm: 'SHA2_256', logId: { keyId: rekor.logId.toString('base64') },
      publicKey: { rawBytes: rekor.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } },
    }];
    const theirs = new SigstoreVerifier(toTrustMaterial(TrustedRootProto.fromJSON(trusted)), { tlogThreshold: 1, ctlogThreshold: 1 });
    const repo = 'https://github.com/octo/widget';
    const san = `${repo}/.github/workflows/release.yml@refs/tags/v1.0.0`;
    theirs.verify(toSignedEntity(bundleFromJSON(bundle), data), { subjectAlternativeName: san, extensions: { issuer: fx.github.url } });
    const ours = new Verifier(parseTrustedRoot(trusted));
    const result = ours.verify(parseBundle(bundle), {
      artifact: { data, digests: { sha256: digest } },
      policy: { subjectAlternativeName: san, issuer: fx.github.url, extensions: { sourceRepositoryURI: repo, sourceRepositoryRef: 'refs/tags/v1.0.0', buildTrigger: 'push', runnerEnvironment: 'github-hosted' } },
    });
    assert.equal(result.signer.kind, 'certificate');
    assert.throws(() => ours.verify(parseBundle(bundle), {
      artifact: { data, digests: { sha256: digest } },
      policy: { subjectAlternativeName: san, issuer: fx.github.url, extensions: { sourceRepositoryURI: 'https://github.com/octo/other' } },
    }), (e: unknown) => (e as { code?: string }).code === 'ERR_VERIFY_POLICY_EXTENSION');
  });
});

describe('refusals: the error code, and nothing issued or logged', () => {
  const cases: [string, () => Promise<{ body: unknown; headers?: Record<string, string> }>, number, string][] = [
    ['expired token', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }, { issuedAt: new Date(Date.now() - 3_600_000), lifetimeSeconds: 600 }), ecKey(), 'a@signet.test') }), 401, 'ERR_CA_TOKEN'],
    ['token not yet valid', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }, { issuedAt: new Date(Date.now() + 3_600_000) }), ecKey(), 'a@signet.test') }), 401, 'ERR_CA_TOKEN'],
    ['wrong audience', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }, { audience: 'not-sigstore' }), ecKey(), 'a@signet.test') }), 401, 'ERR_CA_TOKEN'],
    ['unverified email', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test', emailVerified: false }), ecKey(), 'a@signet.test') }), 401, 'ERR_CA_TOKEN'],
    ['unknown issuer', async () => ({ body: keyRequest(forgeToken(claims('https://issuer.unknown.test')), ecKey(), 'me') }), 401, 'ERR_CA_ISSUER'],
    ['issuer that looks like a meta-issuer pattern but is not (anchoring)', async () => ({ body: keyRequest(forgeToken(claims('https://oidc.eks.us-west-2.amazonaws.com/id/ABC/../evil')), ecKey(), 'me') }), 401, 'ERR_CA_ISSUER'],
    ['issuer pattern with a dot in a wildcard', async () => ({ body: keyRequest(forgeToken(claims('https://oidc.eks.evil.test.amazonaws.com/id/ABC')), ecKey(), 'me') }), 401, 'ERR_CA_ISSUER'],
    ['discovery document redirecting to another host', async () => ({ body: keyRequest(forgeToken(claims(fx.redirecting)), ecKey(), 'me') }), 401, 'ERR_CA_TOKEN'],
    ['bad proof of possession', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }), ecKey(), 'someone-else@signet.test') }), 400, 'ERR_CA_POP'],
    ['RSA 1024 key', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 'a@signet.test') }), 400, 'ERR_CA_KEY'],
    ['secp256k1 key', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }), generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey, 'a@signet.test') }), 400, 'ERR_CA_KEY'],
    ['RSA with exponent 3', async () => ({ body: keyRequest(fx.email.mintToken({ email: 'a@signet.test' }), generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 }).privateKey, 'a@signet.test') }), 400, 'ERR_CA_KEY'],
    ['malformed CSR', async () => ({ body: { credentials: { oidcIdentityToken: fx.email.mintToken({ email: 'a@signet.test' }) }, certificateSigningRequest: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n').toString('base64') } }), 400, 'ERR_CA_CSR'],
    ['neither key nor CSR', async () => ({ body: { credentials: { oidcIdentityToken: 'x' } } }), 400, 'ERR_CA_REQUEST'],
    ['CI token missing a claim its mapping needs', async () => ({ body: keyRequest(fx.github.mintToken({ githubWorkflow: 'o/r/.github/workflows/w.yml@main' }, { extraClaims: { job_workflow_ref: undefined } }), ecKey(), 'x') }), 401, 'ERR_CA_IDENTITY'],
  ];
  for (const [name, make, status, code] of cases) {
    it(name, async () => {
      const before = fx.ca.ctLog.sequencedSize();
      const { body, headers } = await make();
      const res = await postJSON(fx.ca.url, body, headers);
      assert.equal(res.status, status, JSON.stringify(res.json));
      assert.match(String(res.json.message), new RegExp(`^${code}\\b`));
      assert.equal(typeof res.json.code, 'number');
      assert.equal(fx.ca.ctLog.sequencedSize(), before);
    });
  }

  it('oversized body (413), wrong media type (415), prototype poisoning (400), all in Fulcio\'s error shape', async () => {
    const before = fx.ca.ctLog.sequencedSize();
    const big = await postJSON(fx.ca.url, JSON.stringify({ credentials: { oidcIdentityToken: 'x'.repeat(100_000) } }));
    assert.equal(big.status, 413);
    assert.equal(big.json.code, 8);
    const text = await fetch(`${fx.ca.url}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(text.status, 415);
    assert.equal((await text.json() as { code: number }).code, 3);
    const poison = await postJSON(fx.ca.url, '{"credentials":{"oidcIdentityToken":"x"},"__proto__":{"admin":true}}');
    assert.equal(poison.status, 400);
    assert.equal(fx.ca.ctLog.sequencedSize(), before);
  });
});

function ecKey() {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

function claims(iss: string): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss, sub: 'me', aud: 'sigstore', iat: now, exp: now + 600, email: 'me@x.test', email_verified: true };
}

void sign;
