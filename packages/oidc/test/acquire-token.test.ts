import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acquireToken, OidcError } from '@signet/oidc';

describe('acquireToken', () => {
  it('prefers SIGSTORE_ID_TOKEN (what GitLab CI users set)', async () => {
    const got = await acquireToken({ env: { SIGSTORE_ID_TOKEN: ' a.b.c\n', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/x', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' } });
    assert.deepEqual(got, { token: 'a.b.c', source: 'env' });
  });

  it('returns undefined when no ambient token exists', async () => {
    assert.equal(await acquireToken({ env: { GITLAB_CI: 'true' } }), undefined);
  });

  it('asks the GitHub Actions token endpoint for audience=sigstore with the request bearer', async (t) => {
    const seen: { url?: string; auth?: string } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.auth = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ count: 1, value: 'gh.id.token' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_apis/token?api-version=2.0`;
    const got = await acquireToken({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: base, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'req-bearer' } });
    assert.deepEqual(got, { token: 'gh.id.token', source: 'github-actions' });
    assert.equal(seen.url, '/_apis/token?api-version=2.0&audience=sigstore');
    assert.equal(seen.auth, 'Bearer req-bearer');
  });

  it('fails with ERR_OIDC_ACQUIRE when the GitHub endpoint fails', async (t) => {
    const server = createServer((_req, res) => res.writeHead(403).end('{"message":"no id-token permission"}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => new Promise<void>((r) => server.close(() => r())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
    await assert.rejects(acquireToken({ env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' } }), (e: unknown) => e instanceof OidcError && e.code === 'ERR_OIDC_ACQUIRE');
  });
});
