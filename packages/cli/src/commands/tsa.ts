import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { parseCertificate } from '@signet/core';
import { parseTrustedRoot, serializeTrustedRoot } from '@signet/bundle';
import type { GeneratedKeyType, TimestampSigner } from '@signet/server-tsa';
import { CliError } from '../errors.js';
import { shutdownSignal } from '../shutdown.js';
import type { Io } from '../program.js';

// `@signet/server-tsa` (and through it fastify) is imported inside the action, so that other
// commands never load it.

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError('ERR_CLI_USAGE', `--listen wants HOST:PORT, got ${listen}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function publicUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CliError('ERR_CLI_USAGE', `--url wants an absolute http(s) URL, got ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CliError('ERR_CLI_USAGE', `--url wants an absolute http(s) URL, got ${url}`);
  return u.href.replace(/\/+$/, '');
}

/** True when `path` holds a trusted root that lists `leaf` as a timestamp authority's first certificate. */
async function listsLeaf(path: string, leaf: Buffer): Promise<boolean | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError('ERR_CLI_IO', `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
  try {
    return parseTrustedRoot(text).timestampAuthorities.some((t) => t.certChain.certificates[0]?.equals(leaf) === true);
  } catch {
    return false;
  }
}

interface ServeTsaOptions {
  dataDir: string;
  listen: string;
  url?: string;
  key?: string;
  chain?: string;
  keyType: GeneratedKeyType;
  policy?: string;
  acceptPolicy?: string[];
}

/** Adds `signet serve tsa`. */
export function registerTsaCommands(_program: Command, serve: Command, io: Io): void {
  serve
    .command('tsa')
    .description('Run an RFC 3161 timestamp authority (Sigstore timestamp-authority API); writes DIR/trusted_root.json listing it')
    .requiredOption('--data-dir <dir>', 'TSA directory: key and chain are generated here on first start (key file mode 0600)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:3000')
    .option('--url <url>', 'public base URL of this TSA, for trusted_root.json (default: http://<listen address>)')
    .option('--key <file>', 'PEM private key of an existing TSA (with --chain) instead of the data-directory key')
    .option('--chain <file>', 'PEM certificate chain of that key, TSA leaf first')
    .addOption(new Option('--key-type <type>', 'key type generated on first start').choices(['ecdsa-p256', 'ecdsa-p384', 'rsa-3072']).default('ecdsa-p256'))
    .option('--policy <oid>', 'policy OID of requests that name none (default 1.3.6.1.4.1.57264.2)')
    .addOption(new Option('--accept-policy <oid>', 'another policy OID a request may name (repeatable)').argParser(collect))
    .action(async (o: ServeTsaOptions) => {
      const { host, port } = parseListen(o.listen);
      if ((o.key === undefined) !== (o.chain === undefined)) throw new CliError('ERR_CLI_USAGE', '--key and --chain go together');
      const baseUrl = o.url === undefined ? undefined : publicUrl(o.url);
      const tsa = await import('@signet/server-tsa');
      const dataDir = resolve(o.dataDir);
      let signer: TimestampSigner;
      if (o.key !== undefined && o.chain !== undefined) {
        signer = await tsa.loadTimestampSigner({ keyPath: resolve(o.key), chainPath: resolve(o.chain) });
        try {
          await mkdir(dataDir, { recursive: true, mode: 0o700 });
        } catch (cause) {
          throw new CliError('ERR_CLI_IO', `cannot create ${dataDir}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
        }
      } else {
        const opened = await tsa.openTimestampSignerDir(dataDir, { keyType: o.keyType });
        signer = opened.signer;
        if (opened.created) io.err(`created a TSA key and chain in ${dataDir} (${opened.keyPath}, ${opened.chainPath})`);
      }
      let authority;
      try {
        authority = new tsa.TimestampAuthority({ signer, ...(o.policy === undefined ? {} : { policy: o.policy }), acceptedPolicies: o.acceptPolicy ?? [] });
      } catch (cause) {
        if (cause instanceof RangeError) throw new CliError('ERR_CLI_USAGE', cause.message, { cause });
        throw cause;
      }
      // Tokens are refused outside the chain's validity: say so long before it happens.
      const notAfter = Math.min(...authority.certificateChain.map((der) => parseCertificate(der).notAfter.getTime()));
      if (notAfter - Date.now() < 30 * 86_400_000) {
        io.err(`warning: the TSA certificate chain ${notAfter <= Date.now() ? 'expired' : 'expires'} ${new Date(notAfter).toISOString()}; timestamps are refused outside it: issue a new TSA (a new data directory, or --key/--chain) and publish its trusted root`);
      }
      const app = tsa.createTimestampServer(authority, { logger: { level: process.env['SIGNET_LOG_LEVEL'] ?? 'warn', stream: process.stderr } });
      const signal = shutdownSignal();
      try {
        await app.listen({ host, port });
        const addr = app.server.address();
        const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
        const listening = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
        const url = baseUrl ?? listening;

        // The trust material of this TSA, for verifiers (and for `signet tuf init` to publish).
        const rootPath = join(dataDir, 'trusted_root.json');
        const current = await listsLeaf(rootPath, authority.certificateChain[0] as Buffer);
        if (current !== true) {
          const root = tsa.timestampAuthorityTrustedRoot(authority.certificateChain, { uri: `${url}/api/v1/timestamp` });
          const tmp = `${rootPath}.${process.pid}.tmp`;
          try {
            await writeFile(tmp, `${JSON.stringify(serializeTrustedRoot(root), null, 2)}\n`, { mode: 0o644 });
            await rename(tmp, rootPath);
          } catch (cause) {
            throw new CliError('ERR_CLI_IO', `cannot write ${rootPath}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
          }
          io.err(current === false ? `replaced ${rootPath}: it did not list this TSA` : `wrote ${rootPath}`);
        }
        io.out(`signet serve tsa: ${listening}/ (POST /api/v1/timestamp, GET /api/v1/timestamp/certchain; trusted root: ${rootPath})`);
      } catch (err) {
        await app.close();
        throw err;
      }
      await signal;
      await app.close();
    });
}
