import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeBase64, encodeBase64 } from '@signet/core';
import { CTLogError, CT_HTTP_STATUS } from './errors.js';
import { MAX_CHAIN_LENGTH, type CTLog, type SignedCertificateTimestamp } from './ct-log.js';

/*
 * RFC 6962 §4 HTTP API under `<prefix>/ct/v1/`. Inputs are distrusted: strict base64, integer
 * query parameters, bounded chains. Errors answer `{ error_code, error_message }` with 400/404/503.
 */

function sctJSON(s: SignedCertificateTimestamp): object {
  return { sct_version: 0, id: encodeBase64(s.logId), timestamp: s.timestamp, extensions: '', signature: encodeBase64(s.signature) };
}

function readChain(body: unknown): Buffer[] {
  const chain = (body as { chain?: unknown } | null)?.chain;
  if (!Array.isArray(chain) || chain.length === 0 || chain.length > MAX_CHAIN_LENGTH) {
    throw new CTLogError('ERR_CT_REQUEST', `body must be {"chain": [1..${MAX_CHAIN_LENGTH} base64 certificates]}`);
  }
  return chain.map((c, i) => {
    try {
      return decodeBase64(c as string, `chain[${i}]`);
    } catch (cause) {
      throw new CTLogError('ERR_CT_REQUEST', `chain[${i}] is not base64`, { cause });
    }
  });
}

function intParam(query: unknown, name: string): number {
  const v = (query as Record<string, unknown> | null)?.[name];
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(v)) throw new CTLogError('ERR_CT_REQUEST', `query parameter ${name} must be a non-negative integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new CTLogError('ERR_CT_REQUEST', `query parameter ${name} is too large`);
  return n;
}

/** Sends a CT error (or rethrows what is not one, for fastify's 500 handler). */
export function sendCTError(err: unknown, reply: FastifyReply): FastifyReply {
  if (err instanceof CTLogError) {
    if (err.code === 'ERR_CT_UNAVAILABLE') reply.header('retry-after', '1');
    return reply.code(CT_HTTP_STATUS[err.code]).send({ error_code: err.code, error_message: err.message });
  }
  throw err;
}

/** Registers the RFC 6962 routes on `app` (`/ct/v1/...` under the app's prefix). */
export function registerCTLogRoutes(app: FastifyInstance, ctLog: CTLog): void {
  const handle = (fn: (req: FastifyRequest) => Promise<object> | object) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return reply.send(await fn(req));
    } catch (err) {
      return sendCTError(err, reply);
    }
  };
  app.post('/ct/v1/add-chain', handle(async (req) => sctJSON(await ctLog.addChain(readChain(req.body)))));
  app.post('/ct/v1/add-pre-chain', handle(async (req) => sctJSON(await ctLog.addPreChain(readChain(req.body)))));
  app.get('/ct/v1/get-sth', handle(() => {
    const sth = ctLog.getSTH();
    return {
      tree_size: sth.treeSize,
      timestamp: sth.timestamp,
      sha256_root_hash: encodeBase64(sth.rootHash),
      tree_head_signature: encodeBase64(sth.treeHeadSignature),
    };
  }));
  app.get('/ct/v1/get-sth-consistency', handle(async (req) => ({
    consistency: (await ctLog.getSTHConsistency(intParam(req.query, 'first'), intParam(req.query, 'second'))).map(encodeBase64),
  })));
  app.get('/ct/v1/get-proof-by-hash', handle(async (req) => {
    const raw = (req.query as Record<string, unknown> | null)?.hash;
    let hash: Buffer;
    try {
      hash = decodeBase64(raw as string, 'hash');
    } catch (cause) {
      throw new CTLogError('ERR_CT_REQUEST', 'hash must be base64', { cause });
    }
    const proof = await ctLog.getProofByHash(hash, intParam(req.query, 'tree_size'));
    return { leaf_index: proof.leafIndex, audit_path: proof.auditPath.map(encodeBase64) };
  }));
  app.get('/ct/v1/get-entries', handle(async (req) => ({
    entries: (await ctLog.getEntries(intParam(req.query, 'start'), intParam(req.query, 'end'))).map((e) => ({
      leaf_input: encodeBase64(e.leafInput),
      extra_data: encodeBase64(e.extraData),
    })),
  })));
  app.get('/ct/v1/get-roots', handle(() => ({ certificates: ctLog.getRoots().map(encodeBase64) })));
}

/** Fastify options every Signet CT/CA server uses: bounded bodies, no prototype poisoning. */
export const SAFE_FASTIFY_OPTIONS = {
  bodyLimit: 64 * 1024,
  onProtoPoisoning: 'error',
  onConstructorPoisoning: 'error',
  logger: false,
} as const;

/** A fastify server with only the CT routes (the CA server mounts them itself). */
export async function createCTLogServer(ctLog: CTLog): Promise<FastifyInstance> {
  const { default: fastify } = await import('fastify');
  const app = fastify(SAFE_FASTIFY_OPTIONS);
  app.removeContentTypeParser('text/plain');
  registerCTLogRoutes(app, ctLog);
  return app;
}
