import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { RoleExpiry, TargetInput, TufKeyType } from '@signet/tuf';
import { CliError } from '../errors.js';
import { shutdownSignal } from '../shutdown.js';
import type { Io } from '../program.js';
import { tufCacheDir } from '../trust.js';

// `@signet/tuf` (and through it tuf-js), `@signet/server-tuf` (fastify) and `@signet/verify`'s
// embedded root are imported inside the actions, so that other commands never load them.

function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (cause) {
    throw new CliError('ERR_CLI_IO', `cannot read ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`, { cause });
  }
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new CliError('ERR_CLI_USAGE', `expected an integer 1..16, got ${v}`);
  return n;
}

function days(ms: number): string {
  const d = ms / 86_400_000;
  if (Math.abs(d) >= 2) return `${Math.round(d)} days`;
  return `${Math.round(ms / 3_600_000)} hours`;
}

/** One line per role: version, expiry, and what to do when it is due. */
export function formatExpiry(r: RoleExpiry): string {
  const when = r.expired ? `EXPIRED ${days(-r.remainingMs)} ago` : `in ${days(r.remainingMs)}`;
  let line = `  ${r.role.padEnd(9)} v${String(r.version).padEnd(4)} expires ${r.expires.toISOString()} (${when})`;
  if (r.warn) {
    const fix = r.online ? 'the service re-signs it: is `signet serve tuf` running? or run `signet tuf publish`' : r.role === 'root' ? 'run `signet tuf rotate-root` (add --keep-keys to only extend it)' : 'run `signet tuf publish --keys DIR` or `add-target`';
    line += `\n    warning: ${r.role} ${r.expired ? 'has expired' : `expires within ${days(r.warnWithinMs)}`}: ${fix}`;
  }
  return line;
}

/** trust material to publish at init: the given files, else `DIR/trusted_root.json`, else the embedded public-good root. */
async function initialTargets(dataDir: string, trustedRoot: string | undefined, signingConfig: string | undefined): Promise<{ targets: TargetInput[]; from: string }> {
  const targets: TargetInput[] = [];
  let from: string;
  const local = join(dataDir, 'trusted_root.json');
  if (trustedRoot !== undefined) {
    targets.push({ name: 'trusted_root.json', content: readInput(trustedRoot, 'trusted root') });
    from = trustedRoot;
  } else if (existsSync(local)) {
    targets.push({ name: 'trusted_root.json', content: readInput(local, 'trusted root') });
    from = local;
  } else {
    const { PUBLIC_GOOD_TRUSTED_ROOT } = await import('@signet/verify');
    targets.push({ name: 'trusted_root.json', content: Buffer.from(`${JSON.stringify(PUBLIC_GOOD_TRUSTED_ROOT, null, 2)}\n`) });
    from = 'the embedded public-good root';
  }
  const localConfig = join(dataDir, 'signing_config.v0.2.json');
  const configPath = signingConfig ?? (existsSync(localConfig) ? localConfig : undefined);
  if (configPath !== undefined) targets.push({ name: 'signing_config.v0.2.json', content: readInput(configPath, 'signing config') });
  return { targets, from };
}

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new CliError('ERR_CLI_USAGE', `--listen wants HOST:PORT, got ${listen}`);
  return { host: (m[1] ?? m[2]) as string, port };
}

function published(p: Partial<Record<string, number>>): string {
  return Object.entries(p).map(([role, v]) => `${role} v${v}`).join(', ') || 'nothing';
}

/**
 * Adds `signet tuf init|add-target|rotate-root|publish`, `signet serve tuf`,
 * `signet initialize` and `signet doctor`.
 */
