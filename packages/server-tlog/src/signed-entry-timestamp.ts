import type { KeyObject } from 'node:crypto';
import { pooledDigest, signDigest } from '@signet/core';

/**
 * The payload a Rekor v1 signed entry timestamp signs: the RFC 8785 canonical JSON of
 * {body, integratedTime, logID, logIndex}, written out directly. Keys are in canonical order,
 * the strings (standard base64, lower-case hex) need no escaping, and the numbers are safe
 * non-negative integers, which RFC 8785 writes as plain decimals. Tests hold it equal to
 * `canonicalizeJSON` of the same object.
 */
export function setPayload(bodyBase64: string, integratedTime: number, logIdHex: string, logIndex: number): string {
  return `{"body":"${bodyBase64}","integratedTime":${integratedTime},"logID":"${logIdHex}","logIndex":${logIndex}}`;
}

/**
 * Rekor v1 signed entry timestamp: the log's P-256 signature (SHA-256, DER) over `setPayload`,
 * `body` being the canonical entry body in standard base64 and `logID` the hex log ID (rekor
 * `pkg/api/entries.go`).
 */
export function signSET(setKey: KeyObject, logIdHex: string, bodyBase64: string, integratedTime: number, logIndex: number): Buffer {
  if (!Number.isSafeInteger(integratedTime) || integratedTime < 0 || !Number.isSafeInteger(logIndex) || logIndex < 0) {
    throw new RangeError('integratedTime and logIndex must be non-negative safe integers');
  }
  // ECDSA over SHA-256 of the payload; the digest path keeps one imported native key instead
  // of OpenSSL decoding the KeyObject at every signature (~2× faster on OpenSSL 3.0).
  return signDigest(setKey, pooledDigest('sha256', setPayload(bodyBase64, integratedTime, logIdHex, logIndex)), { hash: 'sha256' });
}
