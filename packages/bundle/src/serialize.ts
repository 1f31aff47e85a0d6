import { encodeBase64Field } from './base64.js';
import type {
  Bundle, Envelope, InclusionProof, MessageSignature, TransparencyLogEntry, VerificationMaterial,
} from './bundle.js';

/*
 * Bundle → proto3 JSON, as cosign (Go protojson) and sigstore-js (ts-proto) emit it: fields in
 * proto field order, int64 as decimal strings, bytes as standard padded base64, fields holding
 * their proto3 default (0, "", empty bytes, empty list, unset message) omitted, and `$case`
 * unions flattened back to the member's field name.
 */

/** proto3 JSON of `LogId`. */
export interface LogIdJSON { keyId: string }
/** proto3 JSON of `TransparencyLogEntry`. */
export interface TransparencyLogEntryJSON {
  logIndex?: string;
  logId: LogIdJSON;
  kindVersion: { kind: string; version: string };
  integratedTime?: string;
  inclusionPromise?: { signedEntryTimestamp: string };
  inclusionProof?: InclusionProofJSON;
  canonicalizedBody?: string;
}
/** proto3 JSON of `InclusionProof`. */
export interface InclusionProofJSON {
  logIndex?: string;
  rootHash: string;
  treeSize?: string;
  hashes?: string[];
  checkpoint: { envelope: string };
}
/** proto3 JSON of `VerificationMaterial`. */
export interface VerificationMaterialJSON {
  publicKey?: { hint?: string };
  x509CertificateChain?: { certificates: { rawBytes: string }[] };
  certificate?: { rawBytes: string };
  tlogEntries?: TransparencyLogEntryJSON[];
  timestampVerificationData?: { rfc3161Timestamps: { signedTimestamp: string }[] };
}
/** proto3 JSON of `MessageSignature`. */
export interface MessageSignatureJSON {
  messageDigest?: { algorithm: string; digest: string };
  signature: string;
}
/** proto3 JSON of a DSSE `Envelope`. */
export interface EnvelopeJSON {
  payload: string;
  payloadType: string;
  signatures: { sig: string; keyid?: string }[];
}
/** proto3 JSON of a Sigstore `Bundle`: exactly one of `messageSignature`/`dsseEnvelope`. */
export interface BundleJSON {
  mediaType: string;
  verificationMaterial: VerificationMaterialJSON;
  messageSignature?: MessageSignatureJSON;
  dsseEnvelope?: EnvelopeJSON;
}

const b64 = encodeBase64Field;

/** int64 → decimal string; `undefined` for the default 0 so the caller omits it. */
function int64(n: number): string | undefined {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a non-negative safe integer: ${n}`);
  return n === 0 ? undefined : String(n);
}

function serializeInclusionProof(p: InclusionProof): InclusionProofJSON {
  const out: InclusionProofJSON = {} as InclusionProofJSON;
  const logIndex = int64(p.logIndex);
  if (logIndex !== undefined) out.logIndex = logIndex;
  out.rootHash = b64(p.rootHash);
  const treeSize = int64(p.treeSize);
  if (treeSize !== undefined) out.treeSize = treeSize;
  if (p.hashes.length > 0) out.hashes = p.hashes.map(b64);
  out.checkpoint = { envelope: p.checkpoint.envelope };
  return out;
}

function serializeTlogEntry(e: TransparencyLogEntry): TransparencyLogEntryJSON {
  const out = {} as TransparencyLogEntryJSON;
  const logIndex = int64(e.logIndex);
  if (logIndex !== undefined) out.logIndex = logIndex;
  out.logId = { keyId: b64(e.logId.keyId) };
  out.kindVersion = { kind: e.kindVersion.kind, version: e.kindVersion.version };
  const integratedTime = int64(e.integratedTime);
  if (integratedTime !== undefined) out.integratedTime = integratedTime;
  if (e.inclusionPromise !== undefined) {
    out.inclusionPromise = { signedEntryTimestamp: b64(e.inclusionPromise.signedEntryTimestamp) };
  }
  if (e.inclusionProof !== undefined) out.inclusionProof = serializeInclusionProof(e.inclusionProof);
  if (e.canonicalizedBody.length > 0) out.canonicalizedBody = b64(e.canonicalizedBody);
  return out;
}

function serializeVerificationMaterial(vm: VerificationMaterial): VerificationMaterialJSON {
  const out: VerificationMaterialJSON = {};
  const c = vm.content;
  switch (c.$case) {
    case 'publicKey':
      out.publicKey = c.publicKey.hint === '' ? {} : { hint: c.publicKey.hint };
      break;
    case 'x509CertificateChain':
      out.x509CertificateChain = { certificates: c.x509CertificateChain.certificates.map((d) => ({ rawBytes: b64(d) })) };
      break;
    case 'certificate':
      out.certificate = { rawBytes: b64(c.certificate) };
      break;
  }
  if (vm.tlogEntries.length > 0) out.tlogEntries = vm.tlogEntries.map(serializeTlogEntry);
  const ts = vm.timestampVerificationData.rfc3161Timestamps;
  if (ts.length > 0) {
    out.timestampVerificationData = { rfc3161Timestamps: ts.map((t) => ({ signedTimestamp: b64(t) })) };
  }
  return out;
}

function serializeMessageSignature(m: MessageSignature): MessageSignatureJSON {
  const out = {} as MessageSignatureJSON;
  if (m.messageDigest !== undefined) {
    out.messageDigest = { algorithm: m.messageDigest.algorithm, digest: b64(m.messageDigest.digest) };
  }
  out.signature = b64(m.signature);
  return out;
}

function serializeEnvelope(e: Envelope): EnvelopeJSON {
  return {
    payload: b64(e.payload),
    payloadType: e.payloadType,
    signatures: e.signatures.map((s) => (s.keyid === '' ? { sig: b64(s.sig) } : { sig: b64(s.sig), keyid: s.keyid })),
  };
}

/**
 * Serializes a bundle to its proto3 JSON form (a plain object; `JSON.stringify` it to write).
 * `parseBundle(serializeBundle(b))` deep-equals `b` for every bundle `parseBundle` returns.
 * The bundle is not re-validated: serialize only what you parsed or built correctly.
 * @throws RangeError when an integer field is not a non-negative safe integer (caller misuse).
 */
export function serializeBundle(bundle: Bundle): BundleJSON {
  const out: BundleJSON = {
    mediaType: bundle.mediaType,
    verificationMaterial: serializeVerificationMaterial(bundle.verificationMaterial),
  };
  if (bundle.content.$case === 'messageSignature') {
    out.messageSignature = serializeMessageSignature(bundle.content.messageSignature);
  } else {
    out.dsseEnvelope = serializeEnvelope(bundle.content.dsseEnvelope);
  }
  return out;
}
