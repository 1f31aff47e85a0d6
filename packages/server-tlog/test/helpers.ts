import { createHash, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { preAuthEncoding, signEd25519ph } from '@signet/core';
import { startTLogServer, type RunningTLogServer, type TLogServerConfig } from '@signet/server-tlog';

/** A log server on 127.0.0.1:0 in a fresh directory, closed and removed after the test. */
export async function startTestLog(t: TestContext | { after(fn: () => unknown): void }, config: Partial<TLogServerConfig> = {}): Promise<RunningTLogServer & { dataDir: string }> {
  const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'signet-tlog-test-'));
  const server = await startTLogServer({ port: 0, checkpointIntervalMs: 5, ...config, dataDir });
  t.after(async () => {
    await server.close();
    if (config.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  });
  return Object.assign(server, { dataDir });
}

export function pemOf(key: KeyObject): string {
  return (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'pem', type: 'spki' }) as string;
}

export function b64(s: string | Uint8Array): string {
  return Buffer.from(s).toString('base64');
}

export function p256(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

/** A Rekor v1 hashedrekord 0.0.1 proposal for `data` signed with `privateKey` (or with `signature`). */
export function hashedRekord(privateKey: KeyObject, data: string | Buffer, opts: { keyPem?: string; signature?: Buffer } = {}): Record<string, unknown> {
  const digest = createHash('sha256').update(data).digest('hex');
  const isEd = privateKey.asymmetricKeyType === 'ed25519';
  const signature = opts.signature ?? sign(isEd ? null : 'sha256', Buffer.from(data), privateKey);
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digest } },
      signature: { content: signature.toString('base64'), publicKey: { content: b64(opts.keyPem ?? pemOf(privateKey)) } },
    },
  };
}

/** A DSSE envelope (JSON text) over `payload`, one signature. */
export function dsseEnvelope(privateKey: KeyObject, payload: Buffer, payloadType = 'application/vnd.in-toto+json'): { json: string; sig: Buffer } {
  const isEd = privateKey.asymmetricKeyType === 'ed25519';
  const sig = sign(isEd ? null : 'sha256', preAuthEncoding(payloadType, payload), privateKey);
  return { json: JSON.stringify({ payload: payload.toString('base64'), payloadType, signatures: [{ keyid: '', sig: sig.toString('base64') }] }), sig };
}

/** A Rekor v1 dsse 0.0.1 proposal. */
export function dsseProposal(privateKey: KeyObject, payload: Buffer, verifierPem = pemOf(privateKey)): Record<string, unknown> {
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: dsseEnvelope(privateKey, payload).json, verifiers: [b64(verifierPem)] } } };
}

/** A Rekor v1 intoto 0.0.2 proposal (payload and signature base64-encoded twice, as Rekor wants). */
export function intotoProposal(privateKey: KeyObject, payload: Buffer, payloadType = 'application/vnd.in-toto+json'): Record<string, unknown> {
  const isEd = privateKey.asymmetricKeyType === 'ed25519';
  const sig = sign(isEd ? null : 'sha256', preAuthEncoding(payloadType, payload), privateKey);
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: {
          payloadType,
          payload: b64(payload.toString('base64')),
          signatures: [{ sig: b64(sig.toString('base64')), publicKey: b64(pemOf(privateKey)) }],
        },
        hash: { algorithm: 'sha256', value: createHash('sha256').update('envelope').digest('hex') },
      },
    },
  };
}

/** A Rekor v2 `CreateEntryRequest` with a hashedrekord over `data`. */
export function hashedRekordV2(privateKey: KeyObject, data: string | Buffer, keyDetails = 'PKIX_ECDSA_P256_SHA_256', certificateDer?: Buffer): Record<string, unknown> {
  const prehashed = keyDetails === 'PKIX_ED25519_PH';
  const hash = keyDetails.includes('P384') ? 'sha384' : keyDetails.includes('P521') || prehashed ? 'sha512' : 'sha256';
  const digest = createHash(hash).update(data).digest();
  // Ed25519ph (RFC 8032) signs the SHA-512 digest; node:crypto cannot (OpenSSL 3.0), core can.
  const signature = prehashed ? signEd25519ph(privateKey, digest) : sign(hash, Buffer.from(data), privateKey);
  const raw = certificateDer ?? createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    hashedRekordRequestV002: {
      digest: digest.toString('base64'),
      signature: {
        content: signature.toString('base64'),
        verifier: { keyDetails, [certificateDer ? 'x509Certificate' : 'publicKey']: { rawBytes: raw.toString('base64') } },
      },
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, headers: r.headers, json };
}

export async function getJson(url: string): Promise<{ status: number; headers: Headers; json: any }> {
  const r = await fetch(url);
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, headers: r.headers, json };
}
