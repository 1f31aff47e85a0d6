import type { FastifyInstance } from 'fastify';
import type { TLogService } from '../tlog-service.js';
import { TLogServerError } from '../errors.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=5';
/** Tiles have at most 64 levels; an index below 2^53 needs at most 6 path elements of 3 digits. */
const MAX_LEVEL = 63;

/** A parsed tile path (c2sp.org/tlog-tiles): level (or `entries`), index, optional partial width. */
export interface TilePath {
  level: number | 'entries';
  index: number;
  width: number | undefined;
}

/**
 * Parses the part after `/tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`, where N is
 * written in 3-digit path elements, all but the last prefixed with `x` (c2sp.org/tlog-tiles
 * "Merkle Tree"); W is 1–255. Returns undefined for anything else.
 */
export function parseTilePath(rest: string): TilePath | undefined {
  let path = rest;
  let width: number | undefined;
  const p = path.indexOf('.p/');
  if (p >= 0) {
    const w = path.slice(p + 3);
    if (!/^[1-9][0-9]{0,2}$/.test(w) || Number(w) > 255) return undefined;
    width = Number(w);
    path = path.slice(0, p);
  }
  const parts = path.split('/');
  const head = parts.shift();
  let level: number | 'entries';
  if (head === 'entries') level = 'entries';
  else if (head !== undefined && /^(?:0|[1-9][0-9]?)$/.test(head) && Number(head) <= MAX_LEVEL) level = Number(head);
  else return undefined;
  if (parts.length === 0 || parts.length > 6) return undefined;
  let index = 0;
  for (let i = 0; i < parts.length; i++) {
    const last = i === parts.length - 1;
    const m = (last ? /^([0-9]{3})$/ : /^x([0-9]{3})$/).exec(parts[i] as string);
    if (!m) return undefined;
    index = index * 1000 + Number(m[1]);
  }
  if (!Number.isSafeInteger(index)) return undefined;
  return { level, index, width };
}

/** C2SP tlog-tiles read endpoints: `/checkpoint`, hash tiles and entry bundles. */
export function tileRoutes(service: TLogService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.get('/checkpoint', async (_request, reply) => {
      reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8');
      return service.log.checkpoint().note;
    });
    app.get<{ Params: { '*': string } }>('/tile/*', async (request, reply) => {
      const t = parseTilePath(request.params['*']);
      if (!t) throw new TLogServerError('ERR_TLOG_NOT_FOUND', 'not a tile path (c2sp.org/tlog-tiles)');
      const bytes = t.level === 'entries' ? await service.log.entryBundle(t.index, t.width) : await service.log.tile(t.level, t.index, t.width);
      if (!bytes) throw new TLogServerError('ERR_TLOG_NOT_FOUND', 'tile not found');
      reply.header('cache-control', t.width === undefined ? IMMUTABLE : SHORT).type('application/octet-stream');
      return bytes;
    });
  };
}
