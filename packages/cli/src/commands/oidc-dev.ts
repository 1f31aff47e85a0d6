import { resolve } from 'node:path';
import type { Command } from 'commander';
import { SignetError } from '@signet/core';
import { CliError } from '../errors.js';
import { shutdownSignal } from '../shutdown.js';
import type { Io } from '../program.js';

// `@signet/server-oidc-dev` (and through it oidc-provider and fastify) is imported inside the
// action, so that other commands never load it.

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError('ERR_CLI_USAGE', `--listen wants HOST:PORT, got ${listen}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function httpUrl(flag: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError('ERR_CLI_USAGE', `${flag} wants an absolute http(s) URL, got ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError('ERR_CLI_USAGE', `${flag} wants an absolute http(s) URL, got ${url}`);
  return url.replace(/\/+$/, '');
}

interface ServeOidcDevOptions {
  listen: string;
  issuer?: string;
  dataDir?: string;
  userEmail?: string;
}

interface TokenOptions {
  issuer: string;
  email?: string;
  githubWorkflow?: string;
  gitlabPipeline?: string;
  audience?: string;
}

/** Asks a running development issuer for a token (`POST /dev/token`). Never logs the token. */
async function requestDevToken(o: TokenOptions): Promise<string> {
  const given = [o.email !== undefined, o.githubWorkflow !== undefined, o.gitlabPipeline !== undefined].filter(Boolean).length;
  if (given !== 1) throw new CliError('ERR_CLI_USAGE', 'name exactly one of --email, --github-workflow, --gitlab-pipeline');
  const issuer = httpUrl('--issuer', o.issuer);
  const body = {
    ...(o.email !== undefined ? { email: o.email } : {}),
    ...(o.githubWorkflow !== undefined ? { githubWorkflow: o.githubWorkflow } : {}),
    ...(o.gitlabPipeline !== undefined ? { gitlabPipeline: o.gitlabPipeline } : {}),
    ...(o.audience !== undefined ? { audience: o.audience } : {}),
  };
  // Loaded here, not at the top: @signet/oidc pulls in jose, which other commands never need.
  const { OidcError } = await import('@signet/oidc');
  let res: Response;
  try {
    res = await fetch(`${issuer}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
  } catch (cause) {
    throw new OidcError('ERR_OIDC_ACQUIRE', `cannot reach the development issuer at ${issuer}: ${(cause as Error).message}`, { cause });
  }
  let answer: { token?: unknown; code?: unknown; message?: unknown };
  try {
    answer = (await res.json()) as typeof answer;
  } catch (cause) {
    throw new OidcError('ERR_OIDC_ACQUIRE', `${issuer} answered HTTP ${res.status} without JSON: is it a Signet development issuer?`, { cause });
  }
  if (res.status === 400 && typeof answer.code === 'string' && answer.code.startsWith('ERR_')) {
    // Relay the issuer's own code (ERR_OIDC_DEV_IDENTITY) and message.
    throw new SignetError(answer.code, String(answer.message ?? 'rejected'));
  }
  if (res.status !== 200 || typeof answer.token !== 'string') {
    throw new OidcError('ERR_OIDC_ACQUIRE', `${issuer} answered HTTP ${res.status} without a token`);
  }
  return answer.token;
}

/** Adds `signet serve oidc-dev` and `signet oidc-dev token`. */
export function registerOidcDevCommands(program: Command, serve: Command, io: Io): void {
  serve
    .command('oidc-dev')
    .description('Run a development OIDC issuer (discovery, JWKS, auto-approved PKCE login, POST /dev/token). Never expose it: it signs any identity')
    .option('--listen <host:port>', 'loopback address to listen on', '127.0.0.1:5556')
    .option('--issuer <url>', 'issuer URL put in tokens (default: http://<listen address>)')
    .option('--data-dir <dir>', 'keep the signing key here (mode 0600) so tokens stay verifiable across restarts')
    .option('--user-email <addr>', 'who the browser login signs in as', 'developer@signet.test')
    .action(async (o: ServeOidcDevOptions) => {
      const { host, port } = parseListen(o.listen);
      const issuerUrl = o.issuer === undefined ? undefined : httpUrl('--issuer', o.issuer);
      const { createDevIssuer } = await import('@signet/server-oidc-dev');
      const signal = shutdownSignal();
      let dev;
      try {
        dev = await createDevIssuer({
          host,
          port,
          defaultUser: { email: o.userEmail ?? 'developer@signet.test' },
          ...(issuerUrl !== undefined ? { issuer: issuerUrl } : {}),
          ...(o.dataDir !== undefined ? { dataDir: resolve(o.dataDir) } : {}),
        });
      } catch (cause) {
        if (cause instanceof RangeError) throw new CliError('ERR_CLI_USAGE', cause.message, { cause });
        throw cause;
      }
      io.out(`signet serve oidc-dev: ${dev.url} (discovery: ${dev.url}/.well-known/openid-configuration; tokens: POST ${dev.url}/dev/token)`);
      await signal;
      await dev.close();
    });

  program
    .command('oidc-dev')
    .description('Work with a running development OIDC issuer')
    .command('token')
    .description('Print a fresh identity token from a development issuer (for scripts and tests)')
    .requiredOption('--issuer <url>', 'URL of a running `signet serve oidc-dev`')
    .option('--email <addr>', 'an email identity (email_verified: true)')
    .option('--github-workflow <ref>', 'a GitHub Actions identity: OWNER/REPO/.github/workflows/F.yml@REF')
    .option('--gitlab-pipeline <ref>', 'a GitLab CI identity: GROUP/PROJECT@REF')
    .option('--audience <aud>', 'token audience (default sigstore)')
    .action(async (o: TokenOptions) => {
      io.out(await requestDevToken(o));
    });
}
