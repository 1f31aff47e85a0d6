import { createHash, type KeyObject } from 'node:crypto';
import { canonicalizeJSON, signDigest } from '@signet/core';

/**
 * Rekor v1 signed entry timestamp: the log's P-256 signature (SHA-256, DER) over the RFC 8785
 * canonical JSON of {body, integratedTime, logID, logIndex}, `body` being the canonical entry
 * body in standard base64 and `logID` the hex log ID (rekor `pkg/api/entries.go`).
 */
export function signSET(setKey: KeyObject, logIdHex: string, bodyBase64: string, integratedTime: number, logIndex: number): Buffer {
  const payload = canonicalizeJSON({ body: bodyBase64, integratedTime, logID: logIdHex, logIndex });
  // ECDSA over SHA-256 of the payload; the digest path keeps one imported native key instead
  // of OpenSSL decoding the KeyObject at every signature (~2× faster on OpenSSL 3.0).
  return signDigest(setKey, createHash('sha256').update(payload, 'utf8').digest(), { hash: 'sha256' });
}
