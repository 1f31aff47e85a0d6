import { hash } from 'node:crypto';
import { canonicalizeJSON, preAuthEncoding, type HashName } from '@signet/core';
import { TLogServerError } from './errors.js';
import { array, base64, hexDigest, object, optionalString, requestError, string, type JsonObject } from './json-fields.js';
import {
  canonicalPemBase64, decodedKeyFromPemBase64, keyIndexKeys, keyMaterialFromPem, verifyDigestSignature, verifyMessageSignature, type DecodedKey,
} from './key-material.js';

/** A proposed entry after validation: what the log stores, and how it can be found again. */
export interface CanonicalEntry {
  readonly kind: string;
  readonly apiVersion: string;
  /** The canonical body (RFC 8785 JSON): the Merkle leaf. */
  readonly body: Buffer;
  /** Search keys (`sha256:<hex>`, `key:<hex>`, `email:<address>`). */
  readonly indexKeys: readonly string[];
}

/** Most DSSE signatures and verifiers in one proposal. */
const MAX_DSSE_SIGNATURES = 16;
/** Largest DSSE envelope accepted, in characters of its JSON (the request body limit caps it too). */
const MAX_ENVELOPE_CHARS = 8 * 1024 * 1024;
/** Most in-toto subjects indexed per entry. */
const MAX_INDEXED_SUBJECTS = 64;
const MAX_SIGNATURE_CHARS = 4096;

const DIGEST_BYTES: Record<HashName, number> = { sha256: 32, sha384: 48, sha512: 64 };

function sha256Hex(data: Uint8Array | string): string {
  return hash('sha256', data, 'hex');
}

function keyFrom(o: JsonObject, key: string, path: string): DecodedKey {
  return decodedKeyFromPemBase64(string(o, key, path, 64 * 1024), `${path}.${key}`);
}

/**
 * Validates a Rekor v1 proposed entry (`POST /api/v1/log/entries` body), verifies its
 * signature(s), and returns the body the log stores. Nothing is written here.
 * @throws TLogServerError `ERR_TLOG_REQUEST`, `ERR_TLOG_KIND`, `ERR_TLOG_KEY`, `ERR_TLOG_SIGNATURE`
 */
export function canonicalizeProposedEntry(proposal: unknown): CanonicalEntry {
  const top = object(proposal, '$', ['kind', 'apiVersion', 'spec']);
  const kind = top['kind'];
  const apiVersion = top['apiVersion'];
  if (typeof kind !== 'string' || typeof apiVersion !== 'string') throw requestError('$.kind and $.apiVersion must be strings');
  const spec = object(top['spec'], '$.spec');
  switch (`${kind}/${apiVersion}`) {
    case 'hashedrekord/0.0.1':
      return hashedRekordV001(spec);
    case 'dsse/0.0.1':
      return dsseV001(spec);
    case 'intoto/0.0.2':
      return intotoV002(spec);
    default:
      throw new TLogServerError('ERR_TLOG_KIND', `unsupported entry kind ${JSON.stringify(kind)} version ${JSON.stringify(apiVersion)} (accepted: hashedrekord 0.0.1, dsse 0.0.1, intoto 0.0.2)`);
  }
}

function body(value: object): Buffer {
  return Buffer.from(canonicalizeJSON(value), 'utf8');
}

/** Rekor `pkg/types/hashedrekord/v0.0.1`: a signature over an artifact digest. */
function hashedRekordV001(specIn: JsonObject): CanonicalEntry {
  const spec = object(specIn, '$.spec', ['signature', 'data']);
  const sig = object(spec['signature'], '$.spec.signature', ['content', 'publicKey']);
  const signature = base64(sig, 'content', '$.spec.signature', MAX_SIGNATURE_CHARS);
  const key = keyFrom(object(sig['publicKey'], '$.spec.signature.publicKey', ['content']), 'content', '$.spec.signature.publicKey');
  const data = object(spec['data'], '$.spec.data', ['hash']);
  const hash = object(data['hash'], '$.spec.data.hash', ['algorithm', 'value']);
  const algorithm = string(hash, 'algorithm', '$.spec.data.hash');
  if (algorithm !== 'sha256' && algorithm !== 'sha384' && algorithm !== 'sha512') {
    throw requestError(`$.spec.data.hash.algorithm must be sha256, sha384 or sha512, not ${JSON.stringify(algorithm)}`);
  }
  const digest = hexDigest(hash, 'value', '$.spec.data.hash', DIGEST_BYTES[algorithm]);
  verifyDigestSignature(key.key, algorithm, digest, signature);
  const hex = digest.toString('hex');
  return {
    kind: 'hashedrekord',
    apiVersion: '0.0.1',
    body: hashedRekordBody(algorithm, hex, signature.toString('base64'), key.pemBase64),
    indexKeys: [`${algorithm}:${hex}`, ...key.indexKeys],
  };
}

