import { encodeBase64Field } from './base64.js';
import { HASH_ALGORITHMS, type HashAlgorithm, type LogId } from './bundle.js';
import { BundleError } from './errors.js';
import {
  asObject, at, field, item, parseRoot, readArray, readObject, readString, requireBytes,
  requireEnum, requireObject, requireString, type JsonObject,
} from './json-reader.js';
import { BUNDLE_LIMITS } from './limits.js';
import { requireValidity, serializeValidity, type ValidityPeriod, type ValidityPeriodJSON } from './validity.js';

/**
 * A public key with its validity window. `keyDetails` is the protobuf-specs
 * `PublicKeyDetails` name as written (e.g. `PKIX_ECDSA_P256_SHA_256`, `PKIX_ED25519`),
 * kept even when unknown: the verifier decides what it supports.
 */
export interface PublicKey { rawBytes: Buffer; keyDetails: string; validFor: ValidityPeriod }
/** A transparency log (Rekor) or CT log, as the trust root lists it. */
export interface TransparencyLogInstance {
  baseUrl: string;
  hashAlgorithm: HashAlgorithm;
  publicKey: PublicKey;
  logId: LogId;
  checkpointKeyId?: LogId;
  operator?: string;
}
/** Subject of a CA's root certificate ("" where the trust root leaves a part out). */
export interface DistinguishedName { organization: string; commonName: string }
/** A certificate authority (Fulcio) or timestamp authority, chain in DER, anchor last. */
export interface CertificateAuthority {
  subject: DistinguishedName;
  uri: string;
  certChain: { certificates: Buffer[] };
  validFor: ValidityPeriod;
  operator?: string;
}
/** A parsed `trusted_root.json`. */
export interface TrustedRoot {
  mediaType: string;
  tlogs: TransparencyLogInstance[];
  certificateAuthorities: CertificateAuthority[];
  ctlogs: TransparencyLogInstance[];
  timestampAuthorities: CertificateAuthority[];
}

/** proto3 JSON of a `TransparencyLogInstance`. */
export interface TransparencyLogInstanceJSON {
  baseUrl: string;
  hashAlgorithm: HashAlgorithm;
  publicKey: { rawBytes: string; keyDetails: string; validFor: ValidityPeriodJSON };
  logId: { keyId: string };
  checkpointKeyId?: { keyId: string };
  operator?: string;
}
/** proto3 JSON of a `CertificateAuthority`. */
export interface CertificateAuthorityJSON {
  subject?: { organization?: string; commonName?: string };
  uri?: string;
  certChain: { certificates: { rawBytes: string }[] };
  validFor: ValidityPeriodJSON;
  operator?: string;
}
/** proto3 JSON of a `TrustedRoot`. */
export interface TrustedRootJSON {
  mediaType: string;
  tlogs: TransparencyLogInstanceJSON[];
  certificateAuthorities: CertificateAuthorityJSON[];
  ctlogs: TransparencyLogInstanceJSON[];
  timestampAuthorities: CertificateAuthorityJSON[];
}

/** The media type producers should write (sigstore_trustroot.proto). */
export const TRUSTED_ROOT_V01_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot.v0.1+json';

/**
 * Every spelling in use: the legacy `+json;version=0.1` (public-good TUF, `gh attestation
 * trusted-root`), the `.v0.1+json` form the proto prescribes, and `.v0.2+json` (same message,
 * with `checkpointKeyId`; emitted by sigstore-python and others).
 */
export const TRUSTED_ROOT_MEDIA_TYPES: readonly string[] = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  TRUSTED_ROOT_V01_MEDIA_TYPE,
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
];

function readLogId(obj: JsonObject, key: string, path: string): LogId {
  return { keyId: requireBytes(requireObject(obj, key, path), 'keyId', at(path, key), BUNDLE_LIMITS.maxSmallBytes) };
}

function readLog(value: unknown, path: string): TransparencyLogInstance {
  const obj = asObject(value, path);
  const pkPath = at(path, 'publicKey');
  const pk = requireObject(obj, 'publicKey', path);
  const log: TransparencyLogInstance = {
    baseUrl: requireString(obj, 'baseUrl', path),
    hashAlgorithm: requireEnum(obj, 'hashAlgorithm', path, HASH_ALGORITHMS),
    publicKey: {
      rawBytes: requireBytes(pk, 'rawBytes', pkPath, BUNDLE_LIMITS.maxSmallBytes),
      keyDetails: requireString(pk, 'keyDetails', pkPath),
      validFor: requireValidity(pk, 'validFor', pkPath, 'ERR_TRUSTROOT_VALIDITY'),
    },
    logId: readLogId(obj, 'logId', path),
  };
  if (field(obj, 'checkpointKeyId') !== undefined) log.checkpointKeyId = readLogId(obj, 'checkpointKeyId', path);
  const operator = readString(obj, 'operator', path);
  if (operator !== undefined) log.operator = operator;
  return log;
}

