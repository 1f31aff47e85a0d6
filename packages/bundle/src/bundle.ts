import { BundleError } from './errors.js';
import {
  asBytes, asObject, at, field, item, parseRoot, readArray, readBytes, readObject, readOneof,
  readString, readUnsigned, requireBytes, requireEnum, requireObject, requireString,
  type JsonObject,
} from './json-reader.js';
import { BUNDLE_LIMITS } from './limits.js';

/** Hash algorithms Signet accepts in bundles and trust roots (protobuf-specs `HashAlgorithm`). */
export type HashAlgorithm = 'SHA2_256' | 'SHA2_384' | 'SHA2_512';
/** The `HashAlgorithm` names accepted, in proto enum order. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['SHA2_256', 'SHA2_384', 'SHA2_512'];

/** A log's identifier: SHA-256 of its DER SubjectPublicKeyInfo (RFC 6962 §3.2). */
export interface LogId { keyId: Buffer }
/** Rekor entry type and its API version, e.g. `hashedrekord` / `0.0.1`. */
export interface KindVersion { kind: string; version: string }
/** Rekor v1's signed entry timestamp (SET). */
export interface InclusionPromise { signedEntryTimestamp: Buffer }
/** A signed checkpoint (C2SP tlog-checkpoint), as the whole signed-note text. */
export interface Checkpoint { envelope: string }
/** An RFC 6962 inclusion proof with the checkpoint it was computed against. */
export interface InclusionProof { logIndex: number; rootHash: Buffer; treeSize: number; hashes: Buffer[]; checkpoint: Checkpoint }
/**
 * One transparency log entry. `integratedTime` is 0 when the log gave none (Rekor v2);
 * `canonicalizedBody` is empty when the bundle omitted it.
 */
export interface TransparencyLogEntry {
  logIndex: number;
  logId: LogId;
  kindVersion: KindVersion;
  integratedTime: number;
  inclusionPromise?: InclusionPromise;
  inclusionProof?: InclusionProof;
  canonicalizedBody: Buffer;
}
/** The digest a message signature was computed over. */
export interface MessageDigest { algorithm: HashAlgorithm; digest: Buffer }
/** A plain signature over an artifact digest (always has `messageDigest` once parsed). */
export interface MessageSignature { messageDigest?: MessageDigest; signature: Buffer }
/** A DSSE signature; `keyid` is "" when absent. */
export interface Signature { sig: Buffer; keyid: string }
/** A DSSE envelope (bytes decoded). */
export interface Envelope { payload: Buffer; payloadType: string; signatures: Signature[] }
/** What was signed. */
export type BundleContent =
  | { $case: 'messageSignature'; messageSignature: MessageSignature }
  | { $case: 'dsseEnvelope'; dsseEnvelope: Envelope };
/** The signer's key material: a chain (DER, leaf first), one DER certificate, or a key hint. */
export type VerificationMaterialContent =
  | { $case: 'x509CertificateChain'; x509CertificateChain: { certificates: Buffer[] } }
  | { $case: 'certificate'; certificate: Buffer }
  | { $case: 'publicKey'; publicKey: { hint: string } };
/** RFC 3161 timestamps: each the DER `TimeStampResp`/token bytes (`signedTimestamp`). */
export interface TimestampVerificationData { rfc3161Timestamps: Buffer[] }
/** Everything needed to verify the signature besides the trust root. */
export interface VerificationMaterial {
  content: VerificationMaterialContent;
  tlogEntries: TransparencyLogEntry[];
  timestampVerificationData: TimestampVerificationData;
}
/** Bundle format version, from the media type. */
export type BundleVersion = '0.1' | '0.2' | '0.3';
/** A parsed Sigstore bundle. */
export interface Bundle {
  mediaType: string;
  version: BundleVersion;
  verificationMaterial: VerificationMaterial;
  content: BundleContent;
}