/**
 * The canonical (RFC 8785) body of a hashedrekord 0.0.1 entry, written out directly: the one
 * body every keyed and keyless signature submits. Keys are in canonical order, and the values
 * (an algorithm name, lower-case hex, standard base64) need no escaping. Tests hold it equal to
 * `canonicalizeJSON` of the same object.
 */
export function hashedRekordBody(algorithm: HashName, digestHex: string, signatureBase64: string, pemBase64: string): Buffer {
  return Buffer.from(
    `{"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"${algorithm}","value":"${digestHex}"}},"signature":{"content":"${signatureBase64}","publicKey":{"content":"${pemBase64}"}}}}`,
    'latin1',
  );
}

interface ParsedEnvelope {
  payloadType: string;
  payload: Buffer;
  signatures: { sig: string; sigBytes: Buffer; keyid: string | undefined }[];
}

/** A DSSE envelope (DSSE v1 "Envelope"): payload and signatures in standard base64. */
function parseEnvelope(env: JsonObject, path: string, doubleEncoded: boolean, allowPublicKey: boolean): ParsedEnvelope & { publicKeys: (Buffer | undefined)[] } {
  const payloadType = string(env, 'payloadType', path, 1024);
  let payload = base64(env, 'payload', path, MAX_ENVELOPE_CHARS);
  if (doubleEncoded) {
    // intoto 0.0.2 base64-encodes the (base64) payload and signatures once more.
    payload = base64({ v: payload.toString('utf8') }, 'v', `${path}.payload (inner)`, MAX_ENVELOPE_CHARS);
  }
  const publicKeys: (Buffer | undefined)[] = [];
  const signatures = array(env, 'signatures', path, MAX_DSSE_SIGNATURES).map((s, i) => {
    const p = `${path}.signatures[${i}]`;
    const o = object(s, p, allowPublicKey ? ['keyid', 'sig', 'publicKey'] : ['keyid', 'sig']);
    let sig = string(o, 'sig', p, MAX_SIGNATURE_CHARS * 2);
    if (doubleEncoded) sig = base64(o, 'sig', p, MAX_SIGNATURE_CHARS * 2).toString('utf8');
    const sigBytes = base64({ sig }, 'sig', p, MAX_SIGNATURE_CHARS);
    const keyid = o['keyid'] === undefined || o['keyid'] === '' ? undefined : optionalString(o, 'keyid', p, 1024);
    publicKeys.push(allowPublicKey ? base64(o, 'publicKey', p, 64 * 1024) : undefined);
    return { sig, sigBytes, keyid };
  });
  return { payloadType, payload, signatures, publicKeys };
}

/** Search keys of a DSSE payload: its SHA-256 and, for in-toto statements, the subjects' digests. */
function payloadIndexKeys(env: ParsedEnvelope): string[] {
  const keys = [`sha256:${sha256Hex(env.payload)}`];
  if (env.payloadType !== 'application/vnd.in-toto+json') return keys;
  try {
    const statement = JSON.parse(env.payload.toString('utf8')) as { subject?: unknown };
    if (!Array.isArray(statement.subject)) return keys;
    for (const s of statement.subject.slice(0, MAX_INDEXED_SUBJECTS)) {
      const digest = (s as { digest?: unknown } | null)?.digest;
      if (typeof digest !== 'object' || digest === null) continue;
      for (const [alg, value] of Object.entries(digest as Record<string, unknown>)) {
        if (/^sha(256|384|512)$/.test(alg) && typeof value === 'string' && /^[0-9a-fA-F]{64,128}$/.test(value)) {
          keys.push(`${alg}:${value.toLowerCase()}`);
        }
      }
    }
  } catch {
    // Not JSON: the payload is still logged, only its subjects are not indexed.
  }
  return keys;
}

function uniq(keys: string[]): string[] {
  return [...new Set(keys)];
}

