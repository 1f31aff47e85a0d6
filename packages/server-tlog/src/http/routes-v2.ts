import type { FastifyInstance } from 'fastify';
import type { TLogService } from '../tlog-service.js';
import { clientGone } from './routes-v1.js';

/** Rekor v2 write API (rekor-tiles `POST /api/v2/log/entries`); reads are the tiles routes. */
export function rekorV2Routes(service: TLogService) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.post('/api/v2/log/entries', async (request, reply) => {
      const created = await service.createEntryV2(request.body, clientGone(reply));
      // A duplicate is the same entry again: answered like a new one (rekor-tiles is idempotent).
      reply.code(created.duplicate ? 200 : 201).header('server-timing', `seq;dur=${created.sequencedMs.toFixed(2)}`);
      return created.entry;
    });
  };
}