/** Media type of a v0.1 bundle. */
export const BUNDLE_V01_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.1';
/** Media type of a v0.2 bundle. */
export const BUNDLE_V02_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.2';
/** The older spelling of the v0.3 media type, still accepted. */
export const BUNDLE_V03_LEGACY_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle+json;version=0.3';
/** Media type of a v0.3 bundle, the one producers MUST use (sigstore_bundle.proto). */
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

// Exact strings only: sigstore-js matches prefixes with a regexp, which would also admit
// e.g. "...;version=0.9" or a suffix; an unknown version must not be read as a known one.
const MEDIA_TYPE_VERSIONS: ReadonlyMap<string, BundleVersion> = new Map([
  [BUNDLE_V01_MEDIA_TYPE, '0.1'],
  [BUNDLE_V02_MEDIA_TYPE, '0.2'],
  [BUNDLE_V03_LEGACY_MEDIA_TYPE, '0.3'],
  [BUNDLE_V03_MEDIA_TYPE, '0.3'],
]);

/** The bundle version a media type names, or `undefined` when it is not a known one. */
export function bundleVersionOf(mediaType: string): BundleVersion | undefined {
  return MEDIA_TYPE_VERSIONS.get(mediaType);
}

function readLogId(obj: JsonObject, key: string, path: string): LogId {
  const id = requireObject(obj, key, path);
  return { keyId: requireBytes(id, 'keyId', at(path, key), BUNDLE_LIMITS.maxSmallBytes) };
}

function readInclusionProof(obj: JsonObject, path: string): InclusionProof {
  const hashes = readArray(obj, 'hashes', path, BUNDLE_LIMITS.maxProofHashes).map((h, i) => {
    const bytes = asBytes(h, item(at(path, 'hashes'), i), BUNDLE_LIMITS.maxHashBytes);
    if (bytes.length === 0) {
      throw new BundleError('ERR_BUNDLE_MISSING', item(at(path, 'hashes'), i), 'proof hash is empty');
    }
    return bytes;
  });
  const cp = readObject(obj, 'checkpoint', path);
  // sigstore_rekor.proto: the checkpoint is part of every inclusion proof a bundle carries
  // (v0.2+ require it; validate.ts `validateInclusionProof`).
  if (cp === undefined) {
    throw new BundleError('ERR_BUNDLE_MISSING', at(path, 'checkpoint'), 'inclusion proof has no checkpoint');
  }
  return {
    logIndex: readUnsigned(obj, 'logIndex', path),
    rootHash: requireBytes(obj, 'rootHash', path, BUNDLE_LIMITS.maxHashBytes),
    treeSize: readUnsigned(obj, 'treeSize', path),
    hashes,
    checkpoint: { envelope: requireString(cp, 'envelope', at(path, 'checkpoint'), BUNDLE_LIMITS.maxCheckpointChars) },
  };
}

function readTlogEntry(value: unknown, path: string, version: BundleVersion): TransparencyLogEntry {
  const obj = asObject(value, path);
  const kv = requireObject(obj, 'kindVersion', path);
  const entry: TransparencyLogEntry = {
    logIndex: readUnsigned(obj, 'logIndex', path),
    logId: readLogId(obj, 'logId', path),
    kindVersion: {
      kind: requireString(kv, 'kind', at(path, 'kindVersion')),
      version: requireString(kv, 'version', at(path, 'kindVersion')),
    },
    integratedTime: readUnsigned(obj, 'integratedTime', path),
    canonicalizedBody: readBytes(obj, 'canonicalizedBody', path, BUNDLE_LIMITS.maxCanonicalizedBodyBytes),
  };
  const promise = readObject(obj, 'inclusionPromise', path);
  if (promise !== undefined) {
    entry.inclusionPromise = {
      signedEntryTimestamp: requireBytes(promise, 'signedEntryTimestamp', at(path, 'inclusionPromise'), BUNDLE_LIMITS.maxSmallBytes),
    };
  }
  const proof = readObject(obj, 'inclusionProof', path);
  if (proof !== undefined) entry.inclusionProof = readInclusionProof(proof, at(path, 'inclusionProof'));
  // Version rules (sigstore_rekor.proto comments; sigstore-js validate.ts): a v0.1 bundle
  // proves inclusion with a promise (SET); v0.2 and later with a proof + checkpoint.
  if (version === '0.1' && entry.inclusionPromise === undefined) {
    throw new BundleError('ERR_BUNDLE_MISSING', at(path, 'inclusionPromise'), 'v0.1 bundle entries need an inclusion promise');
  }
  if (version !== '0.1' && entry.inclusionProof === undefined) {
    throw new BundleError('ERR_BUNDLE_MISSING', at(path, 'inclusionProof'), `v${version} bundle entries need an inclusion proof`);
  }
  return entry;
}

