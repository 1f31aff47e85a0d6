import { resolve } from 'node:path';
import { Command } from 'commander';
import { CliError } from '../errors.js';
import { shutdownSignal } from '../shutdown.js';
import type { Io } from '../program.js';

// `@signet/server-ca` (and through it fastify, the CT log, SQLite) is imported inside the
// actions, so that other commands never load it.

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CliError('ERR_CLI_USAGE', `--listen wants HOST:PORT, got ${listen}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

const FRIENDLY: Record<string, string> = {
  '1.3.6.1.4.1.57264.1.1': 'issuer (v1, raw)',
  '1.3.6.1.4.1.57264.1.2': 'githubWorkflowTrigger (deprecated)',
  '1.3.6.1.4.1.57264.1.3': 'githubWorkflowSHA (deprecated)',
  '1.3.6.1.4.1.57264.1.4': 'githubWorkflowName (deprecated)',
  '1.3.6.1.4.1.57264.1.5': 'githubWorkflowRepository (deprecated)',
  '1.3.6.1.4.1.57264.1.6': 'githubWorkflowRef (deprecated)',
  '1.3.6.1.4.1.57264.1.8': 'issuer',
  '1.3.6.1.4.1.57264.1.9': 'buildSignerURI',
  '1.3.6.1.4.1.57264.1.10': 'buildSignerDigest',
  '1.3.6.1.4.1.57264.1.11': 'runnerEnvironment',
  '1.3.6.1.4.1.57264.1.12': 'sourceRepositoryURI',
  '1.3.6.1.4.1.57264.1.13': 'sourceRepositoryDigest',
  '1.3.6.1.4.1.57264.1.14': 'sourceRepositoryRef',
  '1.3.6.1.4.1.57264.1.15': 'sourceRepositoryIdentifier',
  '1.3.6.1.4.1.57264.1.16': 'sourceRepositoryOwnerURI',
  '1.3.6.1.4.1.57264.1.17': 'sourceRepositoryOwnerIdentifier',
  '1.3.6.1.4.1.57264.1.18': 'buildConfigURI',
  '1.3.6.1.4.1.57264.1.19': 'buildConfigDigest',
  '1.3.6.1.4.1.57264.1.20': 'buildTrigger',
  '1.3.6.1.4.1.57264.1.21': 'runInvocationURI',
  '1.3.6.1.4.1.57264.1.22': 'sourceRepositoryVisibilityAtSigning',
  '1.3.6.1.4.1.57264.1.23': 'deploymentEnvironment',
  '1.3.6.1.4.1.57264.1.24': 'tokenSubject',
};

function decodeClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  try {
    const claims = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('not an object');
    return claims as Record<string, unknown>;
  } catch (cause) {
    throw new CliError('ERR_CLI_INPUT', 'the token is not a JWT', { cause });
  }
}

/** `signet ca whoami` and `signet serve ca`. */
export function registerCaCommands(program: Command, serve: Command, io: Io): void {
  const ca = program.command('ca').description('Certificate authority (Fulcio-compatible) tools');
  ca.command('whoami')
    .description('Print the SAN and extensions a certificate for this token would carry, without issuing. ' +
      'The token is verified against its issuer (discovery and JWKS must be reachable) unless --insecure-skip-verify.')
    .requiredOption('--token <jwt>', 'OIDC identity token')
    .requiredOption('--issuers <file>', 'issuer configuration (Fulcio format, YAML or JSON)')
    .option('--insecure-skip-verify', 'INSECURE: do not verify the token (signature, expiry, audience); only map its claims')
    .option('--json', 'print JSON')
    .action(async (o: { token: string; issuers: string; insecureSkipVerify?: boolean; json?: boolean }) => {
      const server = await import('@signet/server-ca');
      const config = server.loadCAConfig(resolve(o.issuers));
      const authority = new server.CertificateAuthority({ config, keys: await server.generateCA() });
      const principal = o.insecureSkipVerify ? authority.identifyClaims(decodeClaims(o.token)) : await authority.identify(o.token);
      if (o.json) {
        io.out(JSON.stringify({ verified: !o.insecureSkipVerify, ...principal }, null, 2));
        return;
      }
      if (o.insecureSkipVerify) io.err('warning: the token was NOT verified (--insecure-skip-verify): this only shows how its claims map');
      io.out(`SAN (${principal.san.type}): ${principal.san.value}`);
      io.out(`proof of possession signs: ${principal.challenge}`);
      for (const e of principal.extensions) io.out(`${e.oid} ${FRIENDLY[e.oid] ?? ''}: ${e.value}`);
    });

  serve.command('ca')
    .description('Run the certificate authority (Fulcio API v2) with its RFC 6962 CT log (/ct/v1/...)')
    .requiredOption('--data-dir <dir>', 'CA keys (created on first start, 0600), CT log, trusted_root.json')
    .requiredOption('--issuers <file>', 'issuer configuration (Fulcio format, YAML or JSON)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5555')
    .option('--url <url>', 'public base URL written into trusted_root.json (default: http://<listen address>)')
    .option('--ca-chain <file>', 'use an existing CA: PEM chain, issuing certificate first')
    .option('--ca-key <file>', 'the issuing certificate\'s PEM private key (with --ca-chain)')
    .action(async (o: { dataDir: string; issuers: string; listen: string; url?: string; caChain?: string; caKey?: string }) => {
      const { host, port } = parseListen(o.listen);
      if ((o.caChain === undefined) !== (o.caKey === undefined)) throw new CliError('ERR_CLI_USAGE', '--ca-chain and --ca-key go together');
      const server = await import('@signet/server-ca');
      const signal = shutdownSignal();
      const started = await server.startCAServer({
        dataDir: resolve(o.dataDir), issuers: resolve(o.issuers), host, port,
        ...(o.url ? { publicUrl: o.url.replace(/\/+$/, '') } : {}),
        ...(o.caChain && o.caKey ? { caFiles: { certificateChainFile: resolve(o.caChain), keyFile: resolve(o.caKey) } } : {}),
      });
      io.out(started.url);
      io.err(`CA listening on ${started.url} (Fulcio API v2 at /api/v2, CT log at /ct/v1); trusted root: ${started.trustedRootPath}`);
      await signal;
      await started.close();
    });
}
