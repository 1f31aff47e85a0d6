import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SignetError } from '@signet/core';
import { parseSigningConfig, parseTrustedRoot, type SigningConfig, type TrustedRoot } from '@signet/bundle';
import { TufError, type TufErrorCode } from './errors.js';
import { writeFileAtomic } from './files.js';
import { SIGNING_CONFIG_TARGET, TRUSTED_ROOT_TARGET } from './repository.js';

/** Options of {@link bootstrapTrust}. */
export interface BootstrapTrustOptions {
  /** Base URL of the TUF repository; default: the mirror this cache was initialized with. */
  readonly mirror?: string;
  /** The root.json to trust first (JSON text or bytes). Required for an empty cache. */
  readonly rootJson?: string | Uint8Array;
  /** Where metadata and targets are cached. */
  readonly cacheDir: string;
  /** Read the cache only: no socket is opened; fails when the cache is missing or expired. */
  readonly offline?: boolean;
  /** Use cached metadata while it is valid; go to the mirror only when it is not. */
  readonly forceCache?: boolean;
  /** Retries per download (default 1) and per-request timeout (default 30 s). */
  readonly fetchRetries?: number;
  readonly fetchTimeoutMs?: number;
}

/** What a client bootstrap yields: the trust root and signing config, verified through TUF. */
export interface TrustBootstrap {
  readonly mirror: string;
  readonly cacheDir: string;
  readonly trustedRootJSON: string;
  readonly trustedRoot: TrustedRoot;
  readonly signingConfigJSON?: string;
  readonly signingConfig?: SigningConfig;
  /** The cached metadata's versions and expirations after the update. */
  readonly metadata: CachedMetadataInfo;
}

/** Versions and expirations of cached metadata, for `signet doctor`. */
export interface CachedMetadataInfo {
  readonly mirror?: string;
  readonly roles: { role: string; version: number; expires: Date }[];
}

interface CacheRecord {
  mirror: string;
  seedSha256: string;
}

const TARGETS = [TRUSTED_ROOT_TARGET, SIGNING_CONFIG_TARGET] as const;

/**
 * Fetches (or, offline, reads from the cache) `trusted_root.json` and `signing_config.v0.2.json`
 * through a TUF client (tuf-js, TUF 1.0 §5 client workflow): root rotation, freeze, rollback
 * and mix-and-match protection, target hashes. A new `rootJson` or another mirror resets the
 * cache; the same one keeps the cached (possibly newer) root.
 *
 * Cache layout: `<cacheDir>/remote.json` (mirror, sha256 of the seed root),
 * `<cacheDir>/metadata/{root,timestamp,snapshot,targets}.json`, `<cacheDir>/targets/<name>`.
 * @throws TufError `ERR_TUF_NOT_FOUND` (empty cache, no root), `ERR_TUF_OFFLINE`, `ERR_TUF_EXPIRED`,
 *   `ERR_TUF_SIGNATURE`, `ERR_TUF_HASH`, `ERR_TUF_VERSION`, `ERR_TUF_FETCH`, `ERR_TUF_METADATA`,
 *   `ERR_TUF_TARGET_MISSING`.
 * @throws BundleError when the trusted root or signing config target does not parse.
 */
export async function bootstrapTrust(options: BootstrapTrustOptions): Promise<TrustBootstrap> {
  const { cacheDir } = options;
  const metadataDir = join(cacheDir, 'metadata');
  const targetDir = join(cacheDir, 'targets');
  const record = readRecord(cacheDir);
  let mirror = options.mirror ?? record?.mirror;
  if (mirror === undefined) {
    throw new TufError('ERR_TUF_NOT_FOUND', `no TUF cache in ${cacheDir}: run signet initialize --mirror URL --root root.json`);
  }
  mirror = mirror.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(mirror)) throw new TufError('ERR_TUF_FETCH', `mirror ${mirror} is not an http(s) URL`);

  if (options.rootJson !== undefined) {
    const seed = Buffer.from(options.rootJson);
    const seedSha256 = createHash('sha256').update(seed).digest('hex');
    if (record?.mirror !== mirror || record.seedSha256 !== seedSha256 || !existsSync(join(metadataDir, 'root.json'))) {
      rmSync(metadataDir, { recursive: true, force: true });
      rmSync(targetDir, { recursive: true, force: true });
      mkdirSync(metadataDir, { recursive: true });
      writeFileAtomic(join(metadataDir, 'root.json'), seed);
      writeFileAtomic(join(cacheDir, 'remote.json'), `${JSON.stringify({ mirror, seedSha256 } satisfies CacheRecord)}\n`);
    }
  } else if (record === undefined || record.mirror !== mirror || !existsSync(join(metadataDir, 'root.json'))) {
    throw new TufError('ERR_TUF_NOT_FOUND', `no TUF cache for ${mirror} in ${cacheDir}: run signet initialize --mirror URL --root root.json`);
  }
  mkdirSync(targetDir, { recursive: true });

  // Loaded here, not at module load: verification without a TUF cache never pays for tuf-js.
  const { Updater, BaseFetcher } = await import('tuf-js');
  const attempted: string[] = [];
  class OfflineFetcher extends BaseFetcher {
    override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
      attempted.push(url);
      throw new TufError('ERR_TUF_OFFLINE', `offline: not fetching ${url}`);
    }
  }
  const offline = options.offline === true;
  try {
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: mirror,
      targetDir,
      targetBaseUrl: `${mirror}/targets/`,
      forceCache: offline || options.forceCache === true,
      config: { fetchRetry: options.fetchRetries ?? 1, fetchTimeout: options.fetchTimeoutMs ?? 30_000 },
      ...(offline ? { fetcher: new OfflineFetcher() } : {}),
    });
    await updater.refresh();
    const texts: Partial<Record<(typeof TARGETS)[number], string>> = {};
    for (const name of TARGETS) {
      const info = await updater.getTargetInfo(name);
      if (!info) {
        if (name === TRUSTED_ROOT_TARGET) throw new TufError('ERR_TUF_TARGET_MISSING', `the repository at ${mirror} lists no ${name}`);
        continue;
      }
      let path = await updater.findCachedTarget(info);
      if (path === undefined) {
        if (offline) throw new TufError('ERR_TUF_OFFLINE', `offline: ${name} is not in the cache ${cacheDir}`);
        path = await updater.downloadTarget(info);
      }
      texts[name] = readFileSync(path, 'utf8');
    }
    const trustedRootJSON = texts[TRUSTED_ROOT_TARGET] as string;
    const signingConfigJSON = texts[SIGNING_CONFIG_TARGET];
    return {
      mirror,
      cacheDir,
      trustedRootJSON,
      trustedRoot: parseTrustedRoot(trustedRootJSON),
      ...(signingConfigJSON !== undefined ? { signingConfigJSON, signingConfig: parseSigningConfig(signingConfigJSON) } : {}),
      metadata: readCachedMetadataInfo(cacheDir),
    };
  } catch (e) {
    if (offline && attempted.length > 0) {
      const expired = readCachedMetadataInfo(cacheDir).roles.find((r) => r.expires.getTime() <= Date.now());
      if (expired) {
        throw new TufError('ERR_TUF_EXPIRED', `cached ${expired.role}.json expired at ${expired.expires.toISOString()}; refresh online with signet initialize`, { cause: e });
      }
      throw new TufError('ERR_TUF_OFFLINE', `offline, and the cache in ${cacheDir} cannot answer without ${attempted[0]}`, { cause: e });
    }
    throw toTufError(e, mirror);
  }
}

