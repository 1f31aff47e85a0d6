import { createHash } from 'node:crypto';
import { canonicalizeJSON, preAuthEncoding, type HashName } from '@signet/core';
import { TLogServerError } from './errors.js';
import { array, object, protoBytes, requestError, string, type JsonObject } from './json-fields.js';
import { keyIndexKeys, keyMaterialFromDer, verifyDigestSignature, verifyEd25519phSignature, verifyMessageSignature, type KeyMaterial, type SignerAlgorithm } from './key-material.js';
import type { CanonicalEntry } from './rekor-v1-entries.js';

/**
 * protobuf-specs `PublicKeyDetails` a Rekor v2 log accepts, with what they imply. Pure Ed25519
 * (`PKIX_ED25519`) is accepted only for DSSE (it signs the PAE itself): a hashedrekord entry
 * carries a digest, and pure Ed25519 signs messages. Ed25519ph (`PKIX_ED25519_PH`, RFC 8032
 * HashEdDSA with SHA-512) signs the SHA-512 digest, so it is accepted for hashedrekord entries
 * (as rekor-tiles does) and verified with `@signet/core` `verifyEd25519ph`; DSSE with it is
 * refused (DSSE signers sign the PAE with pure Ed25519, and so do verifiers).
 */
const KEY_DETAILS: Record<string, { algorithm: SignerAlgorithm; hash: HashName; bits?: number }> = {
  PKIX_ECDSA_P256_SHA_256: { algorithm: 'ecdsa-p256', hash: 'sha256' },
  PKIX_ECDSA_P384_SHA_384: { algorithm: 'ecdsa-p384', hash: 'sha384' },
  PKIX_ECDSA_P521_SHA_512: { algorithm: 'ecdsa-p521', hash: 'sha512' },
  PKIX_RSA_PKCS1V15_2048_SHA256: { algorithm: 'rsa', hash: 'sha256', bits: 2048 },
  PKIX_RSA_PKCS1V15_3072_SHA256: { algorithm: 'rsa', hash: 'sha256', bits: 3072 },
  PKIX_RSA_PKCS1V15_4096_SHA256: { algorithm: 'rsa', hash: 'sha256', bits: 4096 },
  PKIX_ED25519: { algorithm: 'ed25519', hash: 'sha512' },
  PKIX_ED25519_PH: { algorithm: 'ed25519', hash: 'sha512' },
};

const ED25519_PH = 'PKIX_ED25519_PH';

const PROTO_HASH: Record<HashName, string> = { sha256: 'SHA2_256', sha384: 'SHA2_384', sha512: 'SHA2_512' };
const DIGEST_BYTES: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };
const MAX_SIGNATURES = 16;

interface Verifier {
  key: KeyMaterial;
  keyDetails: string;
  hash: HashName;
  /** The verifier as the log stores it (proto3 JSON, canonical base64). */
  json: Record<string, unknown>;
}

/** A rekor-tiles `Verifier`: `{publicKey|x509Certificate: {rawBytes}, keyDetails}`. */
function readVerifier(v: unknown, path: string): Verifier {
  const o = object(v, path, ['publicKey', 'x509Certificate', 'keyDetails']);
  const keyDetails = string(o, 'keyDetails', path, 64);
  const details = KEY_DETAILS[keyDetails];
  if (!details) throw new TLogServerError('ERR_TLOG_KEY', `${path}.keyDetails ${JSON.stringify(keyDetails)} is not an accepted algorithm`);
  const hasKey = o['publicKey'] !== undefined;
  const hasCert = o['x509Certificate'] !== undefined;
  if (hasKey === hasCert) throw requestError(`${path} must have exactly one of publicKey and x509Certificate`);
  const field = hasCert ? 'x509Certificate' : 'publicKey';
  const raw = protoBytes(object(o[field], `${path}.${field}`, ['rawBytes']), 'rawBytes', `${path}.${field}`, 64 * 1024);
  const key = keyMaterialFromDer(raw, hasCert);
  if (key.algorithm !== details.algorithm || (details.bits !== undefined && key.bits !== details.bits)) {
    throw new TLogServerError('ERR_TLOG_KEY', `${path}.keyDetails says ${keyDetails} but the key is ${key.algorithm}${key.algorithm === 'rsa' ? `-${key.bits}` : ''}`);
  }
  return { key, keyDetails, hash: details.hash, json: { keyDetails, [field]: { rawBytes: raw.toString('base64') } } };
}

function body(value: object): Buffer {
  return Buffer.from(canonicalizeJSON(value), 'utf8');
}

/**
 * Validates a Rekor v2 `CreateEntryRequest` (proto3 JSON: `hashedRekordRequestV002` or
 * `dsseRequestV002`), verifies its signature, and returns the body the log stores
 * (`hashedrekord`/`dsse` 0.0.2, as rekor-tiles canonicalizes them).
 * @throws TLogServerError `ERR_TLOG_REQUEST`, `ERR_TLOG_KIND`, `ERR_TLOG_KEY`, `ERR_TLOG_SIGNATURE`
 */
