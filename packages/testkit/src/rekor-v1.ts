import { createHash, type KeyObject } from 'node:crypto';
import { canonicalizeJSON, encodePem, signMessage } from '@signet/core';
import type { TransparencyLogEntryJSON } from '@signet/bundle';
import { generateKey } from './certificates.js';
import { SignedTree } from './signed-tree.js';

/** The key material a Rekor v1 entry records: a certificate or a public key, as DER. */
export interface RekorVerifier {
  readonly der: Buffer;
  readonly isCertificate: boolean;
}

function pemBase64(v: RekorVerifier): string {
  return Buffer.from(encodePem(v.isCertificate ? 'CERTIFICATE' : 'PUBLIC KEY', v.der), 'utf8').toString('base64');
}

function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** hashedrekord 0.0.1 body (Rekor v1 `pkg/types/hashedrekord`): digest in hex, key material as base64 PEM. */
export function hashedRekordV001Body(digest: Buffer, signature: Buffer, verifier: RekorVerifier): Buffer {
  return Buffer.from(canonicalizeJSON({
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } },
      signature: { content: signature.toString('base64'), publicKey: { content: pemBase64(verifier) } },
    },
  }), 'utf8');
}

/** dsse 0.0.1 body (Rekor v1 `pkg/types/dsse`): payload and envelope hashes, one signature with its verifier. */
export function dsseV001Body(envelopeJSON: string, payload: Buffer, signature: Buffer, verifier: RekorVerifier): Buffer {
  return Buffer.from(canonicalizeJSON({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(envelopeJSON, 'utf8')) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      signatures: [{ signature: signature.toString('base64'), verifier: pemBase64(verifier) }],
    },
  }), 'utf8');
}

/**
 * A Rekor v1-style log in memory: ECDSA P-256 key, log ID = SHA-256(SPKI), a signed entry
 * timestamp (SET) on every entry, and an inclusion proof with a checkpoint whose origin is
 * "<host> - <tree ID>" and whose signature line is named after the host.
 */
export class TestRekorV1Log {
  readonly baseUrl = 'https://rekor.test';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly logId: Buffer;
  readonly #tree: SignedTree;

  constructor(fillerLeaves = 5) {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKey('ecdsa-p256'));
    this.logId = createHash('sha256').update(this.publicKey.export({ format: 'der', type: 'spki' })).digest();
    this.#tree = new SignedTree('rekor.test - 1234', 'rekor.test', this.privateKey, fillerLeaves);
  }

  /** Logs a canonicalized body of `kind` 0.0.1 at `integratedTime` (seconds) and returns the bundle entry. */
  append(body: Buffer, kind: 'hashedrekord' | 'dsse', integratedTime: number): TransparencyLogEntryJSON {
    const { index, proof } = this.#tree.append(body);
    // Rekor v1 SET: the log's signature over the canonical JSON of these four fields.
    const set = signMessage(this.privateKey, Buffer.from(canonicalizeJSON({
      body: body.toString('base64'),
      integratedTime,
      logID: this.logId.toString('hex'),
      logIndex: index,
    }), 'utf8'), { hash: 'sha256' });
    return {
      logIndex: String(index),
      logId: { keyId: this.logId.toString('base64') },
      kindVersion: { kind, version: '0.0.1' },
      integratedTime: String(integratedTime),
      inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
      inclusionProof: proof,
      canonicalizedBody: body.toString('base64'),
    };
  }
}