export function registerTufCommands(program: Command, serve: Command, io: Io): void {
  const tuf = program.command('tuf').description('Run a TUF repository that distributes trusted_root.json (offline root and targets keys)');

  tuf
    .command('init')
    .description('Create a TUF repository: keys, root v1, targets with trusted_root.json (and signing config), snapshot, timestamp')
    .requiredOption('--repo <dir>', 'repository directory')
    .option('--keys <dir>', 'where to write the offline root and targets keys (default: <repo>/keys — move them offline)')
    .option('--trusted-root <file>', 'trusted_root.json to publish (default: <repo>/trusted_root.json, else the embedded public-good root)')
    .option('--signing-config <file>', 'signing_config.v0.2.json to publish')
    .addOption(new Option('--key-type <type>', 'key type').choices(['ecdsa-sha2-nistp256', 'ed25519']).default('ecdsa-sha2-nistp256'))
    .option('--root-keys <n>', 'number of root keys', positiveInt, 1)
    .option('--root-threshold <n>', 'root signatures required', positiveInt, 1)
    .action(async (o: { repo: string; keys?: string; trustedRoot?: string; signingConfig?: string; keyType: TufKeyType; rootKeys: number; rootThreshold: number }) => {
      const { TufRepository } = await import('@signet/tuf');
      if (o.rootThreshold > o.rootKeys) throw new CliError('ERR_CLI_USAGE', '--root-threshold cannot exceed --root-keys');
      const { targets, from } = await initialTargets(o.repo, o.trustedRoot, o.signingConfig);
      const keysDir = o.keys ?? join(o.repo, 'keys');
      const repo = TufRepository.init(o.repo, { keysDir, targets, keyType: o.keyType, roles: { root: { keys: o.rootKeys, threshold: o.rootThreshold } } });
      io.out(`created TUF repository in ${repo.dir} (trusted_root.json from ${from})`);
      io.out(`  give clients: ${join(repo.dir, 'root.json')}  (signet initialize --mirror URL --root root.json)`);
      io.out(`  offline root/targets keys: ${keysDir}${o.keys === undefined ? '  — move them off this machine' : ''}`);
      io.out(`  online snapshot/timestamp keys: ${repo.onlineKeysDir}`);
    });

  tuf
    .command('add-target')
    .description('Add or replace a target (trusted_root.json, signing_config.v0.2.json, any file); re-signs targets, snapshot, timestamp')
    .requiredOption('--repo <dir>', 'repository directory')
    .requiredOption('--keys <dir>', 'offline keys directory (targets keys)')
    .option('--name <name>', 'target name (default: the file name)')
    .argument('<file>', 'file to publish')
    .action(async (file: string, o: { repo: string; keys: string; name?: string }) => {
      const { TufRepository } = await import('@signet/tuf');
      const name = o.name ?? basename(file);
      const content = readInput(file, 'target');
      const p = TufRepository.open(o.repo).addTargets([{ name, content }], { keysDir: o.keys });
      io.out(`added ${name} (sha256 ${createHash('sha256').update(content).digest('hex')}): published ${published(p)}`);
    });

  tuf
    .command('rotate-root')
    .description('Write root version N+1 with new root keys, signed by the old and the new keys')
    .requiredOption('--repo <dir>', 'repository directory')
    .requiredOption('--keys <dir>', 'offline keys directory (current root keys; new ones are written here)')
    .option('--keep-keys', 'keep the current root keys: only extend the root expiry')
    .option('--root-keys <n>', 'number of new root keys (default: as now)', positiveInt)
    .option('--root-threshold <n>', 'root signatures required (default: as now)', positiveInt)
    .action(async (o: { repo: string; keys: string; keepKeys?: boolean; rootKeys?: number; rootThreshold?: number }) => {
      const { TufRepository } = await import('@signet/tuf');
      const repo = TufRepository.open(o.repo);
      const p = repo.rotateRoot({
        keysDir: o.keys,
        keepKeys: o.keepKeys === true,
        ...(o.rootKeys !== undefined ? { keys: o.rootKeys } : {}),
        ...(o.rootThreshold !== undefined ? { threshold: o.rootThreshold } : {}),
      });
      io.out(`rotated root: published ${published(p)}; ${join(repo.dir, 'root.json')} is the new root for new clients`);
    });

  tuf
    .command('publish')
    .description('Re-sign snapshot and timestamp now (and targets, when it is due and --keys holds its key)')
    .requiredOption('--repo <dir>', 'repository directory')
    .option('--keys <dir>', 'offline keys directory (targets keys)')
    .option('--targets', 're-sign targets too, whatever its expiry')
    .action(async (o: { repo: string; keys?: string; targets?: boolean }) => {
      const { TufRepository } = await import('@signet/tuf');
      const p = TufRepository.open(o.repo).publish({ ...(o.keys !== undefined ? { keysDir: o.keys } : {}), resignTargets: o.targets === true });
      io.out(`published ${published(p)}`);
    });

  serve
    .command('tuf')
    .description('Serve a TUF repository (metadata at /, targets at /targets/) and re-sign it before it expires')
    .requiredOption('--data-dir <dir>', 'repository directory; created on first start, with DIR/root.json for clients')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8084')
    .option('--resign-interval <seconds>', 'how often to check expirations', (v) => Number(v), 600)
    .action(async (o: { dataDir: string; listen: string; resignInterval: number }) => {
      const { host, port } = parseListen(o.listen);
      if (!Number.isFinite(o.resignInterval) || o.resignInterval <= 0) throw new CliError('ERR_CLI_USAGE', '--resign-interval wants a positive number of seconds');
      const { TufRepository } = await import('@signet/tuf');
      const { createTufServer } = await import('@signet/server-tuf');
      const dataDir = resolve(o.dataDir);
      let repo;
      if (TufRepository.exists(dataDir)) {
        repo = TufRepository.open(dataDir);
      } else {
        const { targets, from } = await initialTargets(dataDir, undefined, undefined);
        repo = TufRepository.init(dataDir, { targets });
        io.err(`created TUF repository in ${dataDir} (trusted_root.json from ${from}); offline keys in ${join(dataDir, 'keys')} — move them off this machine`);
      }
      const { app } = createTufServer({
        repository: repo,
        resignIntervalMs: o.resignInterval * 1000,
        logger: { level: process.env['SIGNET_LOG_LEVEL'] ?? 'info', stream: process.stderr },
      });
      const signal = shutdownSignal();
      await app.listen({ host, port });
      const addr = app.server.address();
      const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
      io.out(`signet serve tuf: http://${host.includes(':') ? `[${host}]` : host}:${bound}/ (root for clients: ${join(dataDir, 'root.json')})`);
      await signal;
      await app.close();
    });

  program
    .command('initialize')
    .description('Fetch and cache trusted_root.json and the signing config from a TUF repository (verified with tuf-js)')
    .option('--mirror <url>', 'TUF repository base URL (default: the one the cache was initialized with)')
    .option('--root <file>', 'root.json to trust first (required for a new cache)')
    .option('--cache-dir <dir>', 'cache directory (default: $SIGNET_TUF_CACHE, $XDG_CACHE_HOME/signet/tuf, ~/.cache/signet/tuf)')
    .option('--offline', 'open no socket: verify and use only the cache')
    .action(async (o: { mirror?: string; root?: string; cacheDir?: string; offline?: boolean }) => {
      const cacheDir = o.cacheDir ?? tufCacheDir();
      if (cacheDir === undefined) throw new CliError('ERR_CLI_USAGE', 'SIGNET_TUF_CACHE=off: give --cache-dir');
      const { bootstrapTrust } = await import('@signet/tuf');
      const t = await bootstrapTrust({
        cacheDir,
        offline: o.offline === true,
        ...(o.mirror !== undefined ? { mirror: o.mirror } : {}),
        ...(o.root !== undefined ? { rootJson: readInput(o.root, 'TUF root') } : {}),
      });
      const sha = createHash('sha256').update(t.trustedRootJSON).digest('hex');
      const root = t.metadata.roles.find((r) => r.role === 'root');
      io.out(`trusted_root.json sha256:${sha} from ${t.mirror} (TUF root v${root?.version ?? '?'}${o.offline === true ? ', offline from cache' : ''})`);
      io.out(t.signingConfigJSON !== undefined ? 'signing_config.v0.2.json cached' : 'no signing_config.v0.2.json in the repository');
      io.out(`cache: ${cacheDir}`);
    });

  program
    .command('doctor')
    .description('Report the TUF cache (verified offline) and, with --repo, a repository\'s expirations')
    .option('--cache-dir <dir>', 'TUF cache directory (default as for initialize)')
    .option('--repo <dir>', 'also check this TUF repository')
    .action(async (o: { cacheDir?: string; repo?: string }) => {
      const { bootstrapTrust, hasTrustCache, readCachedMetadataInfo, TufRepository, TufError } = await import('@signet/tuf');
      let expired = 0;
      const cacheDir = o.cacheDir ?? tufCacheDir();
      if (cacheDir === undefined || !hasTrustCache(cacheDir)) {
        io.out(`TUF cache: none${cacheDir !== undefined ? ` in ${cacheDir}` : ' (SIGNET_TUF_CACHE=off)'}; verification uses --trusted-root or the embedded public-good root`);
      } else {
        const info = readCachedMetadataInfo(cacheDir);
        io.out(`TUF cache: ${cacheDir} (mirror ${info.mirror ?? '?'})`);
        const now = Date.now();
        for (const r of info.roles) {
          const left = r.expires.getTime() - now;
          io.out(`  ${r.role.padEnd(9)} v${String(r.version).padEnd(4)} expires ${r.expires.toISOString()} (${left <= 0 ? `EXPIRED ${days(-left)} ago` : `in ${days(left)}`})`);
        }
        try {
          const t = await bootstrapTrust({ cacheDir, offline: true });
          io.out(`  cached trust root verifies offline: sha256:${createHash('sha256').update(t.trustedRootJSON).digest('hex')}`);
        } catch (e) {
          const code = (e as { code?: string }).code ?? 'internal';
          io.out(`  warning: ${code}: ${(e as Error).message}`);
          if (code === 'ERR_TUF_EXPIRED') io.out('    run `signet initialize` while online to refresh it');
        }
      }
      if (o.repo !== undefined) {
        const repo = TufRepository.open(o.repo);
        io.out(`TUF repository: ${repo.dir}`);
        for (const r of repo.expiryReport()) {
          io.out(formatExpiry(r));
          if (r.expired) expired++;
        }
      }
      if (expired > 0) throw new TufError('ERR_TUF_EXPIRED', `${expired} role(s) of ${o.repo} have expired: clients reject the repository`);
    });
}