export function canonicalizeCreateEntryRequest(request: unknown): CanonicalEntry {
  const top = object(request, '$');
  const keys = Object.keys(top);
  if (keys.length !== 1) {
    throw new TLogServerError('ERR_TLOG_KIND', 'a CreateEntryRequest has exactly one of hashedRekordRequestV002 and dsseRequestV002');
  }
  if (top['hashedRekordRequestV002'] !== undefined) return hashedRekordV002(object(top['hashedRekordRequestV002'], '$.hashedRekordRequestV002', ['digest', 'signature']));
  if (top['dsseRequestV002'] !== undefined) return dsseV002(object(top['dsseRequestV002'], '$.dsseRequestV002', ['envelope', 'verifiers']));
  throw new TLogServerError('ERR_TLOG_KIND', `unsupported request kind ${JSON.stringify(keys[0])} (accepted: hashedRekordRequestV002, dsseRequestV002)`);
}

function hashedRekordV002(req: JsonObject): CanonicalEntry {
  const path = '$.hashedRekordRequestV002';
  const digest = protoBytes(req, 'digest', path, 256);
  const sig = object(req['signature'], `${path}.signature`, ['content', 'verifier']);
  const signature = protoBytes(sig, 'content', `${path}.signature`, 4096);
  const verifier = readVerifier(sig['verifier'], `${path}.signature.verifier`);
  const prehashed = verifier.keyDetails === ED25519_PH;
  if (verifier.key.algorithm === 'ed25519' && !prehashed) {
    throw new TLogServerError('ERR_TLOG_KEY', 'pure Ed25519 signs messages, not digests: a hashedrekord entry cannot be verified with it (use Ed25519ph or submit DSSE)');
  }
  if (digest.length !== DIGEST_BYTES[verifier.hash]) {
    throw requestError(`${path}.digest must be a ${verifier.hash} digest (${DIGEST_BYTES[verifier.hash]} bytes) for ${verifier.keyDetails}`);
  }
  if (prehashed) verifyEd25519phSignature(verifier.key, digest, signature);
  else verifyDigestSignature(verifier.key, verifier.hash, digest, signature);
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.2',
    body: body({
      apiVersion: '0.0.2',
      kind: 'hashedrekord',
      spec: {
        hashedRekordV002: {
          data: { algorithm: PROTO_HASH[verifier.hash], digest: digest.toString('base64') },
          signature: { content: signature.toString('base64'), verifier: verifier.json },
        },
      },
    }),
    indexKeys: [`${verifier.hash}:${digest.toString('hex')}`, ...keyIndexKeys(verifier.key)],
  };
}

function dsseV002(req: JsonObject): CanonicalEntry {
  const path = '$.dsseRequestV002';
  const env = object(req['envelope'], `${path}.envelope`, ['payload', 'payloadType', 'signatures']);
  const payload = protoBytes(env, 'payload', `${path}.envelope`, 8 * 1024 * 1024);
  const payloadType = string(env, 'payloadType', `${path}.envelope`, 1024);
  const sigs = array(env, 'signatures', `${path}.envelope`, MAX_SIGNATURES).map((s, i) => {
    const o = object(s, `${path}.envelope.signatures[${i}]`, ['sig', 'keyid']);
    return protoBytes(o, 'sig', `${path}.envelope.signatures[${i}]`, 4096);
  });
  const verifiers = array(req, 'verifiers', path, MAX_SIGNATURES).map((v, i) => {
    const verifier = readVerifier(v, `${path}.verifiers[${i}]`);
    if (verifier.keyDetails === ED25519_PH) {
      throw new TLogServerError('ERR_TLOG_KEY', `${path}.verifiers[${i}]: Ed25519ph (PKIX_ED25519_PH) is accepted for hashedrekord entries only; a DSSE signature is pure Ed25519 over the PAE (PKIX_ED25519)`);
    }
    return verifier;
  });
  const pae = preAuthEncoding(payloadType, payload);
  const signatures = sigs.map((sig, i) => {
    const v = verifiers.find((candidate) => {
      try {
        verifyMessageSignature(candidate.key, pae, sig);
        return true;
      } catch (err) {
        if (err instanceof TLogServerError && err.code === 'ERR_TLOG_SIGNATURE') return false;
        throw err;
      }
    });
    if (!v) throw new TLogServerError('ERR_TLOG_SIGNATURE', `DSSE signature ${i} does not verify with any of the given verifiers`);
    return { content: sig.toString('base64'), verifier: v.json, key: v.key };
  });
  signatures.sort((a, b) => (a.content < b.content ? -1 : a.content > b.content ? 1 : 0));
  const payloadHash = createHash('sha256').update(payload).digest();
  return {
    kind: 'dsse',
    apiVersion: '0.0.2',
    body: body({
      apiVersion: '0.0.2',
      kind: 'dsse',
      spec: {
        dsseV002: {
          payloadHash: { algorithm: 'SHA2_256', digest: payloadHash.toString('base64') },
          signatures: signatures.map(({ content, verifier }) => ({ content, verifier })),
        },
      },
    }),
    indexKeys: [...new Set([`sha256:${payloadHash.toString('hex')}`, ...signatures.flatMap((s) => keyIndexKeys(s.key))])],
  };
}