function readAuthority(value: unknown, path: string): CertificateAuthority {
  const obj = asObject(value, path);
  const subject = readObject(obj, 'subject', path) ?? {};
  const chainPath = at(path, 'certChain');
  // An authority with no certificates is legal protobuf and occurs in real roots; it can vouch
  // for nothing, and the verifier skips it (it must never lend its validity window to another).
  const chain = readObject(obj, 'certChain', path) ?? {};
  const certificates = readArray(chain, 'certificates', chainPath, BUNDLE_LIMITS.maxChainCertificates).map((c, i) => {
    const p = item(at(chainPath, 'certificates'), i);
    return requireBytes(asObject(c, p), 'rawBytes', p, BUNDLE_LIMITS.maxCertificateBytes);
  });
  const ca: CertificateAuthority = {
    subject: {
      organization: readString(subject, 'organization', at(path, 'subject')) ?? '',
      commonName: readString(subject, 'commonName', at(path, 'subject')) ?? '',
    },
    uri: readString(obj, 'uri', path) ?? '',
    certChain: { certificates },
    validFor: requireValidity(obj, 'validFor', path, 'ERR_TRUSTROOT_VALIDITY'),
  };
  const operator = readString(obj, 'operator', path);
  if (operator !== undefined) ca.operator = operator;
  return ca;
}

/**
 * Parses a `trusted_root.json` strictly (string, bytes or parsed JSON). Every validity window
 * must have a `start`; unknown `keyDetails` names are kept; unknown fields are ignored.
 * @throws BundleError `ERR_TRUSTROOT_VERSION`, `ERR_TRUSTROOT_VALIDITY`, `ERR_BUNDLE_JSON`,
 *   `ERR_BUNDLE_MISSING`, `ERR_BUNDLE_TYPE`, `ERR_BUNDLE_BASE64`, `ERR_BUNDLE_LIMIT`,
 *   `ERR_BUNDLE_ENUM`, `ERR_BUNDLE_TIMESTAMP`
 */
export function parseTrustedRoot(input: unknown): TrustedRoot {
  const root = parseRoot(input);
  const mt = readString(root, 'mediaType', '$');
  if (mt === undefined || !TRUSTED_ROOT_MEDIA_TYPES.includes(mt)) {
    throw new BundleError('ERR_TRUSTROOT_VERSION', '$.mediaType', `unsupported trusted root media type ${JSON.stringify(mt ?? null)}`);
  }
  const list = <T>(key: string, read: (v: unknown, p: string) => T): T[] =>
    readArray(root, key, '$', BUNDLE_LIMITS.maxTrustEntries).map((v, i) => read(v, item(at('$', key), i)));
  return {
    mediaType: mt,
    tlogs: list('tlogs', readLog),
    certificateAuthorities: list('certificateAuthorities', readAuthority),
    ctlogs: list('ctlogs', readLog),
    timestampAuthorities: list('timestampAuthorities', readAuthority),
  };
}

function serializeLog(log: TransparencyLogInstance): TransparencyLogInstanceJSON {
  const out: TransparencyLogInstanceJSON = {
    baseUrl: log.baseUrl,
    hashAlgorithm: log.hashAlgorithm,
    publicKey: {
      rawBytes: encodeBase64Field(log.publicKey.rawBytes),
      keyDetails: log.publicKey.keyDetails,
      validFor: serializeValidity(log.publicKey.validFor),
    },
    logId: { keyId: encodeBase64Field(log.logId.keyId) },
  };
  if (log.checkpointKeyId !== undefined) out.checkpointKeyId = { keyId: encodeBase64Field(log.checkpointKeyId.keyId) };
  if (log.operator !== undefined && log.operator !== '') out.operator = log.operator;
  return out;
}

function serializeAuthority(ca: CertificateAuthority): CertificateAuthorityJSON {
  const out = {} as CertificateAuthorityJSON;
  const subject: { organization?: string; commonName?: string } = {};
  if (ca.subject.organization !== '') subject.organization = ca.subject.organization;
  if (ca.subject.commonName !== '') subject.commonName = ca.subject.commonName;
  if (subject.organization !== undefined || subject.commonName !== undefined) out.subject = subject;
  if (ca.uri !== '') out.uri = ca.uri;
  out.certChain = { certificates: ca.certChain.certificates.map((c) => ({ rawBytes: encodeBase64Field(c) })) };
  out.validFor = serializeValidity(ca.validFor);
  if (ca.operator !== undefined && ca.operator !== '') out.operator = ca.operator;
  return out;
}

/**
 * Serializes a trusted root to proto3 JSON. Unlike the bundle serializer this always writes
 * the four lists, even empty: some readers (sigstore-python) require them to be present.
 * @throws RangeError for an invalid or out-of-range Date (caller misuse).
 */
export function serializeTrustedRoot(root: TrustedRoot): TrustedRootJSON {
  return {
    mediaType: root.mediaType,
    tlogs: root.tlogs.map(serializeLog),
    certificateAuthorities: root.certificateAuthorities.map(serializeAuthority),
    ctlogs: root.ctlogs.map(serializeLog),
    timestampAuthorities: root.timestampAuthorities.map(serializeAuthority),
  };
}
