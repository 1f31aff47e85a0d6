import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SignetError } from '@signet/core';
import { DevIssuerError } from './errors.js';
import { identityClaims, type DevIdentity, type EmailIdentity } from './identities.js';
import { MemoryStore } from './memory-adapter.js';
import { loadSigningKey, signJwt, type PublicJWK } from './signing-key.js';

/** Options of {@link createDevIssuer}. */
export interface DevIssuerOptions {
  /** The issuer URL put in tokens and discovery. Default `http://{host}:{port}` once listening. */
  issuer?: string;
  /** Listen address. Default `127.0.0.1`; anything not loopback needs `allowNonLoopback`. */
  host?: string;
  /** Listen port. Default 0 (any free port). */
  port?: number;
  /** Time of minted tokens (`iat`, `nbf`, `exp`). The PKCE flow's tokens use the real time. */
  clock?: () => Date;
  /** Keep the signing key in this directory (file mode 0600) instead of in memory only. */
  dataDir?: string;
  /** The person the browser (PKCE) login signs in as, without asking. Default `developer@signet.test`. */
  defaultUser?: EmailIdentity;
  /** Public OAuth clients registered for the PKCE flow (loopback redirect, any port). Default `['sigstore']`. */
  clientIds?: readonly string[];
  /** Allow listening on a non-loopback address. The issuer mints tokens for anyone who asks. */
  allowNonLoopback?: boolean;
}

/** Options of one minted token. */
export interface MintOptions {
  /** `aud`. Default `sigstore`. */
  audience?: string | readonly string[];
  /** Lifetime in seconds. Default 600. */
  lifetimeSeconds?: number;
  /** `iat`/`nbf`; default the issuer's clock. */
  issuedAt?: Date;
  /** Claims added last (tests use them to build tokens a verifier must reject). */
  extraClaims?: Readonly<Record<string, unknown>>;
}

/** A running development issuer. */
export interface DevIssuer {
  /** The issuer URL (`iss`). */
  readonly url: string;
  /** The public key set served at the JWKS endpoint. */
  readonly jwks: { readonly keys: readonly PublicJWK[] };
  /** Mints a token signed with the issuer's key, in process. @throws DevIssuerError `ERR_OIDC_DEV_IDENTITY` */
  mintToken(identity: DevIdentity, options?: MintOptions): string;
  /** Stops listening and drops all state. */
  close(): Promise<void>;
}

const MAX_BODY = 16 * 1024;
const DEFAULT_USER: EmailIdentity = { email: 'developer@signet.test' };

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Starts a development OIDC issuer (oidc-provider): discovery at
 * `/.well-known/openid-configuration`, JWKS at `/jwks`, the authorization-code + PKCE flow for
 * public clients (auto-approved for `defaultUser`), and `POST /dev/token`
 * (`{email | githubWorkflow | gitlabPipeline, audience?, …}` → `{ token }`) for scripts.
 * Loopback only by default: it signs any identity for anyone who can reach it.
 * @throws RangeError when asked to listen on a non-loopback address without `allowNonLoopback`.
 */
