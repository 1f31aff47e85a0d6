import {
  CoreError, DerTag, decodeBase64, derChildren, derIntegerBytes, derOid, derRaw, derSequence, derSmallInteger, derValue,
  encodeInteger, expectTag, isDottedOid, parseDer, type DerNode,
} from '@signet/core';
import { TimestampError } from './errors.js';
import { OID_BY_HASH, type TimestampHash } from './oids.js';

/** Largest TimeStampReq we read: a request is a hash and a few small fields (~100 bytes). */
export const MAX_REQUEST_BYTES = 8 * 1024;
/** Largest nonce we echo, in octets (RFC 3161 §2.4.1 suggests 64 bits). */
export const MAX_NONCE_BYTES = 64;
const MAX_EXTENSIONS = 16;

/** MessageImprint (RFC 3161 §2.4.1): what is timestamped, as the requester hashed it. */
export interface MessageImprint {
  /** hashAlgorithm OID, dotted. */
  readonly hashAlgorithm: string;
  /** DER of the AlgorithmIdentifier parameters, when present (only NULL is acceptable for SHA-2). */
  readonly hashParameters?: Buffer | undefined;
  readonly hashedMessage: Buffer;
}

/** A request extension (RFC 3161 §2.4.1 `extensions`, RFC 5280 `Extension`). */
export interface RequestExtension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Buffer;
}

/**
 * A TimeStampReq (RFC 3161 §2.4.1), read but not yet judged: the version, algorithm, imprint
 * length, policy and extensions are checked by {@link TimestampAuthority.timestamp}, which answers
 * a rejection for each with its own PKIFailureInfo.
 */
export interface TimeStampReq {
  readonly version: number;
  readonly messageImprint: MessageImprint;
  /** reqPolicy OID, dotted, when the requester asked for a policy. */
  readonly reqPolicy?: string | undefined;
  /** nonce INTEGER content octets (minimal two's complement), echoed verbatim in the TSTInfo. */
  readonly nonce?: Buffer | undefined;
  /** certReq: embed the TSA certificate in the token. */
  readonly certReq: boolean;
  readonly extensions: readonly RequestExtension[];
}

function malformed(message: string, cause?: unknown): never {
  throw new TimestampError('ERR_TSA_REQUEST_FORMAT', message, cause === undefined ? undefined : { cause });
}

/** INTEGER content octets, rejecting non-minimal encodings (X.690 §8.3.2). */
function minimalInteger(node: DerNode, what: string): Buffer {
  const v = derIntegerBytes(node);
  if (v.length > 1 && ((v[0] === 0x00 && ((v[1] as number) & 0x80) === 0) || (v[0] === 0xff && ((v[1] as number) & 0x80) !== 0))) {
    malformed(`${what} is not a minimal INTEGER`);
  }
  return v;
}

/**
 * Parses a DER TimeStampReq strictly (RFC 3161 §2.4.1): field order, minimal lengths and
 * integers, no trailing data. Semantics (version, algorithm, policy) are left to the authority.
 * @throws TimestampError `ERR_TSA_REQUEST_FORMAT`
 */
export function parseTimeStampReq(der: Uint8Array): TimeStampReq {
  if (!(der instanceof Uint8Array)) throw new TypeError('a TimeStampReq is bytes');
  if (der.byteLength > MAX_REQUEST_BYTES) malformed(`TimeStampReq is larger than ${MAX_REQUEST_BYTES} bytes`);
  try {
    return readRequest(der);
  } catch (cause) {
    if (cause instanceof TimestampError) throw cause;
    if (cause instanceof CoreError) malformed(`malformed TimeStampReq: ${cause.message}`, cause);
    throw cause;
  }
}