function readCertificate(value: unknown, path: string): Buffer {
  return requireBytes(asObject(value, path), 'rawBytes', path, BUNDLE_LIMITS.maxCertificateBytes);
}

function readVerificationMaterial(obj: JsonObject, path: string, version: BundleVersion): VerificationMaterial {
  const which = readOneof(obj, ['publicKey', 'x509CertificateChain', 'certificate'] as const, path, 'content', true);
  let content: VerificationMaterialContent;
  if (which === 'publicKey') {
    const pk = requireObject(obj, 'publicKey', path);
    content = { $case: 'publicKey', publicKey: { hint: readString(pk, 'hint', at(path, 'publicKey')) ?? '' } };
  } else if (which === 'x509CertificateChain') {
    // sigstore-js `assertBundleLatest`: v0.3 carries a single leaf `certificate`, never a chain.
    if (version === '0.3') {
      throw new BundleError('ERR_BUNDLE_CONSTRAINT', at(path, 'x509CertificateChain'), 'v0.3 bundles carry a certificate, not a chain');
    }
    const chainPath = at(path, 'x509CertificateChain');
    const chain = requireObject(obj, 'x509CertificateChain', path);
    const certificates = readArray(chain, 'certificates', chainPath, BUNDLE_LIMITS.maxChainCertificates)
      .map((c, i) => readCertificate(c, item(at(chainPath, 'certificates'), i)));
    if (certificates.length === 0) {
      throw new BundleError('ERR_BUNDLE_MISSING', at(chainPath, 'certificates'), 'certificate chain is empty');
    }
    content = { $case: 'x509CertificateChain', x509CertificateChain: { certificates } };
  } else {
    content = { $case: 'certificate', certificate: readCertificate(field(obj, 'certificate'), at(path, 'certificate')) };
  }
  const tlogEntries = readArray(obj, 'tlogEntries', path, BUNDLE_LIMITS.maxTlogEntries)
    .map((e, i) => readTlogEntry(e, item(at(path, 'tlogEntries'), i), version));
  const rfc3161Timestamps: Buffer[] = [];
  const tvd = readObject(obj, 'timestampVerificationData', path);
  if (tvd !== undefined) {
    const tvdPath = at(path, 'timestampVerificationData');
    readArray(tvd, 'rfc3161Timestamps', tvdPath, BUNDLE_LIMITS.maxRFC3161Timestamps).forEach((t, i) => {
      const p = item(at(tvdPath, 'rfc3161Timestamps'), i);
      rfc3161Timestamps.push(requireBytes(asObject(t, p), 'signedTimestamp', p, BUNDLE_LIMITS.maxRFC3161TimestampBytes));
    });
  }
  return { content, tlogEntries, timestampVerificationData: { rfc3161Timestamps } };
}

