import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { SignetError } from '@signet/core';
import { LogError } from '@signet/log';
import { TLogServerError } from '../errors.js';

/** HTTP status of each code this server answers with (library packages know codes, not statuses). */
export function httpStatusOf(err: SignetError): number {
  switch (err.code) {
    case 'ERR_TLOG_MEDIA_TYPE': return 415;
    case 'ERR_TLOG_BODY_LIMIT': return 413;
    case 'ERR_TLOG_DUPLICATE': return 409;
    case 'ERR_TLOG_NOT_FOUND': return 404;
    case 'ERR_LOG_PUSHBACK':
    case 'ERR_LOG_CLOSED': return 503;
    case 'ERR_LOG_STORAGE':
    case 'ERR_LOG_CORRUPT': return 500;
    default: return 400;
  }
}

// gRPC status codes (google.rpc.Code) that grpc-gateway puts in Rekor v2 error bodies.
const GRPC: Record<number, number> = { 400: 3, 404: 5, 409: 6, 413: 3, 415: 3, 500: 13, 503: 14 };

/** Fastify's own request errors, as Signet codes. */
function fromFastify(err: FastifyError): TLogServerError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TLogServerError('ERR_TLOG_BODY_LIMIT', 'request body is larger than the limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new TLogServerError('ERR_TLOG_MEDIA_TYPE', 'request body must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new TLogServerError('ERR_TLOG_JSON', `request body is not valid JSON: ${err.message}`);
    default:
      // secure-json-parse raises a SyntaxError (status 400) for bad JSON and for
      // __proto__/constructor.prototype keys (onProtoPoisoning/onConstructorPoisoning: 'error').
      if (err instanceof SyntaxError || err.statusCode === 400) return new TLogServerError('ERR_TLOG_JSON', `request body is not valid JSON: ${err.message}`);
      return undefined;
  }
}

/** An error answer: status, headers and body. */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Undefined for the errors this server raises on purpose; else the unexpected error (to log). */
  unexpected: unknown;
}

/** One error, in the shape of the API the route at `url` emulates (Rekor v1 `Error`, grpc-gateway status for v2, text elsewhere). */
export function errorAnswer(url: string, raw: unknown): ErrorAnswer {
  let err: SignetError | undefined = raw instanceof SignetError ? raw : undefined;
  if (!err && raw instanceof Error) err = fromFastify(raw as FastifyError);
  const status = err ? httpStatusOf(err) : 500;
  const message = err ? err.message : 'internal error';
  const code = err ? err.code : 'ERR_INTERNAL';
  const headers: Record<string, string> = {};
  if (err instanceof LogError && err.code === 'ERR_LOG_PUSHBACK') headers['retry-after'] = String(Math.max(1, Math.ceil(err.retryAfterSeconds ?? 1)));
  else if (status === 503) headers['retry-after'] = '1';
  headers['x-signet-error-code'] = code;
  const unexpected = err ? undefined : raw;
  const json = 'application/json; charset=utf-8';
  if (url.startsWith('/api/v2/')) return { status, headers: { ...headers, 'content-type': json }, body: JSON.stringify({ code: GRPC[status] ?? 2, message, details: [], errorCode: code }), unexpected };
  if (url.startsWith('/api/')) return { status, headers: { ...headers, 'content-type': json }, body: JSON.stringify({ code: status, message, errorCode: code }), unexpected };
  return { status, headers: { ...headers, 'content-type': 'text/plain; charset=utf-8' }, body: `${code}: ${message}\n`, unexpected };
}

/** `errorAnswer` through fastify. */
export function sendError(request: FastifyRequest, reply: FastifyReply, raw: unknown): FastifyReply {
  const a = errorAnswer(request.url, raw);
  if (a.unexpected !== undefined) request.log.error({ err: a.unexpected }, 'unexpected error');
  return reply.code(a.status).headers(a.headers).send(a.body);
}