function readRequest(der: Uint8Array): TimeStampReq {
  const fields = derSequence(parseDer(der), 'TimeStampReq');
  let i = 0;
  const versionNode = fields[i++] ?? malformed('empty TimeStampReq');
  if (versionNode.tag !== DerTag.INTEGER) malformed('TimeStampReq must start with its version');
  const versionBytes = minimalInteger(versionNode, 'version');
  // A version we cannot even represent is still "a version other than 1": badRequest, not badDataFormat.
  const version = versionBytes.length <= 6 && ((versionBytes[0] as number) & 0x80) === 0 ? derSmallInteger(versionNode) : -1;

  const imprintParts = derSequence(fields[i++] ?? malformed('TimeStampReq without messageImprint'), 'MessageImprint');
  if (imprintParts.length !== 2) malformed('MessageImprint must have hashAlgorithm and hashedMessage');
  const alg = derSequence(imprintParts[0] as DerNode, 'hashAlgorithm');
  if (alg.length < 1 || alg.length > 2) malformed('hashAlgorithm must have an OID and at most one parameter');
  const hashAlgorithm = derOid(alg[0] as DerNode);
  const hashParameters = alg[1] ? Buffer.from(derRaw(alg[1])) : undefined;
  const hashedMessage = Buffer.from(derValue(expectTag(imprintParts[1] as DerNode, DerTag.OCTET_STRING, 'hashedMessage')));

  let reqPolicy: string | undefined;
  if (fields[i]?.tag === DerTag.OID) reqPolicy = derOid(fields[i++] as DerNode);
  let nonce: Buffer | undefined;
  if (fields[i]?.tag === DerTag.INTEGER) {
    nonce = Buffer.from(minimalInteger(fields[i++] as DerNode, 'nonce'));
    if (nonce.length > MAX_NONCE_BYTES) malformed(`nonce is longer than ${MAX_NONCE_BYTES} octets`);
  }
  let certReq = false;
  if (fields[i]?.tag === DerTag.BOOLEAN) {
    const v = derValue(fields[i++] as DerNode);
    // DER writes TRUE as 0xff and omits a DEFAULT FALSE; an explicit FALSE (00) is common and harmless.
    if (v.length !== 1 || (v[0] !== 0xff && v[0] !== 0x00)) malformed('certReq is not a DER BOOLEAN');
    certReq = v[0] === 0xff;
  }
  const extensions: RequestExtension[] = [];
  if (fields[i]?.tag === 0xa0) {
    for (const ext of derChildren(fields[i++] as DerNode, MAX_EXTENSIONS)) {
      const parts = derSequence(ext, 'Extension');
      const oid = derOid(parts[0] ?? malformed('empty Extension'));
      let j = 1;
      let critical = false;
      if (parts[j]?.tag === DerTag.BOOLEAN) critical = derValue(parts[j++] as DerNode)[0] === 0xff;
      const value = derValue(expectTag(parts[j++] ?? malformed('Extension without a value'), DerTag.OCTET_STRING, 'extnValue'));
      if (j !== parts.length) malformed('trailing fields in Extension');
      extensions.push({ oid, critical, value: Buffer.from(value) });
    }
  }
  if (i !== fields.length) malformed('unexpected or out-of-order field in TimeStampReq');
  return { version, messageImprint: { hashAlgorithm, hashParameters, hashedMessage }, reqPolicy, nonce, certReq, extensions };
}

/**
 * The JSON request form of Sigstore's timestamp-authority (`POST /api/v1/timestamp` with
 * `Content-Type: application/json`): `artifactHash` (base64 of the digest) and `hashAlgorithm`
 * (`sha256` | `sha384` | `sha512`) are required; `nonce` (integer), `certificates` (boolean,
 * default false) and `tsaPolicyOID` (dotted OID) are optional. Unknown fields are ignored.
 */
export interface TimestampJSONRequest {
  artifactHash: string;
  hashAlgorithm: string;
  nonce?: number | string;
  certificates?: boolean;
  tsaPolicyOID?: string;
}

const JSON_HASHES: Readonly<Record<string, TimestampHash>> = { sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };
/** Names of hashes that exist but that we refuse (badAlg rather than badDataFormat). */
const WEAK_JSON_HASHES = new Set(['sha1', 'md5', 'sha224']);

