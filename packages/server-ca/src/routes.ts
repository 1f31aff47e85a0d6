import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { decodeBase64 } from '@signet/core';
import { CAError, CA_STATUS } from './errors.js';
import { chainToPem, type CertificateAuthority, type SigningCertificateRequest } from './ca.js';

/*
 * Fulcio API v2 over REST (the grpc-gateway mapping of fulcio.proto): `POST /api/v2/signingCert`,
 * `GET /api/v2/trustBundle`, `GET /api/v2/configuration`. Errors use grpc-gateway's shape
 * `{code, message, details}`; the message starts with Signet's error code.
 */

/** Most bytes of a request body (a CSR or key, a token: a few KiB). */
export const CA_BODY_LIMIT = 64 * 1024;

function errorBody(grpc: number, message: string): object {
  return { code: grpc, message, details: [] };
}

/** Sends a CAError in Fulcio's shape (others are rethrown to the app's handler). */
export function sendCAError(err: unknown, reply: FastifyReply): FastifyReply {
  if (err instanceof CAError) {
    const s = CA_STATUS[err.code];
    return reply.code(s.http).send(errorBody(s.grpc, `${err.code}: ${err.message}`));
  }
  throw err;
}

function field(obj: unknown, ...names: string[]): unknown {
  if (typeof obj !== 'object' || obj === null) return undefined;
  for (const n of names) if (Object.hasOwn(obj, n)) return (obj as Record<string, unknown>)[n];
  return undefined;
}

/** Reads a CreateSigningCertificateRequest (camelCase or proto field names, as protojson accepts). */
export function readSigningCertificateRequest(body: unknown, authorization: string | undefined): SigningCertificateRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CAError('ERR_CA_REQUEST', 'request body must be a JSON object');
  let token = field(field(body, 'credentials'), 'oidcIdentityToken', 'oidc_identity_token');
  if (token === undefined && authorization !== undefined) {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(authorization);
    if (!m) throw new CAError('ERR_CA_REQUEST', 'Authorization header must be "Bearer <token>"');
    token = m[1];
  }
  if (typeof token !== 'string' || token === '') throw new CAError('ERR_CA_REQUEST', 'credentials.oidcIdentityToken is required');
  const pkr = field(body, 'publicKeyRequest', 'public_key_request');
  const csr = field(body, 'certificateSigningRequest', 'certificate_signing_request');
  if ((pkr === undefined) === (csr === undefined)) throw new CAError('ERR_CA_REQUEST', 'exactly one of publicKeyRequest and certificateSigningRequest is required');
  if (csr !== undefined) {
    if (typeof csr !== 'string') throw new CAError('ERR_CA_REQUEST', 'certificateSigningRequest must be base64 of a PEM CSR');
    let pem: string;
    try {
      pem = decodeBase64(csr, 'certificateSigningRequest').toString('utf8');
    } catch (cause) {
      throw new CAError('ERR_CA_CSR', 'certificateSigningRequest is not base64', { cause });
    }
    return { token, csr: pem };
  }
  const pk = field(pkr, 'publicKey', 'public_key');
  const content = field(pk, 'content');
  const algorithm = field(pk, 'algorithm');
  if (algorithm !== undefined && (typeof algorithm !== 'string' || !['PUBLIC_KEY_ALGORITHM_UNSPECIFIED', 'RSA_PSS', 'ECDSA', 'ED25519'].includes(algorithm))) {
    throw new CAError('ERR_CA_REQUEST', 'publicKey.algorithm is not a known algorithm');
  }
  if (typeof content !== 'string' || content === '') throw new CAError('ERR_CA_REQUEST', 'publicKeyRequest.publicKey.content is required');
  const pop = field(pkr, 'proofOfPossession', 'proof_of_possession');
  let proof: Buffer;
  try {
    proof = decodeBase64(pop as string, 'proofOfPossession');
  } catch (cause) {
    throw new CAError('ERR_CA_POP', 'proofOfPossession must be base64', { cause });
  }
  // The key is PEM in the JSON API; a base64 DER SubjectPublicKeyInfo is accepted too.
  let key: string | Buffer = content;
  if (!content.includes('-----BEGIN')) {
    try {
      key = decodeBase64(content, 'publicKey.content');
    } catch (cause) {
      throw new CAError('ERR_CA_KEY', 'publicKey.content is neither PEM nor base64 DER', { cause });
    }
  }
  return { token, publicKey: key, proofOfPossession: proof };
}

/** Registers the Fulcio v2 routes on `app`. */
export function registerCARoutes(app: FastifyInstance, ca: CertificateAuthority): void {
  app.post('/api/v2/signingCert', async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const request = readSigningCertificateRequest(req.body, req.headers.authorization);
      const issued = await ca.issue(request);
      return reply.code(201).send({ signedCertificateEmbeddedSct: { chain: { certificates: chainToPem(issued.chain) } } });
    } catch (err) {
      return sendCAError(err, reply);
    }
  });
  app.get('/api/v2/trustBundle', async (_req, reply) => reply.send({ chains: [{ certificates: chainToPem(ca.chain()) }] }));
  app.get('/api/v2/configuration', async (_req, reply) => reply.send({ issuers: ca.issuers() }));
}

/**
 * An error handler answering fastify's own rejections (413 body too large, 415 media type,
 * 400 malformed or prototype-poisoned JSON) in grpc-gateway's shape.
 */
export function fulcioErrorHandler(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof CAError) return sendCAError(err, reply);
  const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  const grpc = status === 413 ? 8 : status === 500 ? 13 : 3;
  const message = status === 500 ? 'internal error' : `${err.code ?? 'ERR_CA_REQUEST'}: ${err.message}`;
  return reply.code(status).send(errorBody(grpc, message));
}
