import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { SignJWT, generateKeyPair, exportJWK } from 'jose';
import { OidcError, TokenVerifier, type IssuerPolicy, type OidcErrorCode } from '@signet/oidc';
import { json, rawToken, startFakeIssuer } from './fake-issuer.js';

async function rejectsCode(p: Promise<unknown>, code: OidcErrorCode): Promise<OidcError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OidcError, `expected OidcError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

const now = (): number => Math.floor(Date.now() / 1000);

describe('TokenVerifier: discovery and JWKS over HTTP', () => {
  it('verifies a token through discovery + JWKS, then serves from the cache', async (t) => {
    const iss = await startFakeIssuer(t);
    const policy: IssuerPolicy = { issuerUrl: iss.url };
    const v = new TokenVerifier([policy]);
    const token = await iss.sign({ sub: 'repo:o/r:ref:refs/heads/main', repository: 'o/r' });
    const out = await v.verify(token);
    assert.equal(out.issuer, iss.url);
    assert.equal(out.subject, 'repo:o/r:ref:refs/heads/main');
    assert.deepEqual(out.audience, ['sigstore']);
    assert.equal(out.claims['repository'], 'o/r');
    assert.equal(out.matchedIssuer, policy);
    assert.ok(Object.isFrozen(out.claims));
    assert.deepEqual(iss.requests, ['/.well-known/openid-configuration', '/jwks']);
    await v.verify(await iss.sign());
    assert.equal(iss.requests.length, 2, 'second verification is served from the cache');
  });

  it('runs discovery once for concurrent verifications', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    const token = await iss.sign();
    await Promise.all(Array.from({ length: 20 }, () => v.verify(token)));
    assert.deepEqual(iss.requests, ['/.well-known/openid-configuration', '/jwks']);
  });

  it('accepts RS256 and an audience array containing the client id', async (t) => {
    const iss = await startFakeIssuer(t);
    const rsa = await iss.newKey('RS256');
    const v = new TokenVerifier([{ issuerUrl: iss.url, clientId: 'signet' }]);
    const out = await v.verify(await iss.sign({ aud: ['other', 'signet'] }, rsa));
    assert.deepEqual(out.audience, ['other', 'signet']);
  });

  it('follows a same-origin redirect of the discovery document', async (t) => {
    const iss = await startFakeIssuer(t);
    iss.route = (req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(302, { location: '/moved/openid-configuration' }).end();
        return true;
      }
      if (req.url === '/moved/openid-configuration') {
        json(res, { issuer: iss.url, jwks_uri: `${iss.url}/jwks` });
        return true;
      }
      return false;
    };
    await new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign());
  });

  it('refuses a discovery document that redirects to another origin, and never contacts it', async (t) => {
    const iss = await startFakeIssuer(t);
    const evil = await startFakeIssuer(t);
    iss.route = (req, res) => {
      if (req.url !== '/.well-known/openid-configuration') return false;
      res.writeHead(302, { location: `${evil.origin}/.well-known/openid-configuration` }).end();
      return true;
    };
    const e = await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
    assert.match(e.message, /another origin/);
    assert.deepEqual(evil.requests, []);
  });

  it('refuses a JWKS that redirects to another origin', async (t) => {
    const iss = await startFakeIssuer(t);
    const evil = await startFakeIssuer(t);
    iss.route = (req, res) => {
      if (req.url !== '/jwks') return false;
      res.writeHead(307, { location: `${evil.origin}/jwks` }).end();
      return true;
    };
    await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
    assert.deepEqual(evil.requests, []);
  });

  it('refuses a cross-origin jwks_uri unless the policy lists that origin', async (t) => {
    const iss = await startFakeIssuer(t);
    const keys = await startFakeIssuer(t);
    keys.published = iss.published;
    iss.discovery = { issuer: iss.url, jwks_uri: `${keys.origin}/jwks` };
    const e = await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
    assert.match(e.message, /another origin/);
    assert.deepEqual(keys.requests, []);
    await new TokenVerifier([{ issuerUrl: iss.url, jwksUriOrigins: [keys.origin] }]).verify(await iss.sign());
    assert.deepEqual(keys.requests, ['/jwks']);
  });

  it('refuses a discovery document naming another issuer (OIDC Discovery §4.3)', async (t) => {
    const iss = await startFakeIssuer(t);
    iss.discovery = { issuer: 'https://accounts.example.com', jwks_uri: `${iss.url}/jwks` };
    await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
  });

  for (const [name, chunked] of [['declared', false], ['chunked', true]] as const) {
    it(`refuses an oversized discovery document (${name} length)`, async (t) => {
      const iss = await startFakeIssuer(t);
      const big = JSON.stringify({ issuer: iss.url, jwks_uri: `${iss.url}/jwks`, padding: 'x'.repeat(300_000) });
      iss.route = (req, res) => {
        if (req.url !== '/.well-known/openid-configuration') return false;
        if (chunked) {
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let i = 0; i < big.length; i += 16_384) res.write(big.slice(i, i + 16_384));
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }).end(big);
        }
        return true;
      };
      const e = await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
      assert.match(e.message, /exceeds/);
    });
  }

  it('gives up on a discovery endpoint that does not answer in time', async (t) => {
    const iss = await startFakeIssuer(t);
    iss.route = (req) => req.url === '/.well-known/openid-configuration'; // never answers
    const v = new TokenVerifier([{ issuerUrl: iss.url }], { timeoutMs: 200 });
    const e = await rejectsCode(v.verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
    assert.match(e.message, /timed out/);
  });

  it('refuses a discovery document that is not JSON, or has no jwks_uri', async (t) => {
    const iss = await startFakeIssuer(t);
    iss.route = (req, res) => {
      if (req.url !== '/.well-known/openid-configuration') return false;
      res.writeHead(200).end('<html>');
      return true;
    };
    await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
    iss.route = undefined;
    iss.discovery = { issuer: iss.url };
    await rejectsCode(new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign()), 'ERR_OIDC_DISCOVERY');
  });

  it('refetches the JWKS once for a new kid (rotation), at most once per interval', async (t) => {
    const iss = await startFakeIssuer(t);
    let clock = Date.now();
    const v = new TokenVerifier([{ issuerUrl: iss.url }], { clock: () => new Date(clock), jwksRefetchIntervalMs: 30_000 });
    await v.verify(await iss.sign());
    const rotated = await iss.newKey('ES256');
    iss.published = [rotated];
    clock += 31_000;
    await v.verify(await iss.sign({}, rotated));
    assert.deepEqual(iss.requests, ['/.well-known/openid-configuration', '/jwks', '/jwks']);
    // Another unknown kid right away: no refetch (an attacker cannot make us hammer the issuer).
    const stranger = await iss.newKey('ES256', false);
    const e = await rejectsCode(v.verify(await iss.sign({}, stranger)), 'ERR_OIDC_SIGNATURE');
    assert.match(e.message, /no trusted key/);
    assert.equal(iss.requests.length, 3);
  });

  it('runs discovery again once the cache TTL has passed', async (t) => {
    const iss = await startFakeIssuer(t);
    let clock = Date.now();
    const v = new TokenVerifier([{ issuerUrl: iss.url }], { clock: () => new Date(clock), jwksCacheTtlMs: 60_000 });
    await v.verify(await iss.sign());
    clock += 61_000;
    await v.verify(await iss.sign());
    assert.equal(iss.requests.filter((p) => p.endsWith('openid-configuration')).length, 2);
  });
});

describe('TokenVerifier: pinned keys', () => {
  it('verifies with a pinned JWKS and makes no HTTP request at all', async (t) => {
    const iss = await startFakeIssuer(t);
    let calls = 0;
    const noFetch = (async () => {
      calls++;
      throw new Error('no network');
    }) as unknown as typeof fetch;
    const v = new TokenVerifier([{ issuerUrl: 'https://oidc.internal.example', jwks: { keys: iss.published.map((k) => k.publicJwk) } }], { fetch: noFetch });
    const out = await v.verify(await iss.sign({ iss: 'https://oidc.internal.example' }));
    assert.equal(out.issuer, 'https://oidc.internal.example');
    assert.equal(calls, 0);
    assert.deepEqual(iss.requests, []);
    const other = await iss.newKey('ES256', false);
    await rejectsCode(v.verify(await iss.sign({ iss: 'https://oidc.internal.example' }, other)), 'ERR_OIDC_SIGNATURE');
    assert.equal(calls, 0);
  });
});

describe('TokenVerifier: issuer selection', () => {
  it('rejects an unconfigured issuer without any request', async (t) => {
    const iss = await startFakeIssuer(t);
    const other = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: other.url }]);
    await rejectsCode(v.verify(await iss.sign()), 'ERR_OIDC_UNKNOWN_ISSUER');
    assert.deepEqual(iss.requests, []);
    assert.deepEqual(other.requests, []);
  });

  it('compares exact issuers byte for byte (a trailing slash is another issuer)', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    await rejectsCode(v.verify(await iss.sign({ iss: `${iss.url}/` })), 'ERR_OIDC_UNKNOWN_ISSUER');
  });

  it('verifies through a meta-issuer pattern, discovering at the token issuer', async (t) => {
    const iss = await startFakeIssuer(t, '/id/cluster-7');
    const v = new TokenVerifier([{ issuerUrl: { pattern: `${iss.origin}/id/*` } }]);
    const out = await v.verify(await iss.sign());
    assert.equal(out.issuer, `${iss.origin}/id/cluster-7`);
    assert.deepEqual(iss.requests, ['/id/cluster-7/.well-known/openid-configuration', '/id/cluster-7/jwks']);
  });

  const pattern = 'https://oidc.eks.*.amazonaws.com/id/*';
  for (const lookalike of [
    'https://oidc.eks.x.amazonaws.com.evil.com/id/1',
    'https://evil.com/?https://oidc.eks.us-west-2.amazonaws.com/id/1',
    'https://evil.com/https://oidc.eks.us-west-2.amazonaws.com/id/1',
    'https://oidc.eks.us-west-2.amazonaws.com/id/1/../../evil',
    'https://oidc.eks.us-west-2.amazonaws.com/id/a/b',
    'https://oidc.eks.evil.com/x.amazonaws.com/id/1',
    'https://oidc.eks.a.b.amazonaws.com/id/1',
    'https://oidc.eks..amazonaws.com/id/1',
    'https://oidc.eks.us-west-2.amazonaws.com/id/',
    'https://oidc.eks.us-west-2.amazonaws.com/id/1?x',
    'https://oidc.eks.us-west-2.amazonaws.com@evil.com/id/1',
    'http://oidc.eks.us-west-2.amazonaws.com/id/1',
    'https://oidc.eks.us-west-2.amazonaws.com/id/1\n',
  ]) {
    it(`rejects a lookalike of a pattern issuer: ${JSON.stringify(lookalike)}`, async (t) => {
      const iss = await startFakeIssuer(t);
      let calls = 0;
      const counting = (async () => {
        calls++;
        throw new Error('must not fetch');
      }) as unknown as typeof fetch;
      const v = new TokenVerifier([{ issuerUrl: { pattern } }], { fetch: counting });
      await rejectsCode(v.verify(await iss.sign({ iss: lookalike })), 'ERR_OIDC_UNKNOWN_ISSUER');
      assert.equal(calls, 0);
    });
  }
});

describe('TokenVerifier: algorithms and signatures', () => {
  it('rejects alg none', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    const token = rawToken({ alg: 'none', typ: 'JWT' }, { iss: iss.url, aud: 'sigstore', sub: 's', exp: now() + 600 });
    await rejectsCode(v.verify(token), 'ERR_OIDC_ALGORITHM');
    assert.deepEqual(iss.requests, []);
  });

  it('rejects HS256 forged with the issuer public key as the HMAC secret', async (t) => {
    const iss = await startFakeIssuer(t);
    const rsa = await iss.newKey('RS256');
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    const header = { alg: 'HS256', typ: 'JWT', kid: rsa.kid };
    const unsigned = rawToken(header, { iss: iss.url, aud: 'sigstore', sub: 's', exp: now() + 600 }).slice(0, -1);
    const secret = JSON.stringify(rsa.publicJwk);
    const forged = `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
    await rejectsCode(v.verify(forged), 'ERR_OIDC_ALGORITHM');
  });

  it('rejects an algorithm outside the issuer allow-list', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: iss.url, algorithms: ['RS256'] }]);
    await rejectsCode(v.verify(await iss.sign()), 'ERR_OIDC_ALGORITHM');
    assert.deepEqual(iss.requests, []);
  });

  it('rejects a tampered signature and a tampered payload', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    const [h, p, s] = (await iss.sign()).split('.') as [string, string, string];
    const flipped = Buffer.from(s, 'base64url');
    flipped[5] = (flipped[5] as number) ^ 1;
    await rejectsCode(v.verify(`${h}.${p}.${flipped.toString('base64url')}`), 'ERR_OIDC_SIGNATURE');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, sub: 'admin' })).toString('base64url');
    await rejectsCode(v.verify(`${h}.${forged}.${s}`), 'ERR_OIDC_SIGNATURE');
  });

  it('rejects a token signed by a key the issuer does not publish', async (t) => {
    const iss = await startFakeIssuer(t);
    const { privateKey } = await generateKeyPair('ES256');
    const v = new TokenVerifier([{ issuerUrl: iss.url }]);
    const token = await new SignJWT({ iss: iss.url, aud: 'sigstore', sub: 's', exp: now() + 600 })
      .setProtectedHeader({ alg: 'ES256', kid: iss.published[0]!.kid })
      .sign(privateKey);
    await rejectsCode(v.verify(token), 'ERR_OIDC_SIGNATURE');
  });

  it('ignores symmetric keys in a JWKS', async (t) => {
    const iss = await startFakeIssuer(t);
    iss.route = (req, res) => {
      if (req.url !== '/jwks') return false;
      json(res, { keys: [{ kty: 'oct', k: Buffer.from('secret').toString('base64url'), kid: 'h' }, iss.published[0]!.publicJwk] });
      return true;
    };
    await new TokenVerifier([{ issuerUrl: iss.url }]).verify(await iss.sign());
  });
});

describe('TokenVerifier: claims', () => {
  const policy = (url: string, extra: Partial<IssuerPolicy> = {}): IssuerPolicy => ({ issuerUrl: url, ...extra });

  it('rejects an expired token, accepting one within the skew', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    await rejectsCode(v.verify(await iss.sign({ iat: now() - 1000, nbf: now() - 1000, exp: now() - 61 })), 'ERR_OIDC_EXPIRED');
    await v.verify(await iss.sign({ iat: now() - 1000, nbf: now() - 1000, exp: now() - 30 }));
  });

  it('rejects a token not yet valid (nbf or iat in the future)', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    await rejectsCode(v.verify(await iss.sign({ nbf: now() + 300 })), 'ERR_OIDC_NOT_YET_VALID');
    await rejectsCode(v.verify(await iss.sign({ iat: now() + 300, nbf: undefined })), 'ERR_OIDC_NOT_YET_VALID');
    await v.verify(await iss.sign({ nbf: now() + 30 }));
  });

  it('uses the injected clock', async (t) => {
    const iss = await startFakeIssuer(t);
    const token = await iss.sign();
    const late = new TokenVerifier([policy(iss.url)], { clock: () => new Date(Date.now() + 3_600_000) });
    await rejectsCode(late.verify(token), 'ERR_OIDC_EXPIRED');
    const early = new TokenVerifier([policy(iss.url)], { clock: () => new Date(Date.now() - 3_600_000) });
    await rejectsCode(early.verify(token), 'ERR_OIDC_NOT_YET_VALID');
  });

  it('rejects a wrong or missing audience', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    await rejectsCode(v.verify(await iss.sign({ aud: 'not-sigstore' })), 'ERR_OIDC_AUDIENCE');
    await rejectsCode(v.verify(await iss.sign({ aud: ['a', 'b'] })), 'ERR_OIDC_AUDIENCE');
    await rejectsCode(v.verify(await iss.sign({ aud: undefined })), 'ERR_OIDC_AUDIENCE');
  });

  it('requires email_verified: true on tokens carrying an email', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    await rejectsCode(v.verify(await iss.sign({ email: 'a@example.com', email_verified: false })), 'ERR_OIDC_EMAIL_UNVERIFIED');
    await rejectsCode(v.verify(await iss.sign({ email: 'a@example.com' })), 'ERR_OIDC_EMAIL_UNVERIFIED');
    await rejectsCode(v.verify(await iss.sign({ email: 'a@example.com', email_verified: 'true' })), 'ERR_OIDC_EMAIL_UNVERIFIED');
    const ok = await v.verify(await iss.sign({ email: 'a@example.com', email_verified: true }));
    assert.equal(ok.claims['email'], 'a@example.com');
    await v.verify(await iss.sign()); // workload token without email
  });

  it('requireEmailVerified true demands an email; false skips the check', async (t) => {
    const iss = await startFakeIssuer(t);
    await rejectsCode(new TokenVerifier([policy(iss.url, { requireEmailVerified: true })]).verify(await iss.sign()), 'ERR_OIDC_EMAIL_UNVERIFIED');
    await new TokenVerifier([policy(iss.url, { requireEmailVerified: false })]).verify(await iss.sign({ email: 'a@example.com', email_verified: false }));
  });

  it('rejects malformed tokens', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', `${rawToken({ alg: 'ES256' }, {})}x!`, 'e30.bm90IGpzb24.sig', `${'a'.repeat(40_000)}.b.c`]) {
      await rejectsCode(v.verify(bad), 'ERR_OIDC_MALFORMED');
    }
    await rejectsCode(v.verify(rawToken({ alg: 'ES256' }, { aud: 'sigstore' }, 'c2ln')), 'ERR_OIDC_MALFORMED'); // no iss
    await rejectsCode(v.verify(await iss.sign({ exp: undefined })), 'ERR_OIDC_MALFORMED');
    await rejectsCode(v.verify(await iss.sign({ sub: undefined })), 'ERR_OIDC_MALFORMED');
    await rejectsCode(v.verify(await iss.sign({ exp: 'tomorrow' })), 'ERR_OIDC_MALFORMED');
  });

  it('never puts the token into an error message', async (t) => {
    const iss = await startFakeIssuer(t);
    const v = new TokenVerifier([policy(iss.url)]);
    for (const token of [await iss.sign({ aud: 'x' }), await iss.sign({ exp: now() - 1000 })]) {
      const e = await v.verify(token).then(() => assert.fail('accepted'), (err: Error) => err);
      assert.ok(!e.message.includes(token.split('.')[2] as string));
      assert.ok(!e.message.includes(token.split('.')[1] as string));
    }
  });
});

describe('TokenVerifier: configuration', () => {
  it('refuses unsafe or invalid policies with TypeError', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    for (const bad of [
      { issuerUrl: 'http://issuer.example.com' },
      { issuerUrl: 'https://issuer.example.com?x=1' },
      { issuerUrl: 'not a url' },
      { issuerUrl: 'https://a.example', algorithms: ['HS256'] },
      { issuerUrl: 'https://a.example', algorithms: ['none'] },
      { issuerUrl: 'https://a.example', algorithms: [] },
      { issuerUrl: 'https://a.example', clientId: '' },
      { issuerUrl: { pattern: 'https://a.example/no-wildcard' } },
      { issuerUrl: { pattern: 'http://*.example.com' } },
      { issuerUrl: { pattern: '*://a.example.com/x' } },
      { issuerUrl: 'https://a.example', jwks: { keys: 'x' } },
    ] as unknown as IssuerPolicy[]) {
      assert.throws(() => new TokenVerifier([bad]), TypeError, JSON.stringify(bad));
    }
    assert.throws(() => new TokenVerifier([{ issuerUrl: 'https://a.example' }, { issuerUrl: 'https://a.example' }]), TypeError);
    assert.throws(() => new TokenVerifier([], { maxSkewSeconds: -1 }), RangeError);
    new TokenVerifier([{ issuerUrl: 'https://a.example', jwks: { keys: [jwk] } }, { issuerUrl: 'http://127.0.0.1:9/x' }]);
  });
});