/**
 * Parses the body of a JSON request: strict JSON, no `__proto__` key and no `constructor.prototype`
 * anywhere (prototype poisoning, as fastify's secure-json-parse refuses them), an object at the top.
 * @throws TimestampError `ERR_TSA_REQUEST_FORMAT`
 */
export function parseJSONBody(body: Uint8Array | string): unknown {
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.length > MAX_REQUEST_BYTES) malformed(`request is larger than ${MAX_REQUEST_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text, function poisonCheck(key: string, v: unknown) {
      if (key === '__proto__') throw new SyntaxError('__proto__ key');
      if (key === 'constructor' && v !== null && typeof v === 'object' && Object.prototype.hasOwnProperty.call(v, 'prototype')) {
        throw new SyntaxError('constructor.prototype key');
      }
      return v;
    });
  } catch (cause) {
    malformed(`request is not valid JSON: ${(cause as Error).message}`, cause);
  }
  return value;
}

/** A JSON nonce as INTEGER content octets: a safe integer, or a decimal string for larger values. */
function nonceOctets(value: unknown): Buffer {
  let n: bigint;
  if (typeof value === 'number') {
    // Beyond 2^53 a JSON number has already lost digits; echoing a different nonce is worse than refusing.
    if (!Number.isSafeInteger(value)) malformed('nonce must be an integer within ±(2^53−1), or a decimal string');
    n = BigInt(value);
  } else if (typeof value === 'string' && /^-?\d{1,154}$/.test(value)) {
    n = BigInt(value);
  } else {
    malformed('nonce must be an integer');
  }
  const content = derValue(parseDer(encodeInteger(n)));
  if (content.length > MAX_NONCE_BYTES) malformed(`nonce is longer than ${MAX_NONCE_BYTES} octets`);
  return Buffer.from(content);
}

/**
 * Turns a parsed JSON request (Sigstore's form, {@link TimestampJSONRequest}) into a TimeStampReq.
 * @throws TimestampError `ERR_TSA_REQUEST_FORMAT` (shape, types, base64),
 *   `ERR_TSA_HASH_ALGORITHM` (a hash name we refuse or do not know)
 */
export function timeStampReqFromJSON(json: unknown): TimeStampReq {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) malformed('request must be a JSON object');
  const obj = json as Record<string, unknown>;
  const own = (k: string): unknown => (Object.prototype.hasOwnProperty.call(obj, k) ? obj[k] : undefined);
  const hashName = own('hashAlgorithm');
  if (typeof hashName !== 'string') malformed('hashAlgorithm must be a string');
  const hash = JSON_HASHES[hashName.toLowerCase()];
  if (!hash) {
    throw new TimestampError('ERR_TSA_HASH_ALGORITHM', WEAK_JSON_HASHES.has(hashName.toLowerCase())
      ? `hash algorithm ${hashName} is too weak: use sha256, sha384 or sha512`
      : `unsupported hash algorithm ${JSON.stringify(hashName.slice(0, 32))}`);
  }
  const artifactHash = own('artifactHash');
  if (typeof artifactHash !== 'string') malformed('artifactHash must be a base64 string');
  let hashedMessage: Buffer;
  try {
    hashedMessage = decodeBase64(artifactHash, 'artifactHash');
  } catch (cause) {
    malformed('artifactHash is not valid base64', cause);
  }
  const certificates = own('certificates');
  if (certificates !== undefined && certificates !== null && typeof certificates !== 'boolean') malformed('certificates must be a boolean');
  const policy = own('tsaPolicyOID');
  if (policy !== undefined && policy !== null && policy !== '' && (typeof policy !== 'string' || !isDottedOid(policy))) {
    malformed('tsaPolicyOID must be a dotted object identifier');
  }
  const nonce = own('nonce');
  return {
    version: 1,
    messageImprint: { hashAlgorithm: OID_BY_HASH[hash], hashedMessage },
    reqPolicy: typeof policy === 'string' && policy !== '' ? policy : undefined,
    nonce: nonce === undefined || nonce === null ? undefined : nonceOctets(nonce),
    certReq: certificates === true,
    extensions: [],
  };
}
