import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Clock, TufRepository } from '@signet/tuf';
import { TufResigner } from './resigner.js';

/** Options of {@link createTufServer}. */
export interface TufServerOptions {
  readonly repository: TufRepository;
  readonly clock?: Clock;
  /** Re-signer check interval in ms (default 10 minutes); 0 disables the timer. */
  readonly resignIntervalMs?: number;
  /** fastify logger option (pino options, `true`, or `false`). */
  readonly logger?: FastifyServerOptions['logger'];
}

/** The HTTP app and its re-signer (started when the app is ready, stopped on close). */
export interface TufServer {
  readonly app: FastifyInstance;
  readonly resigner: TufResigner;
}

// Only these names exist; anything else — `..`, `%2F`, other files in the data dir — is a 404.
const METADATA_RE = /^(?:[1-9][0-9]{0,9}\.(?:root|snapshot|targets)|timestamp)\.json$/;
const TARGET_RE = /^[0-9a-f]{64}\.[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;

/** timestamp.json changes in place: a short cache. Everything else is named by version or hash. */
const CACHE_SHORT = 'public, max-age=60';
const CACHE_IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Serves a TUF repository read-only, in the layout of Sigstore's public repository: metadata at
 * the base URL (`1.root.json`, `timestamp.json`, `N.snapshot.json`, `N.targets.json`) and
 * targets under `targets/` (`<sha256>.<name>`), and keeps it fresh with a {@link TufResigner}.
 */
export function createTufServer(options: TufServerOptions): TufServer {
  const app = Fastify({ logger: options.logger ?? false });
  const resigner = new TufResigner({
    repository: options.repository,
    log: app.log,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.resignIntervalMs ? { intervalMs: options.resignIntervalMs } : {}),
  });
  const { metadataDir, targetsDir } = options.repository;

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });

  app.get<{ Params: { file: string } }>('/:file', async (req, reply) => {
    const { file } = req.params;
    if (!METADATA_RE.test(file)) return reply.code(404).send({ message: 'not found' });
    const body = await readOrNull(join(metadataDir, file));
    if (body === null) return reply.code(404).send({ message: 'not found' });
    return reply
      .type('application/json')
      .header('cache-control', file === 'timestamp.json' ? CACHE_SHORT : CACHE_IMMUTABLE)
      .send(body);
  });

  app.get<{ Params: { file: string } }>('/targets/:file', async (req, reply) => {
    const { file } = req.params;
    if (!TARGET_RE.test(file)) return reply.code(404).send({ message: 'not found' });
    const body = await readOrNull(join(targetsDir, file));
    if (body === null) return reply.code(404).send({ message: 'not found' });
    return reply
      .type(file.endsWith('.json') ? 'application/json' : 'application/octet-stream')
      .header('cache-control', CACHE_IMMUTABLE)
      .send(body);
  });

  if ((options.resignIntervalMs ?? 1) > 0) {
    app.addHook('onReady', async () => resigner.start());
  }
  app.addHook('onClose', async () => resigner.stop());
  return { app, resigner };
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return null;
    throw e;
  }
}