export async function createDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && options.allowNonLoopback !== true) {
    throw new RangeError(`the development issuer listens on loopback only (got ${host}); set allowNonLoopback to override`);
  }
  const clock = options.clock ?? (() => new Date());
  const key = await loadSigningKey(options.dataDir);
  const { default: Provider } = await import('oidc-provider');
  const { default: Fastify } = await import('fastify');

  let provider: InstanceType<typeof Provider> | undefined;
  let oidcHandler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  let server: Server | undefined;
  let issuerUrl = '';

  const mintToken = (identity: DevIdentity, mint: MintOptions = {}): string => {
    const claims = identityClaims(identity, issuerUrl);
    const lifetime = mint.lifetimeSeconds ?? 600;
    if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > 86_400) throw new DevIssuerError('ERR_OIDC_DEV_IDENTITY', 'lifetimeSeconds must be 1..86400');
    const iat = Math.floor((mint.issuedAt ?? clock()).getTime() / 1000);
    const aud = mint.audience ?? 'sigstore';
    return signJwt(key, {
      iss: issuerUrl,
      aud: typeof aud === 'string' ? aud : [...aud],
      iat,
      nbf: iat,
      exp: iat + lifetime,
      jti: randomUUID(),
      ...claims,
      ...mint.extraClaims,
    });
  };

  const app = Fastify({
    bodyLimit: MAX_BODY,
    // Route /dev/* to fastify, /interaction/* to the auto-approving login, the rest to oidc-provider.
    serverFactory: (fastifyHandler) => {
      server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0] as string;
        if (path.startsWith('/dev/')) return fastifyHandler(req, res);
        if (path.startsWith('/interaction/')) return void autoApprove(req, res);
        if (oidcHandler === undefined) {
          res.writeHead(503).end();
          return undefined;
        }
        return oidcHandler(req, res);
      });
      return server;
    },
  });
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof SignetError) return reply.code(400).send({ code: err.code, message: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).send({ code: (err as { code?: string }).code ?? 'ERR_INTERNAL', message: status >= 500 ? 'internal error' : (err as Error).message });
  });
  // JSON only: a form or text body is 415, not a guess.
  app.removeContentTypeParser('text/plain');
  app.post('/dev/token', async (request) => {
    const body = request.body as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DevIssuerError('ERR_OIDC_DEV_IDENTITY', 'body must be a JSON object');
    const { audience, lifetimeSeconds, ...identity } = body;
    if (audience !== undefined && typeof audience !== 'string' && !(Array.isArray(audience) && audience.every((a) => typeof a === 'string'))) {
      throw new DevIssuerError('ERR_OIDC_DEV_IDENTITY', 'audience must be a string or an array of strings');
    }
    if (lifetimeSeconds !== undefined && typeof lifetimeSeconds !== 'number') throw new DevIssuerError('ERR_OIDC_DEV_IDENTITY', 'lifetimeSeconds must be a number');
    const allowed = new Set(['email', 'emailVerified', 'githubWorkflow', 'gitlabPipeline', 'environment', 'eventName', 'sha', 'repositoryVisibility', 'runnerEnvironment', 'pipelineSource']);
    for (const k of Object.keys(identity)) if (!allowed.has(k)) throw new DevIssuerError('ERR_OIDC_DEV_IDENTITY', `unknown field ${JSON.stringify(k.slice(0, 50))}`);
    const token = mintToken(identity as unknown as DevIdentity, {
      ...(audience !== undefined ? { audience: audience as string | string[] } : {}),
      ...(lifetimeSeconds !== undefined ? { lifetimeSeconds } : {}),
    });
    return { token };
  });

  const defaultUser = options.defaultUser ?? DEFAULT_USER;
  const userClaims = identityClaims(defaultUser, 'http://localhost');
  const accountId = userClaims['sub'] as string;

  async function autoApprove(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (provider === undefined) throw new Error('not ready');
      const details = await provider.interactionDetails(req, res);
      const clientId = String(details.params['client_id']);
      const grant = (details.grantId !== undefined ? await provider.Grant.find(details.grantId) : undefined)
        ?? new provider.Grant({ accountId, clientId });
      const missing = details.prompt.details;
      const scope = typeof details.params['scope'] === 'string' ? details.params['scope'] : 'openid';
      grant.addOIDCScope(Array.isArray(missing['missingOIDCScope']) ? (missing['missingOIDCScope'] as string[]).join(' ') : scope);
      if (Array.isArray(missing['missingOIDCClaims'])) grant.addOIDCClaims(missing['missingOIDCClaims'] as string[]);
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (e) {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${(e as Error).message}`);
    }
  }

  await app.listen({ host, port: options.port ?? 0 });
  const address = server!.address() as AddressInfo;
  const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  issuerUrl = options.issuer ?? `http://${hostPart}:${address.port}`;

  const store = new MemoryStore();
  const clientIds = options.clientIds ?? ['sigstore'];
  provider = new Provider(issuerUrl, {
    adapter: store.adapterFactory(),
    jwks: { keys: [key.privateJwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: clientIds.map((client_id) => ({
      client_id,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
      // RFC 8252 §7.3: loopback redirects, any port.
      redirect_uris: ['http://localhost/auth/callback', 'http://127.0.0.1/auth/callback', 'http://[::1]/auth/callback'],
    })),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // Put the scope's claims in the id_token itself, as Sigstore's issuers do.
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, id: string) =>
      id === accountId ? { accountId: id, claims: async () => ({ ...userClaims }) } : undefined,
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    clientBasedCORS: () => true,
    renderError: (ctx: { type: string; body: string }, out: Record<string, unknown>) => {
      ctx.type = 'json';
      ctx.body = JSON.stringify(out);
    },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  oidcHandler = provider.callback();

  return {
    url: issuerUrl,
    jwks: { keys: [key.publicJwk] },
    mintToken,
    close: async () => {
      await app.close();
    },
  };
}

