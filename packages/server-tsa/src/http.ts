import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { encodePem } from '@signet/core';
import type { TimestampAuthority, TimestampResponse } from './authority.js';
import { TimestampError } from './errors.js';
import { MAX_REQUEST_BYTES, parseJSONBody, parseTimeStampReq, timeStampReqFromJSON } from './request.js';

/** Media types of RFC 3161 §3.4 and of Sigstore's timestamp-authority API. */
export const TIMESTAMP_QUERY_MEDIA_TYPE = 'application/timestamp-query';
export const TIMESTAMP_REPLY_MEDIA_TYPE = 'application/timestamp-reply';
export const PEM_CHAIN_MEDIA_TYPE = 'application/pem-certificate-chain';

/** HTTP options of the TSA service. */
export interface TimestampServerOptions {
  /** Largest request body accepted, in bytes; larger ones get 413. Default 8 KiB. */
  bodyLimit?: number;
  /** fastify/pino logger option. Default off. */
  logger?: FastifyServerOptions['logger'];
}

/**
 * The HTTP status of a TimeStampResp: 201 for a token (as Sigstore's timestamp-authority
 * answers), 400 for a rejected request, 500 for a system failure. Rejections still carry the
 * DER TimeStampResp, so RFC 3161 clients can read the PKIFailureInfo.
 */
function httpStatus(response: TimestampResponse): number {
  if (response.status === 'granted') return 201;
  return response.failInfo === 'systemFailure' ? 500 : 400;
}

function mediaTypeOf(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * A fastify instance serving Sigstore's timestamp-authority API over `authority`:
 * - `POST /api/v1/timestamp`: body `application/timestamp-query` (DER TimeStampReq, RFC 3161 §3.4)
 *   or `application/json` (Sigstore's JSON form, see {@link timeStampReqFromJSON}); answers
 *   `application/timestamp-reply`, a DER TimeStampResp (201 granted, 400 rejection, 500 failure);
 * - `GET /api/v1/timestamp/certchain`: the PEM chain, leaf first (`application/pem-certificate-chain`).
 * Other media types get 415, bodies over the limit 413, errors `{ "code": <http status>, "message" }`
 * (the Error shape of Sigstore's API). The caller listens and closes.
 */
export function createTimestampServer(authority: TimestampAuthority, options: TimestampServerOptions = {}): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? MAX_REQUEST_BYTES;
  if (!Number.isSafeInteger(bodyLimit) || bodyLimit <= 0) throw new RangeError('bodyLimit must be a positive integer');
  const app = Fastify({ logger: options.logger ?? false, bodyLimit, requestTimeout: 30_000, return503OnClosing: true });

  // Only the two request forms are parsed; every other media type is a 415. Bodies stay raw
  // bytes: the JSON form is parsed by our own poisoning-safe parser.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([TIMESTAMP_QUERY_MEDIA_TYPE, 'application/json'], { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    done(null, body);
  });

  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ err }, 'timestamp server error');
    void reply.code(status).type('application/json').send({ code: status, message: status === 500 ? 'internal server error' : err.message });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type('application/json').send({ code: 404, message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });

  const chainPem = authority.certificateChain.map((der) => encodePem('CERTIFICATE', der)).join('');

  app.post('/api/v1/timestamp', async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    let response: TimestampResponse;
    try {
      const req = mediaTypeOf(request.headers['content-type']) === 'application/json'
        ? timeStampReqFromJSON(parseJSONBody(body))
        : parseTimeStampReq(body);
      response = await authority.timestamp(req);
    } catch (err) {
      if (!(err instanceof TimestampError)) throw err;
      response = authority.reject(err);
    }
    if (response.status === 'rejection') {
      request.log[response.failInfo === 'systemFailure' ? 'error' : 'info']({ code: response.error.code, err: response.error }, 'timestamp request rejected');
    }
    return reply.code(httpStatus(response)).type(TIMESTAMP_REPLY_MEDIA_TYPE).send(response.der);
  });

  app.get('/api/v1/timestamp/certchain', async (_request, reply) => reply.type(PEM_CHAIN_MEDIA_TYPE).send(chainPem));

  return app;
}
