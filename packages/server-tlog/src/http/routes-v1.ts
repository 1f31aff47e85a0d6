import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { TLogServerError } from '../errors.js';
import { requestError } from '../json-fields.js';
import type { TLogService } from '../tlog-service.js';

const DECIMAL = /^(?:0|[1-9][0-9]{0,15})$/;

/** A decimal query parameter (no sign, no leading zeros), or undefined when absent. */
export function decimalParam(query: unknown, name: string): number | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !DECIMAL.test(v) || !Number.isSafeInteger(Number(v))) throw requestError(`query parameter ${name} must be a non-negative decimal integer`);
  return Number(v);
}

/** An AbortSignal that fires when the client goes away, so a waiting append stops waiting. */
function clientGone(res: ServerResponse): AbortSignal {
  const ac = new AbortController();
  // The response closes before it finished only when the connection went away.
  res.once('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  return ac.signal;
}

function notFound(what: string): TLogServerError {
  return new TLogServerError('ERR_TLOG_NOT_FOUND', `${what} not found`);
}

/**
 * The create-entry routes, `POST /api/v1/log/entries` and `POST /api/v2/log/entries`: the JSON
 * body goes to `TLogService.createEntry` as bytes (parsed there, on a write worker when there
 * are workers), and its answer goes out as bytes.
 */
export function createEntryRoutes(service: TLogService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    // This plugin's own JSON parser (fastify encapsulates parsers): keep the bytes. The body
    // limit and the media-type check still apply.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const api of ['v1', 'v2'] as const) {
      app.post(`/api/${api}/log/entries`, async (request, reply: FastifyReply) => {
        const body = request.body;
        if (!Buffer.isBuffer(body)) throw new TLogServerError('ERR_TLOG_JSON', 'request body is not valid JSON: the body is empty');
        // A write worker finishes a request whose client left (its wait ends at the next
        // checkpoint); on this thread the wait stops at once.
        const created = await service.createEntry(api, body, service.writesOnWorkers ? undefined : clientGone(reply.raw));
        return reply.code(created.status).headers(created.headers).send(created.body);
      });
    }
  };
}

/** Rekor v1 REST API (sigstore/rekor openapi.yaml), over a `TLogService`. */
export function rekorV1Routes(service: TLogService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get('/api/v1/log/entries', async (request) => {
      const index = decimalParam(request.query, 'logIndex');
      if (index === undefined) throw requestError('query parameter logIndex is required');
      const e = await service.entryByIndex(index);
      if (!e) throw notFound(`entry ${index}`);
      return e;
    });

    app.get<{ Params: { uuid: string } }>('/api/v1/log/entries/:uuid', async (request) => {
      const e = await service.entryByUuid(request.params.uuid);
      if (!e) throw notFound(`entry ${request.params.uuid}`);
      return e;
    });

    app.post('/api/v1/log/entries/retrieve', async (request) => service.retrieveEntries(request.body));

    app.get('/api/v1/log', async () => service.logInfo());

    app.get('/api/v1/log/proof', async (request) => {
      const lastSize = decimalParam(request.query, 'lastSize');
      if (lastSize === undefined) throw requestError('query parameter lastSize is required');
      const firstSize = decimalParam(request.query, 'firstSize') ?? 1;
      return service.consistencyProof(firstSize, lastSize);
    });

    app.get('/api/v1/log/publicKey', async (_request, reply) => {
      reply.type('application/x-pem-file');
      return service.publicKeyPem();
    });

    app.post('/api/v1/index/retrieve', async (request) => service.searchIndex(request.body));
  };
}
