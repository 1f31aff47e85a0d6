// A hand-made OIDC issuer on 127.0.0.1 for the verifier's tests: every answer can be bent.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import type { TestContext } from 'node:test';

export interface FakeKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface FakeIssuer {
  /** The issuer URL (origin + base path). */
  url: string;
  origin: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Keys published at /jwks. */
  published: FakeKey[];
  /** Replaces the discovery document when set. */
  discovery?: Record<string, unknown>;
  /** Answers a request first when it returns true. */
  route?: (req: IncomingMessage, res: ServerResponse) => boolean;
  newKey(alg?: string, publish?: boolean): Promise<FakeKey>;
  /** Signs a token with `key` (default the first published key), `iss` and `aud` preset. */
  sign(claims?: Record<string, unknown>, key?: FakeKey): Promise<string>;
}

type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let kidCounter = 0;

export async function startFakeIssuer(t: TestContext, basePath = ''): Promise<FakeIssuer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] as string;
    issuer.requests.push(path);
    if (issuer.route?.(req, res)) return;
    if (path === `${basePath}/.well-known/openid-configuration`) {
      json(res, issuer.discovery ?? { issuer: issuer.url, jwks_uri: `${issuer.url}/jwks`, id_token_signing_alg_values_supported: ['ES256', 'RS256'] });
    } else if (path === `${basePath}/jwks`) {
      json(res, { keys: issuer.published.map((k) => k.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.unref();
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer: FakeIssuer = {
    url: `${origin}${basePath}`,
    origin,
    requests: [],
    published: [],
    async newKey(alg = 'ES256', publish = true) {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `key-${++kidCounter}`;
      const key = { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
      if (publish) issuer.published.push(key);
      return key;
    },
    async sign(claims = {}, key = issuer.published[0]) {
      if (key === undefined) throw new Error('no key');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer.url, aud: 'sigstore', sub: 'subject-1', iat: now, nbf: now, exp: now + 600, ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .sign(key.privateKey);
    },
  };
  await issuer.newKey();
  return issuer;
}

export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Builds a compact JWS from raw parts (for tokens jose refuses to make). */
export function rawToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b(header)}.${b(payload)}.${signature}`;
}
