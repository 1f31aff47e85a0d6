import { writeFileSync, renameSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { serializeTrustedRoot } from '@signet/bundle';
import { noteVerifierFromPublicKey, type NoteVerifier } from '@signet/merkle';
import { LogError, openLog, type FsckReport, type TransparencyLog, type WitnessHook } from '@signet/log';
import { fsck } from '@signet/log';
import { KEY_FILES, checkpointSigners, loadOrCreateLogKeys, trustedRootForLog, type LogKeys } from './log-keys.js';
import { TLogService } from './tlog-service.js';
import { buildTLogServer } from './http/server.js';

/** How to run a transparency log server from a data directory. */
export interface TLogServerConfig {
  dataDir: string;
  /** Host to listen on (loopback by default). */
  host?: string;
  /** Port; 0 picks a free one. */
  port: number;
  /** Checkpoint origin for a new log; default `<host>:<port>` of the listen address. */
  origin?: string;
  /** Public base URL written into trusted_root.json; default `http://<host>:<port>`. */
  baseUrl?: string;
  batchSize?: number;
  batchDelayMs?: number;
  checkpointIntervalMs?: number;
  maxPending?: number;
  bodyLimit?: number;
  witnesses?: readonly WitnessHook[];
  clock?: () => Date;
  logger?: boolean | object;
  /** Entry worker threads (see `TLogServiceOptions.workers`). */
  workers?: number;
  /** Where the log engine runs (`LogOptions.thread`); default `'worker'`: storage never blocks the HTTP thread. */
  logThread?: 'inline' | 'worker';
  /** See `TLogServerOptions.fastCreatePath`. */
  fastCreatePath?: boolean;
}

/** A running transparency log server. */
export interface RunningTLogServer {
  readonly url: string;
  readonly keys: LogKeys;
  readonly log: TransparencyLog;
  readonly service: TLogService;
  readonly app: FastifyInstance;
  /** `DIR/trusted_root.json`. */
  readonly trustedRootPath: string;
  /** Stops listening, then closes the log (pending appends are sequenced, published, fsynced). */
  close(): Promise<void>;
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text, { mode: 0o644 });
  renameSync(`${path}.tmp`, path);
}

/**
 * Opens (or creates) the log in `dataDir`, starts the HTTP server and writes
 * `DIR/trusted_root.json` for the listen URL. Keys are made on first start (0600).
 */
export async function startTLogServer(config: TLogServerConfig): Promise<RunningTLogServer> {
  const host = config.host ?? '127.0.0.1';
  const clock = config.clock ?? (() => new Date());
  // The origin of a new log defaults to the listen address; with port 0 it is only known after
  // listening, so the keys are loaded after `listen` in that case.
  const existing = existsSync(join(config.dataDir, KEY_FILES.config));
  let app: FastifyInstance | undefined;
  let log: TransparencyLog | undefined;
  let service: TLogService | undefined;
  try {
    const hostPort = (port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const deferred = createDeferredService();
    app = await buildTLogServer({ service: deferred.proxy, ...(config.bodyLimit !== undefined ? { bodyLimit: config.bodyLimit } : {}), logger: config.logger ?? false, ...(config.fastCreatePath !== undefined ? { fastCreatePath: config.fastCreatePath } : {}) });
    await app.listen({ host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = config.baseUrl ?? `http://${hostPort(port)}`;
    const { keys, createdAt } = loadOrCreateLogKeys(config.dataDir, existing ? config.origin : (config.origin ?? hostPort(port)), clock);
    log = await openLog({
      dataDir: config.dataDir,
      origin: keys.origin,
      signers: checkpointSigners(keys),
      // Only a configured clock: with the real one the engine thread signs checkpoints itself
      // (docs/log-storage.md), instead of a round trip through this busy HTTP thread.
      ...(config.clock !== undefined ? { clock: config.clock } : {}),
      thread: config.logThread ?? 'worker',
      ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
      ...(config.batchDelayMs !== undefined ? { batchDelayMs: config.batchDelayMs } : {}),
      ...(config.checkpointIntervalMs !== undefined ? { checkpointIntervalMs: config.checkpointIntervalMs } : {}),
      ...(config.maxPending !== undefined ? { maxPending: config.maxPending } : {}),
      ...(config.witnesses !== undefined ? { witnesses: config.witnesses } : {}),
    });
    service = new TLogService({ log, keys, ...(config.workers !== undefined ? { workers: config.workers } : {}) });
    deferred.resolve(service);
    const trustedRootPath = join(config.dataDir, KEY_FILES.trustedRoot);
    writeAtomically(trustedRootPath, `${JSON.stringify(serializeTrustedRoot(trustedRootForLog(keys, url, createdAt)), null, 2)}\n`);
    const openApp = app;
    const openLogRef = log;
    const openService = service;
    let closing: Promise<void> | undefined;
    return {
      url, keys, log, service, app, trustedRootPath,
      close() {
        closing ??= (async () => {
          try {
            await openApp.close();
          } finally {
            try {
              await openLogRef.close();
            } finally {
              // Last: requests finishing during the log's drain still need their SETs signed.
              await openService.close();
            }
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await log?.close().catch(() => undefined);
    await service?.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The HTTP server must listen before the keys exist when the origin comes from an ephemeral port;
 * until the log is open every route answers 503 (a TLogService whose log is not there yet).
 */
function createDeferredService(): { proxy: TLogService; resolve(s: TLogService): void } {
  let target: TLogService | undefined;
  const unavailable = (): never => {
    throw new LogError('ERR_LOG_CLOSED', 'the log is starting');
  };
  // Methods are bound once: every create request goes through here.
  const bound = new Map<string | symbol, unknown>();
  const proxy = new Proxy({} as TLogService, {
    get(_t, prop) {
      if (!target) {
        if (prop === 'log') return new Proxy({}, { get: () => unavailable });
        return unavailable;
      }
      const known = bound.get(prop);
      if (known !== undefined) return known;
      const v = (target as unknown as Record<string | symbol, unknown>)[prop];
      if (typeof v !== 'function') return v;
      const f = (v as (...a: unknown[]) => unknown).bind(target);
      bound.set(prop, f);
      return f;
    },
  });
  return { proxy, resolve(s) { target = s; } };
}

/** Note verifiers for this log's checkpoints (both keys), e.g. for `fsck`. */
export function checkpointVerifiers(keys: LogKeys): NoteVerifier[] {
  return [noteVerifierFromPublicKey(keys.origin, keys.notePublicKey), noteVerifierFromPublicKey(keys.origin, keys.setPublicKey)];
}

/**
 * `signet log fsck`: re-derives the tree from the stored entries and checks every tile and every
 * stored checkpoint (signed by this log's keys, consistent with the tree).
 * @throws Error when `dataDir` holds no log
 */
export async function fsckLog(dataDir: string): Promise<FsckReport> {
  if (!existsSync(join(dataDir, KEY_FILES.config))) throw new Error(`${dataDir} holds no transparency log (no ${KEY_FILES.config})`);
  const { keys } = loadOrCreateLogKeys(dataDir, undefined);
  return fsck({ dataDir }, checkpointVerifiers(keys));
}
