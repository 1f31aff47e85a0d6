import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLogService } from '../tlog-service.js';
import { errorAnswer } from './errors.js';
import { clientGone } from './routes-v1.js';

const ROUTES: Record<string, 'v1' | 'v2'> = { '/api/v1/log/entries': 'v1', '/api/v2/log/entries': 'v2' };
const LENGTH = /^[0-9]{1,10}$/;

/**
 * `POST /api/v1/log/entries` and `/api/v2/log/entries` on node:http directly, ahead of fastify:
 * the write path is thousands of requests a second, and fastify's routing, hooks and reply
 * machinery cost about a fifth of the HTTP thread's time per request. Only the plain case is
 * taken — exactly that method and path, an `application/json` body of a declared length between
 * 1 and `bodyLimit` bytes, the server not closing — and it is answered exactly as the fastify
 * route answers (the same `TLogService.createEntry`, the same `errorAnswer`); every other request
 * (other media types, chunked or oversized bodies, query strings, no body) returns false and
 * goes to fastify, which refuses or serves it as before.
 */
export function createEntryFastPath(service: TLogService, bodyLimit: number, closing: () => boolean): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    if (req.method !== 'POST') return false;
    const api = ROUTES[req.url ?? ''];
    if (api === undefined || closing()) return false;
    const type = req.headers['content-type'];
    if (type === undefined) return false;
    const semi = type.indexOf(';');
    if ((semi < 0 ? type : type.slice(0, semi)).trim().toLowerCase() !== 'application/json') return false;
    const declared = req.headers['content-length'];
    if (declared === undefined || req.headers['transfer-encoding'] !== undefined || !LENGTH.test(declared)) return false;
    const length = Number(declared);
    if (length === 0 || length > bodyLimit) return false;

    const body = Buffer.allocUnsafe(length);
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      // node:http frames the body by its Content-Length: never more than declared.
      chunk.copy(body, received);
      received += chunk.length;
    });
    req.on('error', () => undefined); // the connection is gone; nothing to answer
    req.on('end', () => {
      if (received !== length) return;
      service.createEntry(api, body, service.writesOnWorkers ? undefined : clientGone(res)).then(
        (created) => {
          res.writeHead(created.status, { ...created.headers, 'content-length': created.body.length });
          res.end(created.body);
        },
        (err: unknown) => {
          const a = errorAnswer(req.url ?? '', err);
          const payload = Buffer.from(a.body, 'utf8');
          res.writeHead(a.status, { ...a.headers, 'content-length': payload.length });
          res.end(payload);
        },
      );
    });
    return true;
  };
}
