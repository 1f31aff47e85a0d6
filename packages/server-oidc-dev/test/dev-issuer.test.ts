import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { OidcError, TokenVerifier } from '@signet/oidc';
import { createDevIssuer, DevIssuerError, identityClaims, type DevIssuer, type DevIssuerOptions } from '@signet/server-oidc-dev';

async function start(t: TestContext, options: DevIssuerOptions = {}): Promise<DevIssuer> {
  const issuer = await createDevIssuer(options);
  t.after(() => issuer.close());
  return issuer;
}

async function postToken(url: string, body: unknown): Promise<Response> {
  return fetch(`${url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('development issuer: minted tokens', () => {
  it('mints tokens over HTTP that TokenVerifier accepts through real discovery + JWKS', async (t) => {
    const dev = await start(t);
    const verifier = new TokenVerifier([{ issuerUrl: dev.url, requireEmailVerified: false }]);

    const email = await postToken(dev.url, { email: 'alice@example.com' });
    assert.equal(email.status, 200);
    const a = await verifier.verify(((await email.json()) as { token: string }).token);
    assert.equal(a.issuer, dev.url);
    assert.equal(a.claims['email'], 'alice@example.com');
    assert.equal(a.claims['email_verified'], true);

    const gh = await postToken(dev.url, { githubWorkflow: 'acme/app/.github/workflows/release.yml@main' });
    const g = await verifier.verify(((await gh.json()) as { token: string }).token);
    assert.equal(g.subject, 'repo:acme/app:ref:refs/heads/main');
    assert.equal(g.claims['workflow_ref'], 'acme/app/.github/workflows/release.yml@refs/heads/main');
    assert.equal(g.claims['job_workflow_ref'], 'acme/app/.github/workflows/release.yml@refs/heads/main');
    assert.equal(g.claims['repository_owner'], 'acme');
    assert.match(g.claims['repository_id'] as string, /^\d+$/);
    assert.match(g.claims['job_workflow_sha'] as string, /^[0-9a-f]{40}$/);
    for (const c of ['repository', 'repository_owner_id', 'repository_visibility', 'sha', 'ref', 'ref_type', 'event_name', 'run_id', 'run_attempt', 'runner_environment']) {
      assert.equal(typeof g.claims[c], 'string', c);
    }

    const gl = await postToken(dev.url, { gitlabPipeline: 'group/sub/project@v1.2.0', audience: 'sigstore', environment: 'production' });
    const l = await verifier.verify(((await gl.json()) as { token: string }).token);
    assert.equal(l.subject, 'project_path:group/sub/project:ref_type:branch:ref:v1.2.0');
    assert.equal(l.claims['namespace_path'], 'group/sub');
    assert.equal(l.claims['project_path'], 'group/sub/project');
    assert.equal(l.claims['ci_config_ref_uri'], `${new URL(dev.url).host}/group/sub/project//.gitlab-ci.yml@refs/heads/v1.2.0`);
    assert.equal(l.claims['environment'], 'production');
  });

  it('mints in process with the issuer clock and a chosen audience', async (t) => {
    const past = new Date(Date.now() - 3_600_000);
    const dev = await start(t, { clock: () => past });
    const token = dev.mintToken({ email: 'bob@example.com' }, { audience: 'other' });
    const verifier = new TokenVerifier([{ issuerUrl: dev.url, clientId: 'other' }], { clock: () => past });
    const v = await verifier.verify(token);
    assert.equal(v.expiresAt.getTime(), Math.floor(past.getTime() / 1000) * 1000 + 600_000);
    await assert.rejects(new TokenVerifier([{ issuerUrl: dev.url, clientId: 'other' }]).verify(token), (e: unknown) => e instanceof OidcError && e.code === 'ERR_OIDC_EXPIRED');
    await assert.rejects(new TokenVerifier([{ issuerUrl: dev.url }], { clock: () => past }).verify(token), (e: unknown) => e instanceof OidcError && e.code === 'ERR_OIDC_AUDIENCE');
  });

  it('mints an unverified email that an email issuer rejects', async (t) => {
    const dev = await start(t);
    const token = dev.mintToken({ email: 'eve@example.com', emailVerified: false });
    await assert.rejects(new TokenVerifier([{ issuerUrl: dev.url, requireEmailVerified: true }]).verify(token), (e: unknown) => e instanceof OidcError && e.code === 'ERR_OIDC_EMAIL_UNVERIFIED');
  });

  it('answers a bad mint request with 400 ERR_OIDC_DEV_IDENTITY, 415 and 413', async (t) => {
    const dev = await start(t);
    for (const body of [{}, { email: 'a@example.com', githubWorkflow: 'o/r/.github/workflows/x.yml@main' }, { email: 'not-an-email' }, { githubWorkflow: 'o/r@main' }, { gitlabPipeline: 'project@main' }, { email: 'a@example.com', admin: true }, { email: 'a@example.com', audience: 5 }, []]) {
      const res = await postToken(dev.url, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_OIDC_DEV_IDENTITY');
    }
    const text = await fetch(`${dev.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'email=a@example.com' });
    assert.equal(text.status, 415);
    const big = await postToken(dev.url, { email: 'a@example.com', pad: 'x'.repeat(20_000) });
    assert.equal(big.status, 413);
  });

  it('listens on loopback only unless told otherwise', async () => {
    await assert.rejects(createDevIssuer({ host: '0.0.0.0' }), RangeError);
  });

  it('keeps its signing key in a data directory (0600) across restarts', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'signet-oidc-dev-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const first = await createDevIssuer({ dataDir: dir });
    const kid = first.jwks.keys[0]!.kid;
    await first.close();
    const second = await start(t, { dataDir: dir });
    assert.equal(second.jwks.keys[0]!.kid, kid);
    const mode = (await stat(join(dir, 'oidc-dev-signing-key.json'))).mode & 0o777;
    assert.equal(mode, 0o600);
  });
});

describe('identityClaims', () => {
  it('follows GitHub subject rules (environment, pull_request, tag refs)', () => {
    const env = identityClaims({ githubWorkflow: 'o/r/.github/workflows/d.yml@refs/heads/main', environment: 'prod' }, 'http://127.0.0.1:1');
    assert.equal(env['sub'], 'repo:o/r:environment:prod');
    const pr = identityClaims({ githubWorkflow: 'o/r/.github/workflows/ci.yaml@refs/pull/1/merge', eventName: 'pull_request' }, 'http://127.0.0.1:1');
    assert.equal(pr['sub'], 'repo:o/r:pull_request');
    const tag = identityClaims({ githubWorkflow: 'o/r/.github/workflows/rel.yml@refs/tags/v1' }, 'http://127.0.0.1:1');
    assert.equal(tag['ref_type'], 'tag');
    assert.equal(tag['sub'], 'repo:o/r:ref:refs/tags/v1');
  });

  it('throws DevIssuerError for an identity in the wrong shape', () => {
    assert.throws(() => identityClaims({ githubWorkflow: 'o/r/.github/workflows/x.yml@main', sha: 'abc' }, 'http://x'), (e: unknown) => e instanceof DevIssuerError && e.code === 'ERR_OIDC_DEV_IDENTITY');
  });
});

/** A cookie jar just good enough for oidc-provider's interaction cookies. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';') as [string];
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

interface Authorization {
  code: string;
  verifier: string;
  redirectUri: string;
  nonce: string;
  endpoints: Record<string, string>;
}

/** Runs the browser half of the flow with fetch: follows redirects (carrying cookies) to the redirect_uri. */
async function authorize(dev: DevIssuer): Promise<Authorization> {
  const endpoints = (await (await fetch(`${dev.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirectUri = 'http://localhost:43117/auth/callback';
  const state = randomBytes(8).toString('hex');
  const nonce = randomBytes(8).toString('hex');
  const auth = new URL(endpoints['authorization_endpoint'] as string);
  for (const [k, v] of Object.entries({ client_id: 'sigstore', response_type: 'code', scope: 'openid email', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state, nonce })) {
    auth.searchParams.set(k, v);
  }
  const jar = new CookieJar();
  let next = auth.toString();
  for (let hop = 0; hop < 10; hop++) {
    const res = await fetch(next, { redirect: 'manual', headers: { cookie: jar.header() } });
    jar.take(res);
    await res.arrayBuffer();
    assert.ok(res.status >= 300 && res.status < 400, `hop ${hop}: HTTP ${res.status} at ${next}`);
    const location = new URL(res.headers.get('location') as string, next);
    if (location.toString().startsWith(redirectUri)) {
      assert.equal(location.searchParams.get('state'), state);
      const code = location.searchParams.get('code');
      assert.ok(code, `no code in ${location.search}`);
      return { code, verifier, redirectUri, nonce, endpoints };
    }
    next = location.toString();
  }
  assert.fail('never reached the redirect_uri');
}

async function exchange(a: Authorization, verifier = a.verifier): Promise<Response> {
  return fetch(a.endpoints['token_endpoint'] as string, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: a.code, redirect_uri: a.redirectUri, client_id: 'sigstore', code_verifier: verifier }),
  });
}

describe('development issuer: authorization code + PKCE', () => {
  it('completes the browser flow headlessly and yields an id_token that verifies', async (t) => {
    const dev = await start(t, { defaultUser: { email: 'dev@example.com' } });
    const a = await authorize(dev);
    const tokenRes = await exchange(a);
    assert.equal(tokenRes.status, 200, await tokenRes.clone().text());
    const { id_token: idToken } = (await tokenRes.json()) as { id_token: string };
    const v = await new TokenVerifier([{ issuerUrl: dev.url, requireEmailVerified: true }]).verify(idToken);
    assert.equal(v.claims['email'], 'dev@example.com');
    assert.equal(v.claims['email_verified'], true);
    assert.equal(v.claims['nonce'], a.nonce);
    assert.deepEqual(v.audience, ['sigstore']);
  });

  it('refuses the code exchange with the wrong PKCE verifier', async (t) => {
    const dev = await start(t);
    const a = await authorize(dev);
    const res = await exchange(a, randomBytes(32).toString('base64url'));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
  });

  it('requires PKCE from public clients', async (t) => {
    const dev = await start(t);
    const redirect = 'http://127.0.0.1:9/auth/callback';
    const res = await fetch(`${dev.url}/auth?client_id=sigstore&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(redirect)}`, { redirect: 'manual' });
    const location = new URL(res.headers.get('location') ?? '', dev.url);
    assert.ok(location.toString().startsWith(redirect));
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /PKCE/);
  });
});
