import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { canonicalizeJSON } from '@signet/core';
import { logKeyId } from '@signet/merkle';
import type { TransparencyLogEntryJSON } from '@signet/bundle';
import type { RekorVerifier } from './rekor-v1.js';
import { SignedTree } from './signed-tree.js';

function verifierJSON(v: RekorVerifier): Record<string, unknown> {
  const raw = { rawBytes: v.der.toString('base64') };
  return v.isCertificate
    ? { keyDetails: 'PKIX_ECDSA_P256_SHA_256', x509Certificate: raw }
    : { keyDetails: 'PKIX_ECDSA_P256_SHA_256', publicKey: raw };
}

/**
 * hashedrekord 0.0.2 body (rekor-tiles `HashedRekordLogEntryV002`): SHA-256 digest and key
 * material as base64 DER. Rekor v2 logs a DSSE envelope this way over SHA-256(PAE) when the
 * client submits it as a hashedrekord.
 */
export function hashedRekordV002Body(digest: Buffer, signature: Buffer, verifier: RekorVerifier): Buffer {
  return Buffer.from(canonicalizeJSON({
    apiVersion: '0.0.2',
    kind: 'hashedrekord',
    spec: {
      hashedRekordV002: {
        data: { algorithm: 'SHA2_256', digest: digest.toString('base64') },
        signature: { content: signature.toString('base64'), verifier: verifierJSON(verifier) },
      },
    },
  }), 'utf8');
}

/** dsse 0.0.2 body (rekor-tiles `DSSELogEntryV002`): SHA-256 of the payload and the one signature with its verifier. */
export function dsseV002Body(payloadDigest: Buffer, signature: Buffer, verifier: RekorVerifier): Buffer {
  return Buffer.from(canonicalizeJSON({
    apiVersion: '0.0.2',
    kind: 'dsse',
    spec: {
      dsseV002: {
        payloadHash: { algorithm: 'SHA2_256', digest: payloadDigest.toString('base64') },
        signatures: [{ content: signature.toString('base64'), verifier: verifierJSON(verifier) }],
      },
    },
  }), 'utf8');
}

/**
 * A Rekor v2-style log in memory: Ed25519 key, origin = host, log ID = the signed-note key ID
 * (`logKeyId(origin, key)`), entries with an inclusion proof and checkpoint but no SET and no
 * integrated time (so signing needs an RFC 3161 timestamp).
 */
export class TestRekorV2Log {
  readonly origin = 'log2.test';
  readonly baseUrl = 'https://log2.test';
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly logId: Buffer;
  readonly #tree: SignedTree;

  constructor(fillerLeaves = 7) {
    ({ privateKey: this.privateKey, publicKey: this.publicKey } = generateKeyPairSync('ed25519'));
    this.logId = logKeyId(this.origin, this.publicKey);
    this.#tree = new SignedTree(this.origin, this.origin, this.privateKey, fillerLeaves);
  }

  /** Logs a canonicalized 0.0.2 body and returns the bundle entry. */
  append(body: Buffer, kind: 'hashedrekord' | 'dsse' = 'hashedrekord'): TransparencyLogEntryJSON {
    const { index, proof } = this.#tree.append(body);
    return {
      logIndex: String(index),
      logId: { keyId: this.logId.toString('base64') },
      kindVersion: { kind, version: '0.0.2' },
      inclusionProof: proof,
      canonicalizedBody: body.toString('base64'),
    };
  }
}
