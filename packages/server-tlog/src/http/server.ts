import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { TLogServerError } from '../errors.js';
import type { TLogService } from '../tlog-service.js';
import { takeOverConnections, type RawConnections } from './raw-create-path.js';
import { sendError } from './errors.js';
import { createEntryRoutes, rekorV1Routes } from './routes-v1.js';
import { tileRoutes } from './routes-tiles.js';

/** Options of the HTTP server. */
export interface TLogServerOptions {
  service: TLogService;
  /** Largest request body in bytes; larger → 413. Default 4 MiB (a DSSE envelope with a large attestation). */
  bodyLimit?: number;
  /** Pino logger options or `false` (default: no request logging). */
  logger?: boolean | object;
  /**
   * Read and answer plain create-entry requests on the socket, ahead of node:http and fastify
   * (`takeOverConnections`). Default: on, unless request logging is on (fastify logs the
   * requests it serves).
   */
  fastCreatePath?: boolean;
}

/**
 * The transparency log's HTTP server: Rekor v1, Rekor v2 (write), C2SP tlog-tiles (read).
 * JSON only (415 otherwise), bodies capped (413), `__proto__` and `constructor.prototype`
 * keys refused (400); every error in the emulated API's error shape.
 */
export async function buildTLogServer(options: TLogServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 4 * 1024 * 1024;
  const fastPath = options.fastCreatePath ?? (options.logger === undefined || options.logger === false);
  let raw: RawConnections | undefined;
  const app = Fastify({
    ...(fastPath
      ? {
          // What fastify does with the server it makes, done here for this one.
          serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void, opts: FastifyServerOptions) => {
            const server = createServer(handler);
            server.keepAliveTimeout = opts.keepAliveTimeout ?? 72_000;
            server.requestTimeout = opts.requestTimeout ?? 0;
            server.setTimeout(opts.connectionTimeout ?? 0);
            raw = takeOverConnections(server, { service: options.service, bodyLimit, keepAliveTimeoutMs: server.keepAliveTimeout });
            return server;
          },
        }
      : {}),
    bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    logger: options.logger ?? false,
    return503OnClosing: true,
    keepAliveTimeout: 10_000,
  });
  // From here on new requests get fastify's 503 (return503OnClosing), not the raw path.
  app.addHook('preClose', (done) => {
    raw?.close();
    done();
  });
  // JSON is the only request media type (fastify also parses text/plain by default).
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((err, request, reply) => sendError(request, reply, err));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new TLogServerError('ERR_TLOG_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  await app.register(createEntryRoutes(options.service));
  await app.register(rekorV1Routes(options.service));
  await app.register(tileRoutes(options.service));
  return app;
}