/** The versions and expirations in a client cache (unverified: for display only). */
export function readCachedMetadataInfo(cacheDir: string): CachedMetadataInfo {
  const roles: CachedMetadataInfo['roles'] = [];
  for (const role of ['root', 'targets', 'snapshot', 'timestamp']) {
    try {
      const md = JSON.parse(readFileSync(join(cacheDir, 'metadata', `${role}.json`), 'utf8')) as { signed?: { version?: unknown; expires?: unknown } };
      if (typeof md.signed?.version === 'number' && typeof md.signed.expires === 'string') {
        roles.push({ role, version: md.signed.version, expires: new Date(md.signed.expires) });
      }
    } catch {
      // absent or unreadable: not cached
    }
  }
  const mirror = readRecord(cacheDir)?.mirror;
  return mirror === undefined ? { roles } : { mirror, roles };
}

/** True when `cacheDir` holds an initialized client cache. */
export function hasTrustCache(cacheDir: string): boolean {
  return readRecord(cacheDir) !== undefined && existsSync(join(cacheDir, 'metadata', 'root.json'));
}

function readRecord(cacheDir: string): CacheRecord | undefined {
  try {
    const r = JSON.parse(readFileSync(join(cacheDir, 'remote.json'), 'utf8')) as Partial<CacheRecord>;
    return typeof r.mirror === 'string' && typeof r.seedSha256 === 'string' ? { mirror: r.mirror, seedSha256: r.seedSha256 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps tuf-js and @tufjs/models failures onto our codes. tuf-js flattens some causes into the
 * message of a RuntimeError ("Unable to load snapshot metadata error …"), hence the fallbacks.
 */
function toTufError(e: unknown, mirror: string): Error {
  if (e instanceof SignetError) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const byName: Record<string, TufErrorCode> = {
    ExpiredMetadataError: 'ERR_TUF_EXPIRED',
    UnsignedMetadataError: 'ERR_TUF_SIGNATURE',
    LengthOrHashMismatchError: 'ERR_TUF_HASH',
    DownloadLengthMismatchError: 'ERR_TUF_HASH',
    BadVersionError: 'ERR_TUF_VERSION',
    EqualVersionError: 'ERR_TUF_VERSION',
    DownloadHTTPError: 'ERR_TUF_FETCH',
    DownloadError: 'ERR_TUF_FETCH',
    ValueError: 'ERR_TUF_METADATA',
    SyntaxError: 'ERR_TUF_METADATA',
  };
  let code = byName[err.constructor.name];
  if (code === undefined) {
    const m = err.message;
    if (/expired/i.test(m)) code = 'ERR_TUF_EXPIRED';
    else if (/signed by \d+\/\d+|failed to verify|signature/i.test(m)) code = 'ERR_TUF_SIGNATURE';
    else if (/Expected (hash|length)|Max length/i.test(m)) code = 'ERR_TUF_HASH';
    else if (/version/i.test(m)) code = 'ERR_TUF_VERSION';
    else if (/fetch failed|Failed to download|ECONNREFUSED|ENOTFOUND|timeout|aborted/i.test(m)) code = 'ERR_TUF_FETCH';
    else code = 'ERR_TUF_METADATA';
  }
  const status = (err as { statusCode?: number }).statusCode;
  const detail = status !== undefined ? `HTTP ${status}` : err.message;
  return new TufError(code, `TUF update from ${mirror} failed: ${detail}`, { cause: err });
}