function readMessageSignature(obj: JsonObject, path: string): MessageSignature {
  // sigstore-js validate.ts requires the digest although the proto marks it optional.
  const md = requireObject(obj, 'messageDigest', path);
  const mdPath = at(path, 'messageDigest');
  return {
    messageDigest: {
      algorithm: requireEnum(md, 'algorithm', mdPath, HASH_ALGORITHMS),
      digest: requireBytes(md, 'digest', mdPath, BUNDLE_LIMITS.maxSmallBytes),
    },
    signature: requireBytes(obj, 'signature', path, BUNDLE_LIMITS.maxSmallBytes),
  };
}

function readEnvelope(obj: JsonObject, path: string): Envelope {
  const payload = requireBytes(obj, 'payload', path, BUNDLE_LIMITS.maxDSSEPayloadBytes);
  const payloadType = requireString(obj, 'payloadType', path, BUNDLE_LIMITS.maxPayloadTypeChars);
  const signatures = readArray(obj, 'signatures', path, BUNDLE_LIMITS.maxDSSESignatures).map((s, i) => {
    const p = item(at(path, 'signatures'), i);
    const sig = asObject(s, p);
    return { sig: requireBytes(sig, 'sig', p, BUNDLE_LIMITS.maxSmallBytes), keyid: readString(sig, 'keyid', p) ?? '' };
  });
  // sigstore_bundle.proto: "DSSE envelopes in a bundle MUST have exactly one signature."
  if (signatures.length !== 1) {
    throw new BundleError('ERR_BUNDLE_CONSTRAINT', at(path, 'signatures'), `expected exactly one signature, got ${signatures.length}`);
  }
  return { payload, payloadType, signatures };
}

/**
 * Parses a Sigstore bundle (v0.1, v0.2, v0.3) strictly. A string or bytes is size-checked and
 * `JSON.parse`d first; any other value is taken as already-parsed JSON. The result is a fresh
 * object sharing nothing with the input, with bytes as Buffers.
 *
 * Version rules: v0.1 entries need an inclusion promise; v0.2+ entries need an inclusion
 * proof with a checkpoint; v0.3 forbids `x509CertificateChain`. All versions: verification
 * material and content are oneofs with exactly one member; a DSSE envelope has exactly one
 * signature; a message signature has a digest.
 *
 * @throws BundleError `ERR_BUNDLE_JSON`, `ERR_BUNDLE_VERSION`, `ERR_BUNDLE_MISSING`,
 *   `ERR_BUNDLE_TYPE`, `ERR_BUNDLE_BASE64`, `ERR_BUNDLE_INTEGER`, `ERR_BUNDLE_LIMIT`,
 *   `ERR_BUNDLE_ONEOF`, `ERR_BUNDLE_ENUM`, `ERR_BUNDLE_CONSTRAINT`
 */
export function parseBundle(input: unknown): Bundle {
  const root = parseRoot(input);
  const mediaTypeValue = field(root, 'mediaType');
  if (mediaTypeValue === undefined || mediaTypeValue === '') {
    throw new BundleError('ERR_BUNDLE_VERSION', '$.mediaType', 'bundle has no media type');
  }
  const mediaType = requireString(root, 'mediaType', '$');
  const version = bundleVersionOf(mediaType);
  if (version === undefined) {
    throw new BundleError('ERR_BUNDLE_VERSION', '$.mediaType', `unsupported bundle media type ${JSON.stringify(mediaType)}`);
  }
  const verificationMaterial = readVerificationMaterial(requireObject(root, 'verificationMaterial', '$'), '$.verificationMaterial', version);
  const which = readOneof(root, ['messageSignature', 'dsseEnvelope'] as const, '$', 'content', true);
  const content: BundleContent = which === 'messageSignature'
    ? { $case: 'messageSignature', messageSignature: readMessageSignature(requireObject(root, 'messageSignature', '$'), '$.messageSignature') }
    : { $case: 'dsseEnvelope', dsseEnvelope: readEnvelope(requireObject(root, 'dsseEnvelope', '$'), '$.dsseEnvelope') };
  return { mediaType, version, verificationMaterial, content };
}
