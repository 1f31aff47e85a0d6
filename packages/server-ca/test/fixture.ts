import { createServer, type Server } from 'node:http';
import { createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevIssuer, type DevIssuer } from '@signet/server-oidc-dev';
import { startCAServer, type CAServer } from '@signet/server-ca';

/** A CA with its CT log and three development issuers (email, GitHub-, GitLab-shaped), plus a discovery endpoint that redirects off-host. */
export interface Fixture {
  ca: CAServer;
  email: DevIssuer;
  github: DevIssuer;
  gitlab: DevIssuer;
  /** An issuer whose discovery document redirects to another host. */
  redirecting: string;
  dir: string;
  configPath: string;
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'signet-ca-'));
  const email = await createDevIssuer();
  const github = await createDevIssuer();
  const gitlab = await createDevIssuer();
  const redirector: Server = createServer((req, res) => {
    res.writeHead(302, { location: `http://localhost:1${req.url ?? '/'}` });
    res.end();
  });
  await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
  const redirecting = `http://127.0.0.1:${(redirector.address() as { port: number }).port}`;
  const configPath = join(dir, 'issuers.yaml');
  writeFileSync(configPath, `# Fulcio-format issuer configuration
define:
  - &github-type "github-workflow"
oidc-issuers:
  ${email.url}:
    issuer-url: ${email.url}
    client-id: sigstore
    type: email
  ${github.url}:
    issuer-url: ${github.url}
    client-id: sigstore
    type: ci-provider
    ci-provider: *github-type
  ${gitlab.url}:
    issuer-url: ${gitlab.url}
    client-id: sigstore
    type: gitlab-pipeline
  ${redirecting}:
    issuer-url: ${redirecting}
    client-id: sigstore
    type: email
meta-issuers:
  https://oidc.eks.*.amazonaws.com/id/*:
    client-id: sigstore
    type: kubernetes
`);
  const ca = await startCAServer({ dataDir: join(dir, 'data'), issuers: configPath });
  return {
    ca, email, github, gitlab, redirecting, dir, configPath,
    async close() {
      await ca.close();
      await Promise.all([email.close(), github.close(), gitlab.close()]);
      await new Promise((r) => redirector.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A compact JWS signed by a throwaway key: for tokens that must be refused before any key lookup. */
export function forgeToken(claims: Record<string, unknown>, key: KeyObject = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc({ alg: 'ES256', typ: 'JWT', kid: 'x' })}.${enc(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** A Fulcio publicKeyRequest body: the public key (PEM) and a signature over `challenge`. */
export function keyRequest(token: string, key: KeyObject, challenge: string, hash: string | null = 'sha256'): object {
  return {
    credentials: { oidcIdentityToken: token },
    publicKeyRequest: {
      publicKey: { algorithm: 'ECDSA', content: createPublicKey(key).export({ format: 'pem', type: 'spki' }) as string },
      proofOfPossession: sign(hash, Buffer.from(challenge), key).toString('base64'),
    },
  };
}

export async function postJSON(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/v2/signingCert`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}