/** Rekor `pkg/types/dsse/v0.0.1`: the log keeps hashes and signatures, never the payload. */
function dsseV001(specIn: JsonObject): CanonicalEntry {
  const spec = object(specIn, '$.spec', ['proposedContent']);
  const proposed = object(spec['proposedContent'], '$.spec.proposedContent', ['envelope', 'verifiers']);
  const envelopeText = string(proposed, 'envelope', '$.spec.proposedContent', MAX_ENVELOPE_CHARS);
  let envJson: unknown;
  try {
    envJson = JSON.parse(envelopeText);
  } catch {
    throw new TLogServerError('ERR_TLOG_JSON', '$.spec.proposedContent.envelope is not JSON');
  }
  const env = parseEnvelope(object(envJson, '$.spec.proposedContent.envelope', ['payload', 'payloadType', 'signatures']), '$.spec.proposedContent.envelope', false, false);
  const verifiers = array(proposed, 'verifiers', '$.spec.proposedContent', MAX_DSSE_SIGNATURES).map((v, i) => {
    if (typeof v !== 'string') throw requestError(`$.spec.proposedContent.verifiers[${i}] must be a string`);
    return keyFrom({ v }, 'v', `$.spec.proposedContent.verifiers[${i}]`);
  });
  const pae = preAuthEncoding(env.payloadType, env.payload);
  // Every signature must verify with one of the verifiers (Rekor: "all signatures must have a key that verifies it").
  const signatures = env.signatures.map((s, i) => {
    const key = verifiers.find((k) => {
      try {
        verifyMessageSignature(k.key, pae, s.sigBytes);
        return true;
      } catch (err) {
        if (err instanceof TLogServerError && err.code === 'ERR_TLOG_SIGNATURE') return false;
        throw err;
      }
    });
    if (!key) throw new TLogServerError('ERR_TLOG_SIGNATURE', `DSSE signature ${i} does not verify with any of the given verifiers`);
    return { signature: s.sig, verifier: key.pemBase64, key };
  });
  signatures.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
  const payloadHash = sha256Hex(env.payload);
  return {
    kind: 'dsse',
    apiVersion: '0.0.1',
    body: body({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: {
        envelopeHash: { algorithm: 'sha256', value: sha256Hex(envelopeText) },
        payloadHash: { algorithm: 'sha256', value: payloadHash },
        signatures: signatures.map(({ signature, verifier }) => ({ signature, verifier })),
      },
    }),
    indexKeys: uniq([...payloadIndexKeys(env), ...signatures.flatMap((s) => s.key.indexKeys)]),
  };
}

/** Rekor `pkg/types/intoto/v0.0.2`: the envelope without its payload, the envelope hash, the payload hash. */
function intotoV002(specIn: JsonObject): CanonicalEntry {
  const spec = object(specIn, '$.spec', ['content']);
  const content = object(spec['content'], '$.spec.content', ['envelope', 'hash', 'payloadHash']);
  const envObj = object(content['envelope'], '$.spec.content.envelope', ['payload', 'payloadType', 'signatures']);
  const env = parseEnvelope(envObj, '$.spec.content.envelope', true, true);
  const hash = object(content['hash'], '$.spec.content.hash', ['algorithm', 'value']);
  if (string(hash, 'algorithm', '$.spec.content.hash') !== 'sha256') throw requestError('$.spec.content.hash.algorithm must be sha256');
  const envelopeHash = hexDigest(hash, 'value', '$.spec.content.hash', 32).toString('hex');
  if (content['payloadHash'] !== undefined) {
    // The log computes the payload hash itself; a client's value must at least agree with it.
    const ph = object(content['payloadHash'], '$.spec.content.payloadHash', ['algorithm', 'value']);
    if (string(ph, 'algorithm', '$.spec.content.payloadHash') !== 'sha256') throw requestError('$.spec.content.payloadHash.algorithm must be sha256');
    if (hexDigest(ph, 'value', '$.spec.content.payloadHash', 32).toString('hex') !== sha256Hex(env.payload)) {
      throw requestError('$.spec.content.payloadHash is not the SHA-256 of the payload');
    }
  }
  const pae = preAuthEncoding(env.payloadType, env.payload);
  const signatures = env.signatures.map((s, i) => {
    const key = keyMaterialFromPem(env.publicKeys[i] as Buffer);
    try {
      verifyMessageSignature(key, pae, s.sigBytes);
    } catch (err) {
      if (err instanceof TLogServerError && err.code === 'ERR_TLOG_SIGNATURE') {
        throw new TLogServerError('ERR_TLOG_SIGNATURE', `DSSE signature ${i} does not verify with its publicKey`);
      }
      throw err;
    }
    const out: Record<string, string> = { publicKey: canonicalPemBase64(key), sig: Buffer.from(s.sig, 'utf8').toString('base64') };
    if (s.keyid !== undefined) out['keyid'] = s.keyid;
    return { out, key };
  });
  return {
    kind: 'intoto',
    apiVersion: '0.0.2',
    body: body({
      apiVersion: '0.0.2',
      kind: 'intoto',
      spec: {
        content: {
          envelope: { payloadType: env.payloadType, signatures: signatures.map((s) => s.out) },
          hash: { algorithm: 'sha256', value: envelopeHash },
          payloadHash: { algorithm: 'sha256', value: sha256Hex(env.payload) },
        },
      },
    }),
    indexKeys: uniq([...payloadIndexKeys(env), `sha256:${envelopeHash}`, ...signatures.flatMap((s) => keyIndexKeys(s.key))]),
  };
}
